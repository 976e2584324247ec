// Faults between the registry source and a real registry, injected by a loopback proxy: every
// fault ends in a typed error or a correct answer, and the cache never keeps unverified bytes.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { DOCKER_REPO, DOCKER_TAGS, registryOf, USER } from "./_registry.ts";
import { type FaultProxy, startFaultProxy } from "./_fault_proxy.ts";
import { countingFetch, mapStore, unverifiedEntries } from "./_registry_tools.ts";
import {
  openRegistry,
  type RegistryOptions,
  type RegistrySource,
  TooManyRequestsError,
} from "../../src/adapters/registry.ts";
import { readBlob, readBlobRange, readBlobStream, readJson } from "../../src/core/content.ts";
import {
  DigestMismatchError,
  InvalidArgumentError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedError,
} from "../../src/core/errors.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { only } from "../../src/core/platform_matcher.ts";
import type { Descriptor, Manifest } from "../../src/core/types.ts";

const fast = { retries: 3, baseDelay: 5, maxDelay: 2_000 };

async function withProxy(
  kind: "anonymous" | "basic" | "token",
  body: (
    proxy: FaultProxy,
    open: (repo: string, options?: RegistryOptions) => Promise<RegistrySource>,
  ) => Promise<void>,
): Promise<void> {
  const upstream = await registryOf(kind);
  const anonymous = await registryOf("anonymous");
  const proxy = await startFaultProxy(upstream.url, anonymous.url);
  try {
    await body(
      proxy,
      (repo, options = {}) =>
        openRegistry(`${proxy.host}/${repo}`, { plainHttp: true, retry: fast, ...options }),
    );
  } finally {
    await proxy.close();
  }
}

/** The app image's manifest and config descriptors, read without faults. */
async function appParts(
  source: RegistrySource,
): Promise<{ manifest: Descriptor; config: Descriptor; layer: Descriptor }> {
  const manifest = await source.resolve("2.1");
  const parsed = await readJson(source.content, manifest) as Manifest;
  return { manifest, config: parsed.config, layer: parsed.layers[0] };
}

const isPath = (part: string) => (request: { path: string }) => request.path.includes(part);

test("registry faults: a short body and wrong bytes are DigestMismatchError and nothing is cached", async () => {
  await withProxy("anonymous", async (proxy, open) => {
    const { config, layer } = await appParts(await open("ocistore/app"));
    for (const kind of ["short", "flip"] as const) {
      const cache = mapStore();
      // The deprecated `cache` option, kept working: it is cachedContent in front of the content.
      const source = await open("ocistore/app", { cache });
      proxy.rule((r) => isPath(config.digest)(r) || isPath(layer.digest)(r) ? { kind } : undefined);
      await assertRejects(() => readBlob(source.content, config), DigestMismatchError);
      await assertRejects(() => readBlob(source.content, layer), DigestMismatchError);
      await assertRejects(
        () => readBlobStream(source.content, layer).then((s) => new Response(s).arrayBuffer()),
        DigestMismatchError,
      );
      assertEquals(cache.entries.size, 0, kind);
      proxy.rule(() => undefined);
      assertEquals((await readBlob(source.content, config)).length, config.size);
      assertEquals([...cache.entries.keys()], [config.digest]);
      assertEquals(await unverifiedEntries(cache), []);
    }
  });
});

test("registry faults: a connection cut mid-body is retried, and a connection that keeps breaking is UnavailableError", async () => {
  await withProxy("anonymous", async (proxy, open) => {
    const source = await open("ocistore/app");
    const { config, layer } = await appParts(source);
    let cuts = 0;
    proxy.rule((r) => isPath(config.digest)(r) && cuts++ < 2 ? { kind: "cut" } : undefined);
    assertEquals((await readBlob(source.content, config)).length, config.size);
    assertEquals(cuts, 3);
    proxy.rule((r) =>
      isPath(config.digest)(r) || isPath(layer.digest)(r) ? { kind: "cut" } : undefined
    );
    await assertRejects(() => readBlob(source.content, config), UnavailableError);
    await assertRejects(
      () => readBlobStream(source.content, layer).then((s) => new Response(s).arrayBuffer()),
      UnavailableError,
    );
  });
});

