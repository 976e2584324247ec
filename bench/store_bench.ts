/**
 * Targets 2, 3 and 8: the store in-process. Open + `sync()` of the 1,000-reference layout (time,
 * blob reads against distinct blobs); 100k images in memory (sync, prefix lookups, resolve,
 * list, heap per image, DigestSet growth); many tags of one image against as many images.
 */
import { openOciLayout } from "../src/adapters/oci_layout.ts";
import type { Files } from "../src/core/files.ts";
import { DigestSet } from "../src/core/digest_set.ts";
import { type Image, ImageStore } from "../src/core/image_store.ts";
import { only } from "../src/core/platform_matcher.ts";
import { nodeDigester } from "../src/runtime/node_digester.ts";
import { nodeFiles } from "../src/runtime/node_files.ts";
import { addImage, benchSource } from "./_memory_images.ts";
import { atLeast, atMost, type Figure, info, median, timeMs } from "./_figure.ts";
import { nodeLayout } from "./cli_bench.ts";

const _AMD64 = only({ os: "linux", architecture: "amd64" });
// As the CLI runs the store: node:crypto handed in as the digester. Without it the portable
// SHA-256 was a tenth of the gen1000 profile, a cost no caller on Deno, Bun or Node need pay.
const _OPTIONS = { platform: _AMD64, digester: nodeDigester };

function _countingFiles(files: Files, paths: string[]): Files {
  return {
    ...files,
    read: (path) => (paths.push(path), files.read(path)),
    readRange: (path, offset, length) => (paths.push(path), files.readRange(path, offset, length)),
  };
}

async function layoutSync(): Promise<Figure[]> {
  const dir = await nodeLayout();
  const times: number[] = [];
  let paths: string[] = [];
  for (let i = 0; i < 7; i++) {
    paths = [];
    times.push(
      await timeMs(async () => {
        const source = await openOciLayout(_countingFiles(nodeFiles(dir), paths));
        const result = await new ImageStore(source, _OPTIONS).sync();
        if (result.failures.length > 0) throw result.failures[0].error;
      }),
    );
  }
  const blobs = paths.filter((p) => p.startsWith("blobs/"));
  const distinct = new Set(blobs).size;
  return [
    atMost(
      "layout.open_sync_ms",
      median(times.slice(2)),
      "ms",
      40,
      "1,000 references, median of 5 after 2 warm-ups, nodeDigester",
    ),
    atMost(
      "layout.blob_reads",
      blobs.length,
      "reads",
      distinct,
      `${distinct} distinct blobs needed`,
    ),
  ];
}

function _heapUsed(): number {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
  return (globalThis as unknown as { process: { memoryUsage(): { heapUsed: number } } }).process
    .memoryUsage().heapUsed;
}

async function manyImages(count: number): Promise<Figure[]> {
  const source = benchSource();
  for (let i = 0; i < count; i++) {
    source.records.push({ name: `example.com/app${i}:1`, target: addImage(source, i), labels: {} });
  }
  const store = new ImageStore(source, _OPTIONS);
  const syncMs = await timeMs(() => store.sync());
  const images = store.list();
  const prefixes = images.map((image) => image.id.slice(7, 19));
  const names = source.records.map((r) => r.name);
  const lookups = 1_000_000;
  // Median of 5 rounds after a warm-up, as the layout row: the first round after a 100k sync()
  // also pays the compiler and the sync's garbage (0.75-1.4 M/s against 2.4-3.6 M/s for the
  // same code in the rounds after it, perf23's A/B at load 0.5-6).
  const rounds = async (lookup: (i: number) => unknown) => {
    const times: number[] = [];
    for (let round = 0; round < 6; round++) {
      times.push(
        await timeMs(() => {
          for (let i = 0; i < lookups; i++) lookup(i);
        }),
      );
    }
    return median(times.slice(1));
  };
  const prefixMs = await rounds((i) => store.get(prefixes[(i * 7919) % prefixes.length]));
  const resolveMs = await rounds((i) => store.resolve(names[(i * 7919) % names.length]));
  const listMs = median(await Promise.all([0, 1, 2, 3, 4].map(() => timeMs(() => store.list()))));

  // The store's own memory: one shared config, so only the table, IDs and references count.
  const spec = images[0].imageSpec;
  const plain: Image[] = images.map((image) => ({ ...image, imageSpec: spec }));
  const before = _heapUsed();
  const filled = ImageStore.fromImages(plain);
  const after = _heapUsed();
  if (filled.list().length !== count) throw new Error("fromImages lost images");

  return [
    atMost("memory.sync_ms", syncMs, "ms", 3000, `${count} images, nodeDigester`),
    atLeast(
      "memory.prefix_lookups",
      lookups / (prefixMs / 1000),
      "ops/s",
      2_000_000,
      "get(12-hex prefix), median of 5 rounds of 1M after a warm-up",
    ),
    atLeast(
      "memory.resolve",
      lookups / (resolveMs / 1000),
      "ops/s",
      5_000_000,
      "median of 5 rounds of 1M after a warm-up",
    ),
    atMost("memory.list_ms", listMs, "ms", 50),
    atMost(
      "memory.heap_per_image",
      (after - before) / count,
      "bytes",
      2048,
      "beyond the parsed configs",
    ),
  ];
}

