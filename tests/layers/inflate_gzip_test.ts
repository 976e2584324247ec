// The core's checkpointing inflater on gzip written by other compressors than the platform's:
// GNU gzip (levels, --rsyncable, several members), umoci's and skopeo's layers. Here, not in
// tests/core, because it drives those tools, which a page cannot.
import { assert, assertEquals } from "@std/assert";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { test } from "../harness.ts";
import { freshDir } from "./_layers.ts";
import { buildDiffImages, run } from "./_images.ts";
import { type InflateCheckpoint, Inflater } from "../../src/core/inflate.ts";
import { concat, inflate } from "../core/_inflate.ts";

/** GNU gzip of `data` with `flags`; gzip reads a file, since a pipe both ways can stall. */
function gnuGzip(data: Uint8Array, flags: string[]): Uint8Array {
  const file = join(freshDir("inflate-gzip-"), "data");
  writeFileSync(file, data);
  return new Uint8Array(execFileSync("gzip", ["-c", ...flags, file], { maxBuffer: 1 << 28 }));
}

/**
 * Runs of noise between runs of text, of `2 ** run` bytes: gzip picks stored, fixed and dynamic
 * blocks (mostly stored for runs longer than a block).
 */
function corpus(size: number, seed = 7, run = 14): Uint8Array {
  const data = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = (i >> run) % 3 === 0 ? x >>> 24 : 97 + ((x >>> 24) % 7);
  }
  return data;
}

function resumesFromEach(
  gz: Uint8Array,
  data: Uint8Array,
  checkpoints: readonly InflateCheckpoint[],
): void {
  for (const checkpoint of checkpoints) {
    const inflater = new Inflater({ resume: checkpoint });
    const out = inflate(gz.subarray(Math.floor(checkpoint.bit / 8)), 50_000, inflater);
    assertEquals(out.length, data.length - checkpoint.out);
    assertEquals(out, data.subarray(checkpoint.out));
  }
}

for (const flags of [["-1"], ["-6"], ["-9"], ["-6", "--rsyncable"], ["-1", "--no-name"]]) {
  test(`Inflater checkpoints GNU gzip ${flags.join(" ")} and resumes from every checkpoint`, () => {
    const data = corpus(384 * 1024);
    const gz = gnuGzip(data, flags);
    const inflater = new Inflater({ checkpointEvery: 32 * 1024 });
    assertEquals(inflate(gz, 65536, inflater), data);
    assert(inflater.checkpoints.length >= 4, `${inflater.checkpoints.length} checkpoints`);
    // Block starts are rarely byte-aligned, so a checkpoint is a bit offset.
    assert(inflater.checkpoints.some((c) => c.bit % 8 !== 0));
    for (const c of inflater.checkpoints) assertEquals(c.history.length, Math.min(c.out, 32768));
    resumesFromEach(gz, data, inflater.checkpoints);
  });
}

test("Inflater marks block starts between its checkpoints: each resumes given the 32 KiB before it", () => {
  const data = corpus(384 * 1024);
  const gz = gnuGzip(data, ["-6"]);
  const inflater = new Inflater({ checkpointEvery: 128 * 1024, markEvery: 8 * 1024 });
  assertEquals(inflate(gz, 65536, inflater), data);
  assert(inflater.marks.length > inflater.checkpoints.length, `${inflater.marks.length} marks`);
  // No mark where a checkpoint is.
  for (const c of inflater.checkpoints) assert(!inflater.marks.some((m) => m.out === c.out));
  const withHistory = inflater.marks.map((m) => ({
    ...m,
    history: data.subarray(Math.max(0, m.out - 32768), m.out),
  }));
  resumesFromEach(gz, data, withHistory);
});

test("Inflater reads GNU gzip's stored blocks wherever the input is split", () => {
  // Noise runs longer than a block, which gzip stores: a stored block's header may land just after
  // a push boundary, while the bit buffer still holds the previous push's bytes.
  const data = corpus(1 << 19, 7, 17);
  const gz = gnuGzip(data, ["-6"]);
  for (let piece = 200; piece < 3000; piece += 97) {
    assertEquals(inflate(gz, piece, new Inflater()), data, `pieces of ${piece}`);
  }
});

test("Inflater checkpoints across GNU gzip members and resumes in a later member", () => {
  const a = corpus(200_000);
  const b = corpus(300_000, 99);
  const gz = concat([gnuGzip(a, ["-6"]), gnuGzip(b, ["-9"])]);
  const inflater = new Inflater({ checkpointEvery: 40_000 });
  const data = concat([a, b]);
  assertEquals(inflate(gz, 4096, inflater), data);
  assert(inflater.checkpoints.some((c) => c.out > a.length));
  resumesFromEach(gz, data, inflater.checkpoints);
});

test("Inflater reads umoci's and skopeo's gzip layers as node:zlib does", () => {
  const { layout } = buildDiffImages();
  const work = freshDir("inflate-copies-");
  // skopeo recompresses uncompressed layers with its own gzip (level 9 here).
  run("skopeo", ["copy", "--dest-decompress", `oci:${layout}:b`, `dir:${join(work, "dir")}`]);
  run("skopeo", [
    "copy",
    "--dest-compress-format",
    "gzip",
    "--dest-compress-level",
    "9",
    `dir:${join(work, "dir")}`,
    `oci:${join(work, "skopeo")}:b`,
  ]);
  let layers = 0;
  for (const root of [layout, join(work, "skopeo")]) {
    const dir = join(root, "blobs", "sha256");
    for (const name of readdirSync(dir)) {
      const blob = readFileSync(join(dir, name));
      if (blob[0] !== 0x1f || blob[1] !== 0x8b) continue;
      const inflater = new Inflater({ checkpointEvery: 512 });
      assertEquals(inflate(blob, 1000, inflater), new Uint8Array(gunzipSync(blob)), name);
      resumesFromEach(blob, new Uint8Array(gunzipSync(blob)), inflater.checkpoints);
      layers++;
    }
  }
  assert(layers >= 8, `${layers} gzip layers`);
});