test("registry faults: 429 with Retry-After and 500s are retried to a correct answer; a long Retry-After and lasting 500s are typed errors", async () => {
  await withProxy("anonymous", async (proxy, open) => {
    const source = await open("ocistore/app");
    const { config } = await appParts(source);
    let n = 0;
    proxy.rule((r) =>
      isPath(config.digest)(r) && n++ < 2
        ? { kind: "status", status: 429, headers: { "retry-after": "0" } }
        : undefined
    );
    assertEquals((await readBlob(source.content, config)).length, config.size);
    assertEquals(n, 3);

    n = 0;
    proxy.rule((r) =>
      isPath(config.digest)(r) && n++ < 2 ? { kind: "status", status: 500 } : undefined
    );
    assertEquals((await readBlob(source.content, config)).length, config.size);

    const before = proxy.seen.length;
    proxy.rule(() => ({
      kind: "status",
      status: 429,
      headers: { "retry-after": "3600", "content-type": "application/json" },
      body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
    }));
    const error = await assertRejects(() => readBlob(source.content, config), TooManyRequestsError);
    assertEquals(error.retryAfter, 3600, "seconds, as the registry said");
    assert(error instanceof UnavailableError);
    assertEquals(proxy.seen.length - before, 1, "a wait longer than maxDelay is not waited for");

    const start = proxy.seen.length;
    proxy.rule(() => ({ kind: "status", status: 500 }));
    await assertRejects(() => readBlob(source.content, config), UnavailableError);
    assertEquals(proxy.seen.length - start, 1 + fast.retries);
  });
});

test("registry faults: a registry that keeps answering 401 ends in UnauthorizedError after one fresh token", async () => {
  const token = await registryOf("token");
  await withProxy("token", async (proxy, open) => {
    const challenge = await fetch(`${token.url}/v2/`);
    await challenge.body?.cancel();
    const header = challenge.headers.get("www-authenticate")!;
    proxy.rule(() => ({ kind: "status", status: 401, headers: { "www-authenticate": header } }));
    const before = token.tokenRequests.length;
    const source = await open("ocistore/hello");
    await assertRejects(() => source.resolve("1.0"), UnauthorizedError);
    assertEquals(proxy.seen.length, 2);
    assertEquals(token.tokenRequests.length - before, 1);
  });
});

test("registry faults: a redirect to another origin reaches it without Authorization, and the blob still verifies", async () => {
  await withProxy("basic", async (proxy, open) => {
    const source = await open("ocistore/app", { credentials: USER });
    const { config, layer } = await appParts(source);
    proxy.rule((r) => r.path.includes("/blobs/") ? { kind: "redirect" } : undefined);
    assertEquals((await readBlob(source.content, config)).length, config.size);
    assertEquals((await readBlob(source.content, layer)).length, layer.size);
    const redirected = proxy.seen.filter((s) => s.path.includes("/blobs/"));
    assertEquals(redirected.length, 2);
    assert(redirected.every((s) => s.authorization?.startsWith("Basic ")));
    assertEquals(proxy.elsewhere.length, 2);
    assertEquals(proxy.elsewhere.map((s) => s.authorization), [undefined, undefined]);
  });
});

test("registry faults: a token realm on a foreign plain-http host is refused before anything is sent there", async () => {
  await withProxy("anonymous", async (proxy, open) => {
    proxy.rule(() => ({
      kind: "status",
      status: 401,
      headers: {
        "www-authenticate":
          'Bearer realm="http://auth.example.invalid/token",service="x",scope="repository:ocistore/hello:pull"',
      },
    }));
    const counted = countingFetch();
    const source = await open("ocistore/hello", { fetch: counted.fetch, credentials: USER });
    const error = await assertRejects(() => source.resolve("1.0"), UnauthorizedError);
    assert(error.message.includes("auth.example.invalid"), error.message);
    assert(counted.sent.every((s) => new URL(s.url).host === proxy.host));
  });
});

test("registry faults: stalled answers are abandoned when the signal aborts", async () => {
  await withProxy("anonymous", async (proxy, open) => {
    const source = await open("ocistore/app");
    const { config, layer } = await appParts(source);
    for (const kind of ["stall", "hang"] as const) {
      proxy.rule((r) => isPath(config.digest)(r) || isPath(layer.digest)(r) ? { kind } : undefined);
      const controller = new AbortController();
      const reason = new Error(`gave up on ${kind}`);
      setTimeout(() => controller.abort(reason), 100);
      const error = await assertRejects(() =>
        readBlob(source.content, config, { signal: controller.signal })
      );
      assertEquals(error, reason);
      const whole = new AbortController();
      const aborting = await open("ocistore/app", { signal: whole.signal });
      setTimeout(() => whole.abort(reason), 100);
      await assertRejects(
        () => readBlobStream(aborting.content, layer).then((s) => new Response(s).arrayBuffer()),
      );
    }
  });
});

