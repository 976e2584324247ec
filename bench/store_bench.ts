/** Benchmark: ImageStore update throughput over in-memory images (1k and 10k references). */
import { memorySource } from "../src/adapters/memory.ts";
import { ImageStore } from "../src/core/image_store.ts";
import { only } from "../src/core/platform_matcher.ts";

async function measure(count: number): Promise<Record<string, unknown>> {
  const source = memorySource();
  // Every fourth reference shares an image, as tags of one image do.
  for (let i = 0; i < count; i++) {
    const image = await source.addImage({ layers: [`layer ${Math.floor(i / 4)}`] });
    source.setRecord(`example.com/app${Math.floor(i / 4)}:${i % 4}`, image.manifest);
  }
  const store = new ImageStore(source, { platform: only({ os: "linux", architecture: "amd64" }) });
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await store.update(`example.com/app${Math.floor(i / 4)}:${i % 4}`);
  }
  const updateMs = performance.now() - started;
  const syncStarted = performance.now();
  await new ImageStore(source, { platform: only({ os: "linux", architecture: "amd64" }) }).sync();
  const syncMs = performance.now() - syncStarted;
  const ids = store.list().map((image) => image.id.slice(7, 19));
  const getStarted = performance.now();
  for (const id of ids) store.get(id);
  const getMs = performance.now() - getStarted;
  return {
    references: count,
    images: ids.length,
    updateMs: Math.round(updateMs),
    updatesPerSecond: Math.round(count / (updateMs / 1000)),
    syncMs: Math.round(syncMs),
    prefixGetsPerSecond: Math.round(ids.length / (getMs / 1000)),
  };
}

/** Runs the store benchmark. */
export async function run(): Promise<Record<string, unknown>> {
  return { name: "image-store", runs: [await measure(1_000), await measure(10_000)] };
}

if (import.meta.main) console.log(JSON.stringify(await run()));
