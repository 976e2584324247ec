// The registry source against Debian's docker-registry 2.8 in three configurations, filled with
// skopeo from the example layout: the store's view equals the layout's, requests are counted,
// auth works and fails as it should, and ranged reads, streams, tags and referrers are right.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import {
  DOCKER_REPO,
  DOCKER_TAGS,
  EXAMPLE_LAYOUT,
  push,
  PUSHED,
  registryOf,
  tempDir,
  USER,
} from "./_registry.ts";
import { diskBlobStore } from "../../src/runtime/disk_blob_store.ts";
import { sourceContract } from "./source_contract.ts";
import { byDigest, countingFetch, mapStore, unverifiedEntries } from "./_registry_tools.ts";
import {
  openRegistry,
  type RegistryOptions,
  type RegistrySource,
} from "../../src/adapters/registry.ts";
import { type BlobStore, cachedContent } from "../../src/core/cached_content.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { only } from "../../src/core/platform_matcher.ts";
import { readBlob, readBlobRange, readBlobStream } from "../../src/core/content.ts";
import { digestOf } from "../../src/core/digest.ts";
import { NotFoundError, UnauthorizedError } from "../../src/core/errors.ts";
import type { ImageSource } from "../../src/core/content.ts";
import type { Image } from "../../src/core/image_store.ts";
import type { Manifest } from "../../src/core/types.ts";

const amd64 = only({ os: "linux", architecture: "amd64" });
const arm64 = only({ os: "linux", architecture: "arm64", variant: "v8" });

async function storeOf(source: ImageSource, platform = amd64): Promise<ImageStore> {
  const store = new ImageStore(source, { platform });
  const { failures } = await store.sync();
  assertEquals(failures, []);
  return store;
}

function open(host: string, repo: string, options: RegistryOptions = {}) {
  return openRegistry(`${host}/${repo}`, { plainHttp: true, ...options });
}

/** The source with `store` in front of its content: how any source gets a blob cache. */
function cached(source: RegistrySource, store: BlobStore): ImageSource {
  return { ...source, content: cachedContent(source.content, store) };
}

/** The store view of an image, references mapped from the registry host to the layout's domain. */
function view(image: Image, host?: string) {
  return {
    id: image.id,
    chainId: image.chainId,
    size: image.size,
    references: image.references.map((r) => host ? r.replace(host, "example.com") : r),
    imageSpec: image.imageSpec,
  };
}

for (
  const [platformName, platform] of [["linux/amd64", amd64], ["linux/arm64/v8", arm64]] as const
) {
  test(`registry: ImageStore over every pushed repository equals the OCI layout it came from (${platformName})`, async () => {
    const registry = await registryOf("anonymous");
    const layout = await storeOf(await openOciLayout(EXAMPLE_LAYOUT), platform);
    const seen = new Set<string>();
    for (const repo of Object.keys(PUSHED)) {
      const store = await storeOf(await open(registry.host, repo), platform);
      for (const image of store.list()) {
        seen.add(image.id);
        const fromLayout = layout.get(image.id);
        const expected = view(fromLayout);
        expected.references = expected.references.filter((r) => r.includes(`/${repo}:`));
        assertEquals(view(image, registry.host), expected);
      }
    }
    assertEquals([...seen].sort(), layout.list().map((i) => i.id).sort());
  });
}

test("registry: a Docker schema 2 copy under six tags gives the OCI image's ID, chain ID and size, with every tag", async () => {
  const registry = await registryOf("anonymous");
  const source = await open(registry.host, DOCKER_REPO);
  assertEquals((await source.tags()).sort(), [...DOCKER_TAGS].sort());
  const records = await source.images.list();
  assert(records.every((r) => r.target.mediaType.includes("docker.distribution.manifest.v2")));
  const store = await storeOf(source);
  const layout = await storeOf(await openOciLayout(EXAMPLE_LAYOUT));
  const [image] = store.list();
  assertEquals(store.list().length, 1);
  const hello = layout.get(layout.resolve("example.com/ocistore/hello:1.0"));
  // The size counts the manifest too, and the Docker manifest is longer than the OCI one.
  const ociManifest = await (await openOciLayout(EXAMPLE_LAYOUT)).images.get(
    "example.com/ocistore/hello:1.0",
  );
  assertEquals(
    [image.id, image.chainId, image.size],
    [hello.id, hello.chainId, hello.size - ociManifest.target.size + records[0].target.size],
  );
  assertEquals(
    [...image.references].sort(),
    DOCKER_TAGS.map((t) => `${registry.host}/${DOCKER_REPO}:${t}`).sort(),
  );
});

