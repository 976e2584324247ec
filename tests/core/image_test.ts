import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { test, testEach } from "../harness.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import { check, manifestFor, platformsOf, rootFs } from "../../src/core/image.ts";
import { validateMediaType } from "../../src/core/manifest.ts";
import { only } from "../../src/core/platform_matcher.ts";
import {
  DigestMismatchError,
  InvalidArgumentError,
  NotFoundError,
  UnsupportedError,
} from "../../src/core/errors.ts";
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from "../../src/core/media_types.ts";
import type { Descriptor } from "../../src/core/types.ts";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64", variant: "v8" };
const withoutPlatform = ({ platform: _, ...d }: Descriptor): Descriptor => d;

// Cases of containerd's TestValidateMediaType (images/image_test.go): Docker and OCI flavours are
// interchangeable; a manifest must not look like an index, nor an index like a manifest.
const manifest = (mediaType?: string) =>
  JSON.stringify({ ...(mediaType ? { mediaType } : {}), config: {}, layers: [] });
const index = (mediaType?: string) =>
  JSON.stringify({ ...(mediaType ? { mediaType } : {}), manifests: [{}] });

testEach(
  "validateMediaType() accepts either manifest flavour and rejects an index, declared",
  [MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST],
  (declared) => declared,
  (declared) => {
    for (const own of [undefined, MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST]) {
      validateMediaType(manifest(own), declared);
    }
    for (const own of [undefined, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST]) {
      assertThrows(() => validateMediaType(index(own), declared), InvalidArgumentError);
    }
    assertThrows(
      () => validateMediaType(JSON.stringify({ mediaType: MEDIA_TYPE_OCI_INDEX }), declared),
      InvalidArgumentError,
    );
  },
);

testEach(
  "validateMediaType() accepts either index flavour and rejects a manifest, declared",
  [MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST],
  (declared) => declared,
  (declared) => {
    for (const own of [undefined, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST]) {
      validateMediaType(index(own), declared);
    }
    for (const own of [undefined, MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST]) {
      assertThrows(() => validateMediaType(manifest(own), declared), InvalidArgumentError);
    }
  },
);

test("validateMediaType() accepts any document declared as octet-stream, rejects bad JSON and schema 1", () => {
  validateMediaType(manifest(), "application/octet-stream");
  assertThrows(() => validateMediaType("{", MEDIA_TYPE_OCI_MANIFEST), InvalidArgumentError);
  assertThrows(
    () => validateMediaType(JSON.stringify({ fsLayers: [{}] }), MEDIA_TYPE_OCI_MANIFEST),
    UnsupportedError,
  );
});

test("manifestFor() picks the matching entry of an index and never filters a root manifest", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64, layers: ["a"] });
  const b = await source.addImage({ platform: arm64, layers: ["b"] });
  const index = await source.addIndex([a.manifest, b.manifest]);
  const forArm = await manifestFor(source.content, index, { platform: only(arm64) });
  assertEquals(forArm.descriptor.digest, b.manifest.digest);
  // A single-arch root manifest of a foreign platform resolves anyway.
  const root = await manifestFor(source.content, b.manifest, { platform: only(amd64) });
  assertEquals(root.descriptor.digest, b.manifest.digest);
  await assertRejects(
    () =>
      manifestFor(source.content, index, {
        platform: only({ os: "windows", architecture: "amd64" }),
      }),
    NotFoundError,
    "no manifest matches the platform",
  );
});

test("manifestFor() checks platform-less index entries through their config, after platformed ones", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64 });
  const b = await source.addImage({ platform: arm64 });
  const index = await source.addIndex([withoutPlatform(a.manifest), withoutPlatform(b.manifest)]);
  const found = await manifestFor(source.content, index, { platform: only(amd64) });
  assertEquals(found.descriptor.digest, a.manifest.digest);
  // As in containerd, only the first candidate is followed: its config rejects arm64, and the
  // second platform-less entry is never looked at.
  await assertRejects(
    () => manifestFor(source.content, index, { platform: only(arm64) }),
    NotFoundError,
    "no manifest matches the platform",
  );
  // A platformed match wins over an earlier platform-less one.
  const mixed = await source.addIndex([withoutPlatform(a.manifest), a.manifest]);
  const picked = await manifestFor(source.content, mixed, { platform: only(amd64) });
  assertEquals(picked.descriptor.platform?.architecture, "amd64");
});

test("manifestFor() follows nested indexes one entry per level", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64 });
  const b = await source.addImage({ platform: arm64 });
  const inner = await source.addIndex([a.manifest, b.manifest]);
  const outer = await source.addIndex([inner]);
  const found = await manifestFor(source.content, outer, { platform: only(amd64) });
  assertEquals(found.descriptor.digest, a.manifest.digest);
  assertEquals(await rootFs(source.content, outer, { platform: only(amd64) }), []);
});

test("manifestFor() reports missing blobs, schema 1 and unexpected media types with typed errors", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64 });
  source.deleteBlob(a.manifest.digest);
  await assertRejects(() => manifestFor(source.content, a.manifest), NotFoundError);
  const schema1 = await source.addBlob(
    JSON.stringify({ schemaVersion: 1, fsLayers: [{ blobSum: "sha256:" + "0".repeat(64) }] }),
    MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST,
  );
  await assertRejects(
    () => manifestFor(source.content, { ...schema1, mediaType: MEDIA_TYPE_DOCKER_MANIFEST }),
    UnsupportedError,
  );
  await assertRejects(
    () => manifestFor(source.content, schema1),
    NotFoundError,
    "unexpected media type",
  );
  const odd = await source.addBlob("{}", "application/vnd.example+json");
  const index = await source.addIndex([odd]);
  await assertRejects(
    () => manifestFor(source.content, index, { platform: only(amd64) }),
    NotFoundError,
    "unexpected media type",
  );
});

test("readBlob() through manifestFor() refuses content that does not match its digest", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64 });
  const forged = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, config: a.config, layers: [] }),
  );
  source.putRaw(a.manifest.digest, forged);
  await assertRejects(() => manifestFor(source.content, a.manifest), DigestMismatchError);
});

test("platformsOf() lists entry platforms as written and skips attestation entries", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64 });
  const b = await source.addImage({ platform: { os: "Linux", architecture: "x86_64" } });
  const attestation = { ...a.manifest, platform: { os: "unknown", architecture: "unknown" } };
  const index = await source.addIndex([a.manifest, attestation, withoutPlatform(b.manifest)]);
  assertEquals(await platformsOf(source.content, index), [
    amd64,
    { os: "linux", architecture: "amd64" }, // from b's config, normalized
  ]);
});

test("check() reports missing layers yet calls the image available, and a missing manifest unavailable", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64, layers: ["x", "y"] });
  source.deleteBlob(a.layers[1].digest);
  const result = await check(source.content, a.manifest);
  assertEquals(result.available, true);
  assertEquals(result.missing.map((d) => d.digest), [a.layers[1].digest]);
  assertEquals(result.present.length, 2);
  source.deleteBlob(a.manifest.digest);
  const gone = await check(source.content, a.manifest);
  assertEquals([gone.available, gone.missing.length, gone.required.length], [false, 1, 1]);
});