function digestSetGrowth(): Figure[] {
  const ids = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => {
      let hex = "";
      let x = (i + 1) * 2654435761 + seed;
      for (let k = 0; k < 8; k++) {
        x = (x * 1103515245 + 12345) >>> 0;
        hex += x.toString(16).padStart(8, "0");
      }
      return `sha256:${hex}`;
    });
  const perOp = (n: number) => {
    const all = ids(n, 7);
    const set = new DigestSet();
    const add = timeMsSync(() => all.forEach((id) => set.add(id))) / n;
    const remove = timeMsSync(() => all.forEach((id) => set.remove(id))) / n;
    return { add, remove };
  };
  perOp(10_000); // warm-up
  const small = perOp(10_000);
  const large = perOp(100_000);
  // Linear per-operation cost would be 10x at 10x the size; sub-linear stays well under.
  return [
    atMost(
      "digest_set.add_growth",
      large.add / small.add,
      "ratio",
      3.16,
      "per-add time, 100k vs 10k IDs",
    ),
    atMost(
      "digest_set.remove_growth",
      large.remove / small.remove,
      "ratio",
      3.16,
      "per-remove time, 100k vs 10k IDs",
    ),
  ];
}

function timeMsSync(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

async function tags(count: number): Promise<Figure[]> {
  const oneImage = benchSource();
  const target = addImage(oneImage, 0);
  for (let i = 0; i < count; i++) {
    oneImage.records.push({ name: `example.com/app:v${i}`, target, labels: {} });
  }
  const distinct = benchSource();
  for (let i = 0; i < count; i++) {
    distinct.records.push({
      name: `example.com/app${i}:v1`,
      target: addImage(distinct, i),
      labels: {},
    });
  }
  const syncs = { one: [] as number[], distinct: [] as number[] };
  for (let i = 0; i < 3; i++) {
    syncs.one.push(await timeMs(() => new ImageStore(oneImage, _OPTIONS).sync()));
    syncs.distinct.push(await timeMs(() => new ImageStore(distinct, _OPTIONS).sync()));
  }
  // update() one reference at a time: the last thousand against the first thousand.
  const store = new ImageStore(oneImage, _OPTIONS);
  const batch = 1000;
  const times: number[] = [];
  for (let start = 0; start < count; start += batch) {
    times.push(
      await timeMs(async () => {
        for (let i = start; i < start + batch; i++) await store.update(`example.com/app:v${i}`);
      }),
    );
  }
  if (store.list()[0].references.length !== count) throw new Error("tags lost");
  return [
    info("tags.one_image_sync_ms", median(syncs.one), "ms", `${count} references to one image`),
    info(
      "tags.distinct_sync_ms",
      median(syncs.distinct),
      "ms",
      `${count} references to ${count} images`,
    ),
    atMost("tags.one_vs_distinct", median(syncs.one) / median(syncs.distinct), "ratio", 2),
    atMost(
      "tags.update_growth",
      times[times.length - 1] / times[1],
      "ratio",
      1.5,
      "last 1,000 updates vs the second 1,000",
    ),
  ];
}

/** Runs the store benchmarks. */
export async function run(): Promise<Figure[]> {
  return [
    ...(await layoutSync()),
    ...(await manyImages(100_000)),
    ...digestSetGrowth(),
    ...(await tags(8000)),
  ];
}

if (import.meta.main) { for (const figure of await run()) console.log(JSON.stringify(figure)); }