test("registry: one platform of a two-platform index costs the index, the manifest and the config; a warm cache costs no request by digest", async () => {
  const registry = await registryOf("anonymous");
  const cache = mapStore();
  const cold = countingFetch();
  const store = await storeOf(
    cached(await open(registry.host, "ocistore/multi:1.0", { fetch: cold.fetch }), cache),
  );
  const [image] = store.list();
  const index = JSON.parse(
    new TextDecoder().decode(
      await readBlob((await openOciLayout(EXAMPLE_LAYOUT)).content, {
        mediaType: "application/vnd.oci.image.index.v1+json",
        digest: "sha256:11bb995b71a367af3b04f65a63b51fb32da37821eee333e0025ed49d294a72a8",
        size: 506,
      }),
    ),
  );
  const amdManifest = index.manifests[0].digest;
  assertEquals(
    byDigest(cold.sent).map((s) => `${s.method} ${s.path.split("/").slice(-2).join("/")}`),
    [
      `GET manifests/sha256:11bb995b71a367af3b04f65a63b51fb32da37821eee333e0025ed49d294a72a8`,
      `GET manifests/${amdManifest}`,
      `GET blobs/${image.id}`,
    ],
  );
  assertEquals(cold.sent.length, 4, "plus one HEAD of the tag");
  assertEquals(await unverifiedEntries(cache), []);

  const warm = countingFetch();
  const again = await storeOf(
    cached(await open(registry.host, "ocistore/multi:1.0", { fetch: warm.fetch }), cache),
  );
  assertEquals(view(again.list()[0]), view(image));
  assertEquals(byDigest(warm.sent), []);
  assertEquals(warm.sent.map((s) => s.method), ["HEAD"]);
});

test("registry: token auth costs one token request per scope, cached across reads and refreshed on expiry", async () => {
  const registry = await registryOf("token");
  const before = registry.tokenRequests.length;
  let clock = Date.now();
  const counted = countingFetch();
  const source = await open(registry.host, "ocistore/multi:1.0", {
    fetch: counted.fetch,
    now: () => clock,
  });
  const store = await storeOf(source);
  const tokens = registry.tokenRequests.slice(before);
  assertEquals(tokens, ["repository:ocistore/multi:pull"]);
  assertEquals(byDigest(counted.sent).length, 3);
  assertEquals(store.list().length, 1);
  // A second repository is a second scope; the first scope's token is reused meanwhile.
  await source.resolve("1.0");
  const other = await open(registry.host, "ocistore/hello", { fetch: counted.fetch });
  await other.tags();
  assertEquals(registry.tokenRequests.slice(before), [
    "repository:ocistore/multi:pull",
    "repository:ocistore/hello:pull",
  ]);
  clock += 3600_000;
  await source.resolve("1.0");
  assertEquals(registry.tokenRequests.length - before, 3, "an expired token is fetched again");
});

test("registry: basic auth reads with the right user and fails typed without it or with a wrong password", async () => {
  const registry = await registryOf("basic");
  const store = await storeOf(await open(registry.host, "ocistore/app", { credentials: USER }));
  assertEquals(store.list().length, 1);
  await assertRejects(
    () => open(registry.host, "ocistore/app").then((s) => s.tags()),
    UnauthorizedError,
  );
  await assertRejects(
    () =>
      open(registry.host, "ocistore/app", {
        credentials: { username: USER.username, password: "nope" },
      })
        .then((s) => s.tags()),
    UnauthorizedError,
  );
});

test("registry: token auth with credentials, anonymous, a static token, and a refused static token", async () => {
  const registry = await registryOf("token");
  const withUser = await open(registry.host, "ocistore/hello", { credentials: USER });
  assertEquals(await withUser.tags(), ["1.0"]);
  const anonymous = await open(registry.host, "ocistore/hello");
  const descriptor = await anonymous.resolve("1.0");
  const challenge = await fetch(`${registry.url}/v2/ocistore/hello/tags/list`);
  await challenge.body?.cancel();
  const realm = /realm="([^"]+)"/.exec(challenge.headers.get("www-authenticate") ?? "")![1];
  const tokenAnswer = await fetch(
    `${realm}?service=ocistore-test-registry&scope=repository:ocistore/hello:pull`,
  );
  const { token, access_token } = await tokenAnswer.json();
  const counted = countingFetch();
  const withToken = await open(registry.host, "ocistore/hello", {
    token: token ?? access_token,
    fetch: counted.fetch,
  });
  assertEquals(await withToken.resolve("1.0"), descriptor);
  assertEquals(counted.sent.length, 1, "a static token needs no exchange");
  const bad = await open(registry.host, "ocistore/hello", { token: "not-a-token" });
  await assertRejects(() => bad.resolve("1.0"), UnauthorizedError);
});

