// pinnedFetch connects to the address it is given, never resolving the URL's name (which here
// resolves nowhere), while the request still names the host; on a real loopback server.
import { assertEquals, assertRejects } from "@std/assert";
import { createServer } from "node:http";
import { test } from "../harness.ts";
import { pinnedFetch } from "../../src/runtime/pinned_fetch.ts";
import { closeServer, listen } from "../adapters/_registry.ts";

test("pinnedFetch: connects to the given address, naming the URL's host; streams; HEAD has no body", async () => {
  const seen: { method?: string; url?: string; host?: string; range?: string }[] = [];
  const server = createServer((request, response) => {
    seen.push({
      method: request.method,
      url: request.url,
      host: request.headers.host,
      range: request.headers.range,
    });
    response.writeHead(206, { "content-range": "bytes 0-3/10", "docker-content-digest": "d" });
    response.end(request.method === "HEAD" ? undefined : "abcd");
  });
  const port = new URL(await listen(server)).port;
  try {
    const url = new URL(`http://rebind.invalid:${port}/v2/a/blobs/x?n=1`);
    const got = await pinnedFetch(url, { headers: { range: "bytes=0-3" } }, "127.0.0.1");
    assertEquals([got.status, await got.text()], [206, "abcd"]);
    assertEquals(got.headers.get("docker-content-digest"), "d");
    const head = await pinnedFetch(url, { method: "HEAD" }, "127.0.0.1");
    assertEquals([head.status, head.body], [206, null]);
    assertEquals(seen, [
      {
        method: "GET",
        url: "/v2/a/blobs/x?n=1",
        host: `rebind.invalid:${port}`,
        range: "bytes=0-3",
      },
      {
        method: "HEAD",
        url: "/v2/a/blobs/x?n=1",
        host: `rebind.invalid:${port}`,
        range: undefined,
      },
    ]);
    await assertRejects(
      () => pinnedFetch(url, { method: "PUT" }, "127.0.0.1"),
      TypeError,
      "GET and HEAD only",
    );
  } finally {
    await closeServer(server);
  }
});
