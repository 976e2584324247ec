import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { sourceContract } from "./source_contract.ts";
import { serveDir } from "./_static_server.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import { httpFiles } from "../../src/adapters/oci_layout.ts";
import { readBlob, readBlobStream } from "../../src/core/content.ts";
import { digestOf } from "../../src/core/digest.ts";
import {
  DigestMismatchError,
  InvalidArgumentError,
  NotFoundError,
  UnsupportedError,
} from "../../src/core/errors.ts";
import type { Files } from "../../src/core/files.ts";
import type { Descriptor } from "../../src/core/types.ts";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const REF_NAME = "org.opencontainers.image.ref.name";
const IMAGE_NAME = "io.containerd.image.name";
const BASE = "example.com/team/app";

async function layoutExpectations() {
  const { images } = await fixtures();
  return {
    images: [
      { name: `${BASE}:app`, digest: images.app.digest, size: images.app.size },
      { name: `${BASE}:busybox`, digest: images.busybox.digest },
      { name: `${BASE}:1.0`, digest: images.app.digest, mediaType: OCI_MANIFEST },
      { name: `${BASE}:multi`, digest: images.multi.digest, mediaType: images.multi.mediaType },
    ],
  };
}

sourceContract(
  "OCI layout directory",
  async () => openOciLayout((await fixtures()).layout, { baseName: BASE }),
  layoutExpectations,
);

sourceContract(
  "OCI layout over HTTP",
  async () => {
    const server = await serveDir((await fixtures()).layout);
    const source = await openOciLayout(httpFiles(server.url), { baseName: BASE });
    return { ...source, close: () => server.close() };
  },
  layoutExpectations,
);

sourceContract(
  "OCI layout over HTTP from a server that ignores Range",
  async () => {
    const server = await serveDir((await fixtures()).layout, { ranges: false });
    const source = await openOciLayout(httpFiles(server.url), { baseName: BASE });
    return { ...source, close: () => server.close() };
  },
  layoutExpectations,
);

// --- naming, as containerd's import gives it, on layouts held in memory ---

function memoryFiles(tree: Map<string, Uint8Array>): Files {
  const get = (path: string) => {
    const bytes = tree.get(path);
    return bytes ? Promise.resolve(bytes) : Promise.reject(new NotFoundError(`no ${path}`));
  };
  return {
    read: get,
    readRange: async (path, offset, length) => (await get(path)).slice(offset, offset + length),
    stat: async (path) => ({ isFile: true, isDirectory: false, size: (await get(path)).length }),
    list: () => Promise.resolve([...tree.keys()]),
  };
}

async function memoryLayout(annotations: (Record<string, string> | undefined)[]) {
  const tree = new Map<string, Uint8Array>();
  const text = (s: string) => new TextEncoder().encode(s);
  tree.set("oci-layout", text('{"imageLayoutVersion":"1.0.0"}'));
  const manifests: Descriptor[] = [];
  for (const [i, entry] of annotations.entries()) {
    const blob = text(`{"schemaVersion":2,"n":${i}}`);
    const digest = await digestOf(blob);
    tree.set(`blobs/sha256/${digest.slice(7)}`, blob);
    manifests.push({
      mediaType: OCI_MANIFEST,
      digest,
      size: blob.length,
      ...(entry ? { annotations: entry } : {}),
    });
  }
  tree.set("index.json", text(JSON.stringify({ schemaVersion: 2, manifests })));
  return { files: memoryFiles(tree), digests: manifests.map((m) => m.digest) };
}

const names = async (files: Files, options = {}) =>
  (await (await openOciLayout(files, options)).images.list()).map((r) => r.name);

test("openOciLayout() names an entry by io.containerd.image.name before its ref.name", async () => {
  const { files } = await memoryLayout([{
    [IMAGE_NAME]: "docker.io/library/a:1",
    [REF_NAME]: "2",
  }]);
  assertEquals(await names(files, { baseName: "docker.io/library/b" }), ["docker.io/library/a:1"]);
});

test("openOciLayout() keeps full-reference ref names and skips bare tags without a baseName", async () => {
  const { files } = await memoryLayout([
    { [REF_NAME]: "latest" },
    { [REF_NAME]: "registry.test/x/y:2" },
    undefined,
  ]);
  assertEquals(await names(files), ["registry.test/x/y:2"]);
});