test("registry: ranged reads and streams of a layer equal the layout's bytes", async () => {
  const registry = await registryOf("anonymous");
  const layout = await openOciLayout(EXAMPLE_LAYOUT);
  const source = await open(registry.host, "ocistore/app:2.1");
  const [record] = await source.images.list();
  const manifest = JSON.parse(
    new TextDecoder().decode(await readBlob(source.content, record.target)),
  ) as Manifest;
  const layer = manifest.layers[1];
  const whole = await readBlob(layout.content, layer);
  assertEquals(
    await readBlobRange(source.content, layer, { offset: 10, length: 50 }),
    whole.slice(10, 60),
  );
  assertEquals(
    await readBlobRange(source.content, layer, { offset: layer.size - 5, length: 5 }),
    whole.slice(-5),
  );
  assertEquals(
    new Uint8Array(await new Response(await readBlobStream(source.content, layer)).arrayBuffer()),
    whole,
  );
  assertEquals(await source.content.info(layer.digest), { digest: layer.digest, size: layer.size });
  assertEquals((await source.content.info(record.target.digest)).size, record.target.size);
});

test("registry: unknown tags, repositories and blobs are NotFoundError from the registry's error codes", async () => {
  const registry = await registryOf("anonymous");
  const source = await open(registry.host, "ocistore/hello");
  await assertRejects(() => source.resolve("no-such-tag"), NotFoundError);
  await assertRejects(
    () => source.images.get(`${registry.host}/ocistore/hello:nope`),
    NotFoundError,
  );
  await assertRejects(() => source.images.get("example.com/other:1.0"), NotFoundError);
  const missing = await open(registry.host, "ocistore/missing");
  await assertRejects(() => missing.tags(), NotFoundError);
  const digest = await digestOf("not pushed");
  await assertRejects(() => source.content.info(digest), NotFoundError);
  await assertRejects(
    () => readBlob(source.content, { mediaType: "application/octet-stream", digest, size: 10 }),
    NotFoundError,
  );
});

test("registry: referrers come from the tag-schema fallback on a registry without the referrers API", async () => {
  const registry = await registryOf("anonymous");
  // A repository of its own: the fallback tag it gets must not show in other tests' listings.
  await push(
    `oci:${EXAMPLE_LAYOUT}:example.com/ocistore/app:2.1`,
    registry.host,
    "ocistore/referred:2.1",
  );
  const source = await open(registry.host, "ocistore/referred");
  const subject = await source.resolve("2.1");
  const hello = subject;
  const artifactType = "application/vnd.example.signature";
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ ...hello, artifactType }],
  });
  const tag = subject.digest.replace(":", "-");
  const put = await fetch(`${registry.url}/v2/ocistore/referred/manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.oci.image.index.v1+json" },
    body: index,
  });
  await put.body?.cancel();
  assertEquals(put.status, 201);
  assertEquals(await source.referrers(subject.digest), [{ ...hello, artifactType }]);
  assertEquals(await source.referrers(subject.digest, { artifactType: "application/other" }), []);
  assertEquals(await source.referrers(await digestOf("nothing refers to this")), []);
});

test("registry: with the disk cache, a second source over the same directory sends no request by digest", async () => {
  const registry = await registryOf("anonymous");
  const dir = tempDir("ocistore-registry-cache-");
  const cold = countingFetch();
  const first = await storeOf(
    cached(await open(registry.host, "ocistore/app", { fetch: cold.fetch }), diskBlobStore(dir)),
  );
  assertEquals(byDigest(cold.sent).length, 2, "manifest and config");
  const warm = countingFetch();
  const second = await storeOf(
    cached(await open(registry.host, "ocistore/app", { fetch: warm.fetch }), diskBlobStore(dir)),
  );
  assertEquals(second.list().map((i) => view(i)), first.list().map((i) => view(i)));
  assertEquals(byDigest(warm.sent), []);
  assertEquals(
    warm.sent.map((s) => s.method).sort(),
    ["GET", "HEAD", "HEAD"],
    "tags and two HEADs",
  );
});

// The source contract every adapter passes, over the two-platform index.
sourceContract(
  "registry (docker-registry 2.8)",
  async () =>
    openRegistry(`${(await registryOf("anonymous")).host}/ocistore/multi`, { plainHttp: true }),
  async () => ({
    images: [{
      name: `${(await registryOf("anonymous")).host}/ocistore/multi:1.0`,
      digest: "sha256:11bb995b71a367af3b04f65a63b51fb32da37821eee333e0025ed49d294a72a8",
      mediaType: "application/vnd.oci.image.index.v1+json",
      size: 506,
    }],
  }),
);

test("registry: the concurrency limit bounds requests in flight", async () => {
  const registry = await registryOf("anonymous");
  let inFlight = 0;
  let most = 0;
  const fetchCounted: typeof fetch = async (input, init) => {
    most = Math.max(most, ++inFlight);
    try {
      return await fetch(input, init);
    } finally {
      inFlight--;
    }
  };
  const source = await open(registry.host, DOCKER_REPO, { fetch: fetchCounted, concurrency: 2 });
  assertEquals((await source.images.list()).length, DOCKER_TAGS.length);
  assertEquals(most, 2);
});
