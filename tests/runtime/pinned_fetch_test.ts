// pinnedFetch connects to the address it is given, never resolving the URL's name (which here
// resolves nowhere), while the request still names the host (Host, and over TLS the SNI and the
// certificate check); on real loopback servers.
import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
} from "node:net";
import type { Buffer } from "node:buffer";
import { test } from "../harness.ts";
import { pinnedFetch } from "../../src/runtime/pinned_fetch.ts";
import { closeServer, listen, selfSignedCert, tempDir } from "../adapters/_registry.ts";

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

test("pinnedFetch: over https the name goes into the SNI and the certificate is verified", async () => {
  const dir = tempDir("ocistore-pinned-");
  const { key, cert } = await selfSignedCert(dir, "rebind", "/CN=rebind.invalid", [
    "-addext",
    "subjectAltName=DNS:rebind.invalid",
  ]);
  // The ClientHello carries the server name in clear: a plain TCP listener sees it.
  const hellos: Buffer[] = [];
  const listener = createNetServer((socket) => {
    socket.once("data", (chunk: Buffer) => (hellos.push(chunk), socket.destroy()));
  });
  await new Promise<void>((ready) => listener.listen(0, "127.0.0.1", ready));
  const server = createHttpsServer(
    { key: readFileSync(key), cert: readFileSync(cert) },
    (_request, response) => response.end("reached"),
  );
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  try {
    const at = (s: NetServer) =>
      new URL(`https://rebind.invalid:${(s.address() as AddressInfo).port}/v2/`);
    await assertRejects(() => pinnedFetch(at(listener), {}, "127.0.0.1"));
    assertEquals(hellos.length, 1);
    assert(hellos[0].includes("rebind.invalid"), "the ClientHello names the host (SNI)");
    // A self-signed certificate is no trusted one: verification is on, so the request fails.
    const refused = await pinnedFetch(at(server), {}, "127.0.0.1").catch((error) => error);
    assertMatch(String(refused?.code ?? refused?.message), /SELF_SIGNED|self.signed|certificate/i);
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await new Promise((done) => listener.close(done));
  }
});
