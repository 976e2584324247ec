import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { NotFoundError, type UnavailableError } from "../../src/core/errors.ts";
import { diagnoseCors, looksLikeCorsRefusal } from "../../src/explorer/cors_diagnosis.ts";

/** A fetch that records each URL and connects nowhere: every request fails as a refused one does. */
function refusingFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fetch = (input: RequestInfo | URL): Promise<Response> => {
    urls.push(String(input instanceof Request ? input.url : input));
    return Promise.reject(new TypeError("Failed to fetch"));
  };
  return { fetch: fetch as typeof globalThis.fetch, urls };
}

test("cors diagnosis: a Docker Hub reference is diagnosed at the host the adapter asks", async () => {
  const { fetch, urls } = refusingFetch();
  const source = await openRegistry("docker.io/library/busybox:latest", {
    fetch,
    retry: { retries: 0 },
  });
  let thrown: unknown;
  await new ImageStore(source).sync().catch((error) => thrown = error);
  const diagnosis = await diagnoseCors(source.base.href, { fetch });
  assertEquals(source.base.origin, "https://registry-1.docker.io");
  assertEquals(urls.length > 1, true);
  assertEquals(urls.filter((url) => new URL(url).origin !== "https://registry-1.docker.io"), []);
  assertEquals(
    [diagnosis.reachable, diagnosis.message.includes("https://registry-1.docker.io")],
    [false, true],
  );
  // Whatever sync reported (thrown or a per-record failure), a refused request reads as one.
  if (thrown !== undefined) assertEquals(looksLikeCorsRefusal(thrown), true);
});

test("cors diagnosis: only a refused request is diagnosed, a registry's 404 is not", async () => {
  const refused = refusingFetch();
  const source = await openRegistry("registry.example/team/app", {
    fetch: refused.fetch,
    retry: { retries: 0 },
  });
  let thrown: unknown;
  await new ImageStore(source).sync().catch((error) => thrown = error);
  assertEquals(looksLikeCorsRefusal(thrown), true);
  const missing = await openRegistry("registry.example/team/app", {
    fetch: (() =>
      Promise.resolve(
        Response.json(
          { errors: [{ code: "NAME_UNKNOWN", message: "repository name not known" }] },
          {
            status: 404,
          },
        ),
      )) as typeof fetch,
  });
  let notFound: unknown;
  await new ImageStore(missing).sync().catch((error) => notFound = error);
  assertEquals(notFound instanceof NotFoundError, true);
  assertEquals(looksLikeCorsRefusal(notFound), false);
  // The registry answered 200, then the body broke off (a browser's TypeError): its status says so.
  const broken = await openRegistry("registry.example/team/app", {
    fetch: (() =>
      Promise.resolve(
        new Response(
          new ReadableStream({ pull: (c) => c.error(new TypeError("network error")) }),
          { headers: { "content-type": "application/json" } },
        ),
      )) as typeof fetch,
    retry: { retries: 0 },
  });
  let cut: unknown;
  await broken.tags().catch((error) => cut = error);
  assertEquals((cut as UnavailableError).status, 200);
  assertEquals(looksLikeCorsRefusal(cut), false);
});

test("cors diagnosis: names the first CORS answer missing, one feature at a time", async () => {
  const asked: string[] = [];
  // Reachable (opaque request), simple GET allowed, but a preflighted Accept header refused.
  const fetch = ((_input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    asked.push(init?.mode === "no-cors" ? "no-cors" : [...headers.keys()].join(",") || "simple");
    if (headers.has("accept")) return Promise.reject(new TypeError("Failed to fetch"));
    return Promise.resolve(new Response(null, { status: 401 }));
  }) as typeof globalThis.fetch;
  const diagnosis = await diagnoseCors("http://127.0.0.1:5000", { fetch });
  assertEquals(asked, ["no-cors", "simple", "accept"]);
  assertEquals([diagnosis.refused, diagnosis.missing], [
    true,
    "Access-Control-Allow-Headers: Accept",
  ]);
});