test("registry faults: tags follow a Link chain of several pages; a looping chain is an error", async () => {
  await withProxy("anonymous", async (proxy, open) => {
    proxy.rule((r) => r.path.includes("/tags/list") ? { kind: "page", size: 2 } : undefined);
    const source = await open(DOCKER_REPO);
    assertEquals(await source.tags(), [...DOCKER_TAGS].sort());
    assertEquals(proxy.seen.filter(isPath("/tags/list")).length, 3);
    const store = new ImageStore(source, {
      platform: only({ os: "linux", architecture: "amd64" }),
    });
    const { failures, updated } = await store.sync();
    assertEquals([failures, updated.length], [[], DOCKER_TAGS.length]);
    proxy.rule((r) =>
      r.path.includes("/tags/list") ? { kind: "page", size: 2, loop: true } : undefined
    );
    await assertRejects(() => source.tags(), InvalidArgumentError);
  });
});

test("registry faults: a HEAD without Docker-Content-Digest resolves by hashing the GET body, whose info, read, range and stream then cost nothing", async () => {
  await withProxy("anonymous", async (proxy, open) => {
    const expected = await (await open("ocistore/multi")).resolve("1.0");
    proxy.rule((r) =>
      r.method === "HEAD"
        ? { kind: "headers", headers: { "docker-content-digest": null } }
        : undefined
    );
    const source = await open("ocistore/multi");
    const start = proxy.seen.length;
    assertEquals(await source.resolve("1.0"), expected);
    assertEquals(proxy.seen.slice(start).map((s) => s.method), ["HEAD", "GET"]);
    const whole = await readBlob(source.content, expected);
    assertEquals(await source.content.info(expected.digest), {
      digest: expected.digest,
      size: expected.size,
    });
    assertEquals(
      await readBlobRange(source.content, expected, { offset: 2, length: 5 }),
      whole.slice(2, 7),
    );
    const streamed = new Response(await readBlobStream(source.content, expected));
    assertEquals(new Uint8Array(await streamed.arrayBuffer()), whole);
    assertEquals(proxy.seen.length - start, 2);
    // A registry that refuses HEAD is asked with GET.
    proxy.rule((r) => r.method === "HEAD" ? { kind: "status", status: 405 } : undefined);
    assertEquals(await (await open("ocistore/multi")).resolve("1.0"), expected);
    // A lying digest header only names what to fetch: the fetched bytes are checked against it.
    proxy.rule((r) =>
      r.method === "HEAD"
        ? { kind: "headers", headers: { "docker-content-digest": `sha256:${"0".repeat(64)}` } }
        : undefined
    );
    const lied = await (await open("ocistore/multi")).resolve("1.0");
    proxy.rule(() => undefined);
    assertEquals(lied.digest, `sha256:${"0".repeat(64)}`);
    await assertRejects(() => readBlob(source.content, lied), NotFoundError);
  });
});

test("registry faults: schema 1 answers are UnsupportedError; Warning headers reach the callback once; DENIED is UnauthorizedError", async () => {
  await withProxy("anonymous", async (proxy, open) => {
    proxy.rule(() => ({
      kind: "headers",
      headers: { "content-type": "application/vnd.docker.distribution.manifest.v1+prettyjws" },
    }));
    await assertRejects(
      () => open("ocistore/hello").then((s) => s.resolve("1.0")),
      UnsupportedError,
    );
    const warnings: string[] = [];
    proxy.rule(() => ({
      kind: "headers",
      headers: { warning: '299 - "this registry is deprecated"' },
    }));
    const warned = await open("ocistore/hello", { onWarning: (w) => warnings.push(w) });
    await warned.resolve("1.0");
    await warned.tags();
    assertEquals(warnings, ["this registry is deprecated"]);
    proxy.rule(() => ({
      kind: "status",
      status: 403,
      headers: { "content-type": "application/json" },
      body: '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}',
    }));
    const error = await assertRejects(() => warned.tags(), UnauthorizedError);
    assert(error.message.includes("DENIED"), error.message);
  });
});
