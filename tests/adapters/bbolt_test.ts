import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assert, assertEquals, assertGreater, assertStrictEquals, assertThrows } from "@std/assert";
import { type BoltBucket, checkBolt, parseBolt } from "../../src/adapters/containerd/_bbolt.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { byteOrder, parseImagesLs, startContainerd, withManyTags } from "./_containerd.ts";

interface Database {
  readonly bytes: Uint8Array;
  /** What `ctr images ls` printed for namespace "many". */
  readonly names: string[];
  readonly manyLabels: Record<string, string>;
  readonly bigLabels: Record<string, string>;
}

const text = new TextDecoder();
let database: Promise<Database> | undefined;

/** A real meta.db: 300 images under one base name, one image with 400 labels, one with huge ones. */
function realDatabase(): Promise<Database> {
  return database ??= (async () => {
    const scratch = mkdtempSync(join(tmpdir(), "ocistore-bbolt-"));
    const daemon = await startContainerd();
    try {
      const archive = await withManyTags((await fixtures()).ociArchive, scratch, 300);
      await daemon.ctr(
        "many",
        "images",
        "import",
        "--base-name",
        "example.com/many",
        "--no-unpack",
        archive,
      );
      const manyLabels: Record<string, string> = {};
      for (let i = 0; i < 400; i++) manyLabels[`example.com/label-${i}`] = `value-${i}`.repeat(5);
      const bigLabels: Record<string, string> = {};
      // containerd caps a label at 4096 bytes; three near that fill one leaf past a page.
      for (const letter of ["a", "b", "c"]) bigLabels[`big.${letter}`] = letter.repeat(4000);
      const pairs = (labels: Record<string, string>) =>
        Object.entries(labels).map(([k, v]) => `${k}=${v}`);
      await daemon.ctr("many", "images", "label", "example.com/many:t000", ...pairs(manyLabels));
      await daemon.ctr("many", "images", "label", "example.com/many:t001", ...pairs(bigLabels));
      const names = parseImagesLs(await daemon.ctr("many", "images", "ls")).map((i) => i.name);
      await daemon.stop({ keep: true });
      const bytes = new Uint8Array(
        readFileSync(join(daemon.root, "io.containerd.metadata.v1.bolt/meta.db")),
      );
      return { bytes, names, manyLabels, bigLabels };
    } finally {
      await daemon.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  })();
}

function strings(bucket: BoltBucket | undefined): Record<string, string> {
  assert(bucket, "expected a bucket");
  const map: Record<string, string> = {};
  for (const { key, value } of bucket.entries()) map[text.decode(key)] = text.decode(value);
  return map;
}

/** Page headers of the raw file: [id, flags, overflow] of every page whose id field matches. */
function pages(bytes: Uint8Array, pageSize: number): { flags: number; overflow: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const found = [];
  for (let offset = 0; offset + 16 <= bytes.length; offset += pageSize) {
    if (Number(view.getBigUint64(offset, true)) !== offset / pageSize) continue;
    found.push({
      flags: view.getUint16(offset + 8, true),
      overflow: view.getUint32(offset + 12, true),
    });
  }
  return found;
}

/** A copy of `bytes` whose newest meta page has a broken checksum, so the other one wins. */
function withNewestMetaBroken(bytes: Uint8Array, pageSize: number): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const txids = [0, pageSize].map((at) => view.getBigUint64(at + 16 + 48, true));
  const newest = txids[0] > txids[1] ? 0 : pageSize;
  copy[newest + 16 + 56] ^= 0xff;
  return copy;
}

test("parseBolt() reads containerd's meta.db: the v1 bucket, its namespace and schema version", async () => {
  const { bytes } = await realDatabase();
  const snapshot = parseBolt(bytes);
  assertEquals(snapshot.pageSize, 4096);
  assertGreater(snapshot.txid, 1);
  assertEquals([...snapshot.root.entries()].map((e) => text.decode(e.key)), ["v1"]);
  const v1 = snapshot.root.bucket("v1");
  assert(v1);
  assertEquals([...v1.entries()].map((e) => [text.decode(e.key), e.bucket !== undefined]), [
    ["many", true],
    ["version", false],
  ]);
  assertEquals(v1.get("version")?.length, 1);
  assertEquals(
    Object.keys(
      strings(
        v1.bucket("many")?.bucket("images")?.bucket("example.com/many:1.0")?.bucket("target"),
      ),
    ),
    ["digest", "mediatype", "size"],
  );
});

test("parseBolt() lists 300 images spread over branch pages in byte order, as ctr does", async () => {
  const { bytes, names } = await realDatabase();
  const snapshot = parseBolt(bytes);
  assert(pages(bytes, snapshot.pageSize).some((page) => page.flags === 0x01), "no branch page");
  const images = snapshot.root.bucket("v1")?.bucket("many")?.bucket("images");
  assert(images);
  const listed = [...images.entries()].map((e) => text.decode(e.key));
  assertEquals(listed.length, 301);
  assertEquals(listed, names);
  assertEquals(listed, [...listed].sort(byteOrder));
  assertGreater(images.root, 0);
});

