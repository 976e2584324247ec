import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { test } from "../harness.ts";
import { type InflateCheckpoint, Inflater } from "../../src/core/inflate.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";

async function through(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream))
      .arrayBuffer(),
  );
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Inflates `bytes` pushed in pieces of `piece` bytes. */
function inflate(bytes: Uint8Array, piece: number, inflater = new Inflater()): Uint8Array {
  const out: Uint8Array[] = [];
  if (bytes.length === 0) out.push(...inflater.push(bytes, true));
  for (let at = 0; at < bytes.length; at += piece) {
    out.push(...inflater.push(bytes.subarray(at, at + piece), at + piece >= bytes.length));
  }
  assert(inflater.done);
  return concat(out);
}

// Text-like data (repeats at all distances) and noise (stored blocks, long codes).
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 40_000 }),
  fc.array(fc.constantFrom("tar ", "layer ", "usr/bin/", "\0\0\0\0", "a", "zz\n"), {
    maxLength: 9_000,
  })
    .map((words) => new TextEncoder().encode(words.join(""))),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 400 }))
    .map(([unit, times]) => concat(Array.from({ length: times }, () => unit))),
);

test("Inflater agrees with DecompressionStream on CompressionStream's gzip, pushed in any pieces", async () => {
  await fc.assert(
    fc.asyncProperty(payload, fc.integer({ min: 1, max: 5000 }), async (data, piece) => {
      const gz = await through(data, new CompressionStream("gzip"));
      const native = await through(gz, new DecompressionStream("gzip"));
      assertEquals(inflate(gz, piece), native);
    }),
    { numRuns: 25 },
  );
});

test("Inflater reads raw DEFLATE and multi-member gzip like DecompressionStream", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(payload, { minLength: 1, maxLength: 4 }), async (parts) => {
      const members = await Promise.all(
        parts.map((p) => through(p, new CompressionStream("gzip"))),
      );
      const gz = concat(members);
      assertEquals(inflate(gz, 777), concat(parts));
      const raw = await through(parts[0], new CompressionStream("deflate-raw"));
      assertEquals(inflate(raw, 333, new Inflater({ format: "deflate" })), parts[0]);
      assertEquals(
        inflate(raw, 333, new Inflater({ format: "deflate" })),
        await through(raw, new DecompressionStream("deflate-raw")),
      );
    }),
    { numRuns: 12 },
  );
});

/** gzip by GNU gzip (levels, --rsyncable): a compressor other than the platform's. */
function gnuGzip(data: Uint8Array, flags: string[]): Uint8Array {
  const result = spawnSync("gzip", ["-c", ...flags], { input: data, maxBuffer: 1 << 30 });
  assertEquals(result.status, 0, String(result.stderr));
  return new Uint8Array(result.stdout);
}

function corpus(size: number): Uint8Array {
  const data = new Uint8Array(size);
  let x = 7;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    // Runs of noise between runs of text: gzip picks stored, fixed and dynamic blocks.
    data[i] = (i >> 15) % 3 === 0 ? x >>> 24 : 97 + ((x >>> 24) % 7);
  }
  return data;
}

function checkpointsResume(
  gz: Uint8Array,
  data: Uint8Array,
  checkpoints: readonly InflateCheckpoint[],
) {
  for (const checkpoint of checkpoints) {
    const inflater = new Inflater({ resume: checkpoint });
    const out = concat(inflater.push(gz.subarray(Math.floor(checkpoint.bit / 8)), true));
    assert(inflater.done);
    assertEquals(out.length, data.length - checkpoint.out);
    assertEquals(out, data.subarray(checkpoint.out));
  }
}

for (const flags of [["-1"], ["-6"], ["-9"], ["-6", "--rsyncable"], ["-1", "--no-name"]]) {
  test(`Inflater checkpoints GNU gzip ${flags.join(" ")} and resumes from every checkpoint`, () => {
    const data = corpus(1 << 20);
    const gz = gnuGzip(data, flags);
    const inflater = new Inflater({ checkpointEvery: 64 * 1024 });
    assertEquals(inflate(gz, 65536, inflater), data);
    assert(inflater.checkpoints.length >= 4, `${inflater.checkpoints.length} checkpoints`);
    // Checkpoints sit at block starts, which are rarely byte-aligned.
    assert(inflater.checkpoints.some((c) => c.bit % 8 !== 0));
    for (const c of inflater.checkpoints) assertEquals(c.window.length, Math.min(c.out, 32768));
    checkpointsResume(gz, data, inflater.checkpoints);
  });
}

test("Inflater checkpoints across gzip members and resumes in a later member", () => {
  const a = corpus(600_000);
  const b = corpus(900_000).reverse();
  const gz = concat([gnuGzip(a, ["-6"]), gnuGzip(b, ["-9"])]);
  const inflater = new Inflater({ checkpointEvery: 100_000 });
  const data = concat([a, b]);
  assertEquals(inflate(gz, 4096, inflater), data);
  assert(inflater.checkpoints.some((c) => c.out > a.length));
  checkpointsResume(gz, data, inflater.checkpoints);
});

test("Inflater rejects a truncated stream, a bad magic and a wrong member size", async () => {
  const gz = await through(corpus(100_000), new CompressionStream("gzip"));
  assertThrows(
    () => new Inflater().push(gz.subarray(0, gz.length - 20), true),
    InvalidArgumentError,
    "more compressed data",
  );
  assertThrows(
    () => new Inflater().push(Uint8Array.of(0x1f, 0x8c, 8, 0, 0, 0, 0, 0, 0, 0), true),
    InvalidArgumentError,
    "magic",
  );
  const wrongSize = gz.slice();
  wrongSize[wrongSize.length - 1] ^= 1;
  assertThrows(() => new Inflater().push(wrongSize, true), InvalidArgumentError, "ISIZE");
  assertThrows(
    () => new Inflater({ format: "deflate" }).push(Uint8Array.of(0b111), true),
    InvalidArgumentError,
    "block type",
  );
});
