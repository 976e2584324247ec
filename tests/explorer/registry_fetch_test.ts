// The explorer's registry fetch against the real proxy and Debian's docker-registry with no CORS
// headers: the page's fetch is stood in for by one that refuses every other origin with the bare
// TypeError a browser gives a CORS failure, and hands its own origin to the proxy in-process.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { registryProxy } from "../../src/proxy/mod.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import type { ImageSource } from "../../src/core/content.ts";
import { only } from "../../src/core/platform_matcher.ts";
import { registryFetch, routeLine } from "../../src/explorer/registry_fetch.ts";
import { DOCKER_REPO, registryOf, USER } from "../adapters/_registry.ts";

// Not loopback: the adapter's realm rule would refuse the proxy's own http realm for it.
const PAGE = "http://explorer.test";

function page(handler?: (request: Request) => Promise<Response>) {
  const refused: string[] = [];
  const fetcher: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin === PAGE) {
      return handler
        ? handler(new Request(url, init))
        : Promise.resolve(new Response("not found", { status: 404 }));
    }
    refused.push(url.href);
    return Promise.reject(new TypeError("Failed to fetch"));
  };
  return { fetcher, refused };
}

async function view(source: ImageSource): Promise<(string | number)[][]> {
  const store = new ImageStore(source, { platform: only({ os: "linux", architecture: "amd64" }) });
  assertEquals((await store.sync()).failures, []);
  return store.list().map((image) => [image.id, image.size]);
}

test("explorer registry fetch: a token registry with no CORS is read through the page's proxy", async () => {
  const registry = await registryOf("token");
  const proxy = registryProxy({
    fetch: globalThis.fetch,
    resolve: () => Promise.reject(new Error("no name should need resolving")),
    allowPrivate: [registry.host],
  });
  const browser = page(proxy);
  const wrapped = registryFetch(browser.fetcher, PAGE);
  const reference = `${registry.host}/${DOCKER_REPO}:1.0`;
  const proxied = await view(
    await openRegistry(reference, { fetch: wrapped.fetch, plainHttp: true, credentials: USER }),
  );
  const direct = await view(await openRegistry(reference, { plainHttp: true, credentials: USER }));
  assertEquals(proxied.length, 1);
  assertEquals(proxied, direct);
  assertEquals(wrapped.route(registry.host), "proxy");
  assert(await wrapped.hasProxy());
  // One direct try, then the proxy for the registry and (through its token route) the realm.
  assertEquals(browser.refused.length, 1);
  assert(registry.tokenRequests.length > 0);
  assertEquals(
    routeLine(registry.host, "proxy", true),
    `Read ${registry.host} through this page's registry proxy (it sends no CORS headers).`,
  );
});

test("explorer registry fetch: with no proxy on the page's origin the refusal stands", async () => {
  const browser = page();
  const wrapped = registryFetch(browser.fetcher, PAGE);
  await assertRejects(() => wrapped.fetch("https://ghcr.io/v2/"), TypeError, "Failed to fetch");
  assertEquals(await wrapped.hasProxy(), false);
  assertEquals(wrapped.route("ghcr.io"), undefined);
  assert(routeLine("ghcr.io", undefined, false).includes("ocistore serve"));
});