test("openOciLayout() prefixes bare tags with baseName and drops full references outside it", async () => {
  const { files } = await memoryLayout([
    { [REF_NAME]: "latest" },
    { [REF_NAME]: "registry.test/other:1" },
    { [REF_NAME]: "registry.test/app:2" },
    { [REF_NAME]: "registry.test/apple:3" },
    { [REF_NAME]: "registry.test/app/sub:4" },
  ]);
  assertEquals(await names(files, { baseName: "registry.test/app" }), [
    "registry.test/app:latest",
    "registry.test/app:2",
    "registry.test/app/sub:4",
  ]);
});

test("openOciLayout() adds name@digest records with digestRefs, unnamed entries included", async () => {
  const { files, digests } = await memoryLayout([{ [REF_NAME]: "v1" }, undefined]);
  assertEquals(await names(files, { baseName: "registry.test/app", digestRefs: true }), [
    "registry.test/app:v1",
    `registry.test/app@${digests[0]}`,
    `registry.test/app@${digests[1]}`,
  ]);
  await assertRejects(
    () => openOciLayout(files, { digestRefs: true }),
    InvalidArgumentError,
    "baseName",
  );
});

test("openOciLayout() lets a later entry of the same name replace the target, keeping its place", async () => {
  const { files, digests } = await memoryLayout([
    { [REF_NAME]: "a:1" },
    { [REF_NAME]: "b:1" },
    { [REF_NAME]: "a:1" },
  ]);
  const records = await (await openOciLayout(files)).images.list();
  assertEquals(records.map((r) => [r.name, r.target.digest]), [["a:1", digests[2]], [
    "b:1",
    digests[1],
  ]]);
  assertEquals(records[0].labels, {});
  assertEquals(Object.keys(records[0].target).sort(), ["digest", "mediaType", "size"]);
});

// --- bad layouts on disk ---

function badLayout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "bad-layout-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const LAYOUT_OK = '{"imageLayoutVersion":"1.0.0"}';

test("openOciLayout() reports a missing oci-layout file with NotFoundError", async () => {
  const dir = badLayout({ "index.json": '{"schemaVersion":2,"manifests":[]}' });
  await assertRejects(
    () => openOciLayout(dir),
    NotFoundError,
    `Cannot open OCI layout "${dir}": oci-layout is missing`,
  );
  await assertRejects(() => openOciLayout(join(dir, "nowhere")), NotFoundError);
});

test("openOciLayout() rejects a layout version other than 1.0.0 with UnsupportedError", async () => {
  const dir = badLayout({ "oci-layout": '{"imageLayoutVersion":"2.0.0"}', "index.json": "{}" });
  await assertRejects(
    () => openOciLayout(dir),
    UnsupportedError,
    'expected imageLayoutVersion "1.0.0"',
  );
});

test("openOciLayout() names index.json when it is missing, not JSON, or holds a bad descriptor", async () => {
  await assertRejects(
    () => openOciLayout(badLayout({ "oci-layout": LAYOUT_OK })),
    NotFoundError,
    "index.json is missing",
  );
  const notJson = badLayout({ "oci-layout": LAYOUT_OK, "index.json": "{nope" });
  await assertRejects(
    () => openOciLayout(notJson),
    InvalidArgumentError,
    `Cannot open OCI layout "${notJson}": index.json is not JSON`,
  );
  const badDigest = badLayout({
    "oci-layout": LAYOUT_OK,
    "index.json": JSON.stringify({
      manifests: [{ mediaType: OCI_MANIFEST, digest: "sha256:zz", size: 1 }],
    }),
  });
  await assertRejects(
    () => openOciLayout(badDigest),
    InvalidArgumentError,
    `Cannot open OCI layout "${badDigest}": cannot parse index.json manifests[0]: Cannot parse digest "sha256:zz": expected 64 lowercase hex characters, found 2`,
  );
  // The descriptor's words follow the layout's in mid-sentence, for every field and the class kept.
  const entry = (extra: Record<string, unknown>) =>
    badLayout({
      "oci-layout": LAYOUT_OK,
      "index.json": JSON.stringify({
        manifests: [{
          mediaType: OCI_MANIFEST,
          digest: `sha256:${"a".repeat(64)}`,
          size: 1,
          ...extra,
        }],
      }),
    });
  const md5 = entry({ digest: `md5:${"a".repeat(32)}` });
  await assertRejects(
    () => openOciLayout(md5),
    UnsupportedError,
    `Cannot open OCI layout "${md5}": cannot parse index.json manifests[0]: Cannot parse digest`,
  );
  const platform = entry({ platform: { os: 1 } });
  await assertRejects(
    () => openOciLayout(platform),
    InvalidArgumentError,
    `Cannot open OCI layout "${platform}": cannot parse index.json manifests[0] platform: expected "os" to be a string, found number 1`,
  );
  const notArray = badLayout({ "oci-layout": LAYOUT_OK, "index.json": '{"manifests":{}}' });
  await assertRejects(
    () => openOciLayout(notArray),
    InvalidArgumentError,
    '"manifests" to be an array',
  );
});

