// The gzip archive reader streams instead of inflating: it must give the same bytes as the plain
// tar for every range, read in any order and concurrently, and reject what the plain tar rejects.
import fc from "fast-check";
import { assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { tarBytes, type TarEntrySpec } from "./_tar_builder.ts";
import { gunzipReader } from "../../src/adapters/archive/_gunzip.ts";
import { type ByteReader, indexTar } from "../../src/adapters/archive/_tar.ts";
import { openArchive } from "../../src/adapters/archive.ts";
import { nodeGunzip } from "../../src/runtime/node_gunzip.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A reader over bytes that counts how many bytes were read from it. */
function counted(bytes: Uint8Array): ByteReader & { read: number } {
  const reader = {
    size: bytes.length,
    read: 0,
    readRange(offset: number, length: number): Promise<Uint8Array> {
      const slice = bytes.slice(offset, offset + length);
      reader.read += slice.length;
      return Promise.resolve(slice);
    },
  };
  return reader;
}

// Pseudo-random bytes that do not compress (a layer), derived from a seed.
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const entries = (sizes: number[]): TarEntrySpec[] =>
  sizes.map((size, i) => ({
    name: `f${i}`,
    data: i % 2 === 0 ? noise(size, i + 1) : JSON.stringify({ i, pad: "x".repeat(size) }),
  }));

test("gunzipReader() gives the plain tar's bytes for any ranges in any order, concurrently", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.nat({ max: 300_000 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 200_000 })), { minLength: 1, maxLength: 8 }),
      async (sizes, ranges) => {
        const tar = tarBytes(entries(sizes));
        const reader = gunzipReader(counted(await gzip(tar)), "test archive");
        const index = await indexTar(reader, "test archive");
        assertEquals(reader.size, tar.length);
        assertEquals(index.files.size, sizes.length);
        const reads = ranges.map(([start, length]) => {
          const offset = start % tar.length;
          return reader.readRange(offset, length).then((bytes) => ({ offset, length, bytes }));
        });
        for (const { offset, length, bytes } of await Promise.all(reads)) {
          assertEquals(bytes, tar.slice(offset, offset + length));
        }
      },
    ),
    { numRuns: 25 },
  );
});

test("gunzipReader() reads a file chunk by chunk in one more pass, not one per chunk", async () => {
  const tar = tarBytes(entries([4_000_000, 100]));
  const compressed = await gzip(tar);
  const source = counted(compressed);
  const reader = gunzipReader(source, "test archive");
  const index = await indexTar(reader, "test archive");
  assertEquals(source.read, compressed.length); // the first pass
  const file = index.files.get("f0")!;
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < file.size; at += 65536) {
    chunks.push(await reader.readRange(file.offset + at, Math.min(65536, file.size - at)));
  }
  assertEquals(
    new Uint8Array(await new Blob(chunks as Uint8Array<ArrayBuffer>[]).arrayBuffer()),
    tar.slice(file.offset, file.offset + file.size),
  );
  // One more pass at most (it stops once the file is read), whatever the number of chunks.
  assertEquals(source.read <= 2 * compressed.length, true);
  // The JSON file and every file's head are kept: reading them streams nothing.
  const before = source.read;
  const json = index.files.get("f1")!;
  assertEquals(
    await reader.readRange(json.offset, json.size),
    tar.slice(json.offset, json.offset + json.size),
  );
  assertEquals((await reader.readRange(file.offset, 4)).length, 4);
  assertEquals(source.read, before);
});

test("a gzip archive with a truncated last entry or corrupt data is InvalidArgumentError", async () => {
  const truncated = tarBytes([{ name: "f", data: "x", declaredSize: 4096 }], { end: false });
  const gz = await gzip(truncated);
  await assertRejects(
    () => indexTar(gunzipReader(counted(gz), "t"), "t"),
    InvalidArgumentError,
    "truncated",
  );
  const compressed = await gzip(tarBytes(entries([100_000, 10])));
  const corrupt = compressed.slice();
  corrupt.fill(0x55, 100, 200);
  await assertRejects(
    async () => await openArchive(new Blob([corrupt as Uint8Array<ArrayBuffer>])),
    InvalidArgumentError,
  );
});

test("gunzipReader() with the node:zlib inflater reads the same bytes and rejects corrupt data", async () => {
  const tar = tarBytes(entries([200_000, 50, 70_000]));
  const compressed = await gzip(tar);
  const reader = gunzipReader(counted(compressed), "test archive", nodeGunzip);
  const index = await indexTar(reader, "test archive");
  assertEquals([reader.size, index.files.size], [tar.length, 3]);
  for (const [offset, length] of [[100_000, 5000], [0, 512], [tar.length - 2000, 5000]]) {
    assertEquals(await reader.readRange(offset, length), tar.slice(offset, offset + length));
  }
  const corrupt = compressed.slice();
  corrupt.fill(0x55, 100, 200);
  await assertRejects(
    () => indexTar(gunzipReader(counted(corrupt), "t", nodeGunzip), "t"),
    InvalidArgumentError,
    "gzip",
  );
});
