import { assertEquals, assertThrows } from "@std/assert";
import { test } from "../harness.ts";
import { DEFAULT_DOCUMENT_LIMIT } from "../../src/core/documents.ts";
import { parseDescriptor } from "../../src/core/descriptor.ts";
import { parseImageConfig } from "../../src/core/image_config.ts";
import { parseIndex, parseManifest } from "../../src/core/manifest.ts";
import { InvalidArgumentError, UnsupportedError } from "../../src/core/errors.ts";
import { DocumentCache } from "../../src/core/document_cache.ts";

const digest = "sha256:" + "a".repeat(64);
const descriptor = { mediaType: "application/vnd.oci.image.config.v1+json", digest, size: 2 };

test("parseImageConfig() matches keys case-insensitively like Go, exact spelling first, later keys winning", () => {
  const config = parseImageConfig(JSON.stringify({
    OS: "linux",
    Architecture: "arm64",
    VARIANT: "v8",
    "OS.Version": "1",
    config: { env: ["A=1"], ENTRYPOINT: ["/bin/sh"], labels: { Key: "Value" }, user: "0" },
    RootFS: { Type: "layers", DIFF_IDS: [digest] },
    History: [{ Created_By: "umoci", EMPTY_LAYER: true }],
    unknown: 1,
    architecture: "amd64",
  }));
  assertEquals(config, {
    os: "linux",
    architecture: "amd64",
    variant: "v8",
    "os.version": "1",
    config: { Env: ["A=1"], Entrypoint: ["/bin/sh"], Labels: { Key: "Value" }, User: "0" },
    rootfs: { type: "layers", diff_ids: [digest] },
    history: [{ created_by: "umoci", empty_layer: true }],
  });
});

test("parseImageConfig() reads null as absent and rejects fields of the wrong type", () => {
  assertEquals(parseImageConfig('{"os":null,"rootfs":null}'), {
    os: "",
    architecture: "",
    rootfs: { type: "", diff_ids: [] },
  });
  assertThrows(
    () => parseImageConfig('{"os":5}'),
    InvalidArgumentError,
    "config.os to be a string",
  );
  assertThrows(
    () => parseImageConfig('{"rootfs":{"diff_ids":"sha256:x"}}'),
    InvalidArgumentError,
    "config.rootfs.diff_ids to be an array of strings",
  );
  assertThrows(() => parseImageConfig("[]"), InvalidArgumentError, "expected a JSON object");
  assertThrows(() => parseImageConfig("{"), InvalidArgumentError, "expected JSON");
});

test("documents over the size limit are rejected before parsing", () => {
  const big = JSON.stringify({
    schemaVersion: 2,
    manifests: [],
    pad: "x".repeat(DEFAULT_DOCUMENT_LIMIT),
  });
  assertThrows(
    () => parseIndex(big),
    InvalidArgumentError,
    `expected at most ${DEFAULT_DOCUMENT_LIMIT} bytes`,
  );
  assertThrows(
    () => parseIndex('{"manifests":[]}', { maxBytes: 4 }),
    InvalidArgumentError,
    "at most 4 bytes",
  );
});

test("parseManifest() rejects schema 1, indexes and manifests without a config", () => {
  assertThrows(
    () => parseManifest(JSON.stringify({ schemaVersion: 1, fsLayers: [{ blobSum: digest }] })),
    UnsupportedError,
    "schema 1",
  );
  assertThrows(
    () =>
      parseManifest(
        JSON.stringify({ mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws" }),
      ),
    UnsupportedError,
  );
  assertThrows(
    () => parseManifest(JSON.stringify({ manifests: [descriptor] })),
    InvalidArgumentError,
    "an index",
  );
  assertThrows(() => parseManifest("{}"), InvalidArgumentError, 'expected a "config" descriptor');
  const manifest = parseManifest(
    JSON.stringify({ schemaVersion: 2, config: descriptor, layers: null }),
  );
  assertEquals(manifest.layers, []);
});

test("parseDescriptor() keeps string annotations and drops unknown fields", () => {
  assertEquals(parseDescriptor({ ...descriptor, extra: true, annotations: { a: "b" } }), {
    ...descriptor,
    annotations: { a: "b" },
  });
});

const badDescriptors: [string, unknown, string, typeof InvalidArgumentError][] = [
  ["a short digest", { ...descriptor, digest: "sha256:zz" }, "expected 64", InvalidArgumentError],
  [
    "an md5 digest",
    { ...descriptor, digest: "md5:" + "a".repeat(32) },
    "md5",
    UnsupportedError,
  ],
  [
    "a negative size",
    { ...descriptor, size: -1 },
    '"size" to be a non-negative integer',
    InvalidArgumentError,
  ],
  [
    "a fractional size",
    { ...descriptor, size: 1.5 },
    '"size" to be a non-negative integer',
    InvalidArgumentError,
  ],
  [
    "a number annotation",
    { ...descriptor, annotations: { a: 1 } },
    '"annotations" to map strings to strings',
    InvalidArgumentError,
  ],
  [
    "a string platform",
    { ...descriptor, platform: "linux" },
    '"platform" to be an object',
    InvalidArgumentError,
  ],
  ["null", null, "expected an object, found null", InvalidArgumentError],
];

for (const [label, value, message, Class] of badDescriptors) {
  test(`parseDescriptor() vector ${label}: ${Class.name}, quoting where it was`, () => {
    assertThrows(() => parseDescriptor(value, "index.json manifests[0]"), Class, message);
    assertThrows(
      () => parseDescriptor(value, "index.json manifests[0]"),
      Class,
      "index.json manifests[0]",
    );
  });
}

test("DocumentCache shares one load between concurrent callers and forgets failures", async () => {
  const cache = new DocumentCache();
  let loads = 0;
  const load = () =>
    new Promise<{ value: number; bytes: number }>((resolve) =>
      setTimeout(() => resolve({ value: ++loads, bytes: 1 }), 5)
    );
  assertEquals(await Promise.all([cache.get("k", load), cache.get("k", load)]), [1, 1]);
  let attempts = 0;
  const flaky = () =>
    ++attempts === 1
      ? Promise.reject(new Error("once"))
      : Promise.resolve({ value: "ok", bytes: 1 });
  await cache.get("f", flaky).catch(() => {});
  assertEquals(await cache.get("f", flaky), "ok");
});

test("DocumentCache evicts the least recently used documents beyond its budget", async () => {
  const cache = new DocumentCache({ maxBytes: 10 });
  const sized = (value: string) => () => Promise.resolve({ value, bytes: 4 });
  await cache.get("a", sized("a"));
  await cache.get("b", sized("b"));
  await cache.get("a", sized("a2")); // touch a
  await cache.get("c", sized("c")); // evicts b
  assertEquals(cache.size, 2);
  assertEquals(cache.bytes, 8);
  assertEquals(await cache.get("a", sized("reloaded")), "a");
  assertEquals(await cache.get("b", sized("reloaded")), "reloaded");
});

test("DocumentCache.peek answers what is held without loading it or making it more recent", async () => {
  const cache = new DocumentCache({ maxBytes: 8 });
  const sized = (value: string) => () => Promise.resolve({ value, bytes: 4 });
  assertEquals(cache.peek("a"), undefined);
  assertEquals(cache.size, 0);
  await cache.get("a", sized("a"));
  await cache.get("b", sized("b"));
  assertEquals(await cache.peek("a"), "a"); // a stays the least recent
  await cache.get("c", sized("c")); // evicts a
  assertEquals([cache.peek("a"), await cache.peek("b"), await cache.peek("c")], [
    undefined,
    "b",
    "c",
  ]);
});