test("a layout blob that is missing reads as NotFoundError and a corrupted one fails verification", async () => {
  const { layout, images } = await fixtures();
  const dir = mkdtempSync(join(tmpdir(), "layout-copy-"));
  cpSync(layout, dir, { recursive: true });
  const config = JSON.parse(
    execFileSync("skopeo", ["inspect", "--raw", `oci:${layout}:app`], { encoding: "utf8" }),
  ).config;
  const configPath = join(dir, "blobs/sha256", config.digest.slice(7));
  writeFileSync(configPath, "x".repeat(config.size));
  rmSync(join(dir, "blobs/sha256", images.busybox.digest.slice(7)));
  const source = await openOciLayout(dir, { baseName: BASE });
  const busybox = await source.images.get(`${BASE}:busybox`);
  await assertRejects(
    () => source.content.read(busybox.target),
    NotFoundError,
    images.busybox.digest,
  );
  await assertRejects(() => readBlob(source.content, config), DigestMismatchError);
  await assertRejects(
    async () => await new Response(await readBlobStream(source.content, config)).arrayBuffer(),
    DigestMismatchError,
  );
  rmSync(dir, { recursive: true, force: true });
});

test("a layout blob path is never built from an invalid digest", async () => {
  const source = await openOciLayout((await fixtures()).layout, { baseName: BASE });
  for (const digest of ["sha256:../../oci-layout", "sha256/../../x", `sha256:${"A".repeat(64)}`]) {
    await assertRejects(() => source.content.info(digest), InvalidArgumentError);
  }
});

test("a symbolic link out of the layout directory is refused", async () => {
  const { layout, images } = await fixtures();
  const dir = mkdtempSync(join(tmpdir(), "layout-link-"));
  cpSync(layout, dir, { recursive: true });
  const outside = mkdtempSync(join(tmpdir(), "outside-"));
  writeFileSync(join(outside, "secret"), "secret");
  const blob = join(dir, "blobs/sha256", images.busybox.digest.slice(7));
  rmSync(blob);
  symlinkSync(join(outside, "secret"), blob);
  const source = await openOciLayout(dir, { baseName: BASE });
  const busybox = await source.images.get(`${BASE}:busybox`);
  await assertRejects(() => source.content.read(busybox.target), InvalidArgumentError, "link");
});

test("the layout's blobs are what skopeo inspect shows", async () => {
  const { layout, images } = await fixtures();
  const source = await openOciLayout(layout, { baseName: BASE });
  const app = await source.images.get(`${BASE}:app`);
  const raw = execFileSync("skopeo", ["inspect", "--raw", `oci:${layout}:app`]);
  assertEquals(await source.content.read(app.target), new Uint8Array(raw));
  const manifest = JSON.parse(new TextDecoder().decode(raw));
  const config = JSON.parse(
    execFileSync("skopeo", ["inspect", "--config", `oci:${layout}:app`], { encoding: "utf8" }),
  );
  const ours = JSON.parse(
    new TextDecoder().decode(await readBlob(source.content, manifest.config)),
  );
  assertEquals(ours, config);
  assertEquals(manifest.config.digest, images.app.configDigest);
  assertEquals(ours.rootfs.diff_ids, images.app.diffIds);
  assertStringIncludes(ours.config.Entrypoint.join(" "), "/usr/local/bin/app");
});

test("a layout blob longer or shorter than its descriptor fails readBlob with its real size", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocistore-sized-"));
  cpSync("examples/layout", dir, { recursive: true });
  const source = await openOciLayout(dir);
  const [record] = await source.images.list();
  const path = join(dir, "blobs/sha256", record.target.digest.slice(7));
  const bytes = await readBlob(source.content, record.target);
  writeFileSync(path, new Uint8Array([...bytes, ...new Uint8Array(50)]));
  await assertRejects(
    () => readBlob(source.content, record.target),
    DigestMismatchError,
    `expected ${bytes.length} bytes, found ${bytes.length + 50}`,
  );
  writeFileSync(path, bytes.slice(0, 10));
  await assertRejects(
    () => readBlob(source.content, record.target),
    DigestMismatchError,
    `expected ${bytes.length} bytes, found 10`,
  );
  rmSync(dir, { recursive: true, force: true });
});