test("get() and bucket() find keys below branch pages and answer undefined otherwise", async () => {
  const images = parseBolt((await realDatabase()).bytes).root.bucket("v1")?.bucket("many")
    ?.bucket("images");
  assert(images);
  for (const tag of ["t000", "t150", "t299", "1.0"]) {
    const target = images.bucket(`example.com/many:${tag}`)?.bucket("target");
    assertEquals(
      text.decode(target?.get("mediatype")),
      "application/vnd.oci.image.manifest.v1+json",
    );
  }
  assertEquals(images.bucket("example.com/many:t300"), undefined);
  assertEquals(images.bucket(""), undefined);
  assertEquals(images.bucket("zzz"), undefined);
  // A bucket key is not a value, and a value key is not a bucket.
  assertEquals(images.get("example.com/many:t000"), undefined);
  assertEquals(images.bucket("example.com/many:t000")?.bucket("createdat"), undefined);
  assert(images.bucket("example.com/many:t000")?.get("createdat"));
});

test("parseBolt() reads a labels bucket of 400 keys that spans several pages", async () => {
  const { bytes, manyLabels } = await realDatabase();
  const image = parseBolt(bytes).root.bucket("v1")?.bucket("many")?.bucket("images")
    ?.bucket("example.com/many:t000");
  const labels = image?.bucket("labels");
  assert(labels && labels.root > 0, "expected a labels bucket with its own pages");
  assertEquals(strings(labels), manyLabels);
  assertEquals(
    text.decode(labels.get("example.com/label-399")),
    manyLabels["example.com/label-399"],
  );
});

test("parseBolt() reads values whose leaf page runs over into overflow pages", async () => {
  const { bytes, bigLabels } = await realDatabase();
  const snapshot = parseBolt(bytes);
  assert(pages(bytes, snapshot.pageSize).some((p) => p.flags === 0x02 && p.overflow > 0));
  const labels = snapshot.root.bucket("v1")?.bucket("many")?.bucket("images")
    ?.bucket("example.com/many:t001")?.bucket("labels");
  assertEquals(strings(labels), bigLabels);
});

test("parseBolt() reads inline buckets, as containerd's small target buckets are stored", async () => {
  const images = parseBolt((await realDatabase()).bytes).root.bucket("v1")?.bucket("many")
    ?.bucket("images");
  const target = images?.bucket("example.com/many:1.0")?.bucket("target");
  assert(target);
  assertStrictEquals(target.root, 0);
  assertEquals(text.decode(target.get("digest")).slice(0, 7), "sha256:");
  assertEquals(target.get("size")?.length, 2);
});

test("parseBolt() uses the other meta page when the newest has a bad checksum", async () => {
  const { bytes } = await realDatabase();
  const snapshot = parseBolt(bytes);
  const older = parseBolt(withNewestMetaBroken(bytes, snapshot.pageSize));
  assertEquals(older.txid, snapshot.txid - 1);
});

test("parseBolt() rejects a file whose meta pages are bad or missing with InvalidArgumentError", async () => {
  const { bytes } = await realDatabase();
  const badMagic = bytes.slice();
  badMagic[16] ^= 0xff;
  badMagic[4096 + 16] ^= 0xff;
  assertThrows(() => parseBolt(badMagic), InvalidArgumentError, "expected magic 0xed0cdaed");
  const badChecksums = bytes.slice();
  badChecksums[16 + 56] ^= 0xff;
  badChecksums[4096 + 16 + 56] ^= 0xff;
  assertThrows(() => parseBolt(badChecksums), InvalidArgumentError, "valid version and checksum");
  assertThrows(() => parseBolt(bytes.slice(0, 40)), InvalidArgumentError, "found 40");
  assertThrows(() => parseBolt(new Uint8Array(0)), InvalidArgumentError);
});

test("checkBolt() passes containerd's database and names every page of its tree once", async () => {
  const { bytes } = await realDatabase();
  const snapshot = parseBolt(bytes);
  const used = checkBolt(snapshot);
  assertGreater(used.size, 10);
  for (const id of used) assert(id >= 2 && id < snapshot.meta.highWater, `page ${id}`);
});

test("checkBolt() rejects a truncated database and a page whose type was overwritten", async () => {
  const { bytes } = await realDatabase();
  assertThrows(
    () => checkBolt(parseBolt(bytes.slice(0, 3 * 4096))),
    InvalidArgumentError,
    "past the end",
  );
  const snapshot = parseBolt(bytes);
  const page = [...checkBolt(snapshot)][0];
  const bad = bytes.slice();
  bad[page * snapshot.pageSize + 8] = 0x10; // the freelist page type, where a leaf is expected
  assertThrows(() => checkBolt(parseBolt(bad)), InvalidArgumentError, "found flags 0x10");
});
