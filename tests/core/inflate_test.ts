import { assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { test } from "../harness.ts";
import { Inflater } from "../../src/core/inflate.ts";
import { concat, inflate } from "./_inflate.ts";
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

test("Inflater rejects a truncated stream, a bad magic and a wrong member size", async () => {
  const text = new TextEncoder().encode("layer ".repeat(20_000));
  const gz = await through(text, new CompressionStream("gzip"));
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

test("Inflater rejects every proper prefix of a gzip stream as incomplete", async () => {
  await fc.assert(
    fc.asyncProperty(payload, fc.double({ min: 0, max: 1, noNaN: true }), async (data, where) => {
      const gz = await through(data, new CompressionStream("gzip"));
      const cut = Math.floor(where * (gz.length - 1));
      assertThrows(() => new Inflater().push(gz.subarray(0, cut), true), InvalidArgumentError);
    }),
    { numRuns: 40 },
  );
});

test("Inflater resumes from each of its checkpoints to the same output", async () => {
  await fc.assert(
    fc.asyncProperty(payload, fc.integer({ min: 1, max: 20_000 }), async (data, every) => {
      const gz = await through(data, new CompressionStream("gzip"));
      const inflater = new Inflater({ checkpointEvery: every });
      assertEquals(inflate(gz, 4096, inflater), data);
      for (const checkpoint of inflater.checkpoints) {
        assertEquals(checkpoint.history.length, Math.min(checkpoint.out, 32768));
        const resumed = new Inflater({ resume: checkpoint });
        assertEquals(
          inflate(gz.subarray(Math.floor(checkpoint.bit / 8)), 1000, resumed),
          data.subarray(checkpoint.out),
        );
      }
    }),
    { numRuns: 20 },
  );
});
