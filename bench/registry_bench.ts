/**
 * Benchmark: the registry source against Debian's docker-registry on loopback, cold (empty disk
 * cache) and warm, for one tag and for a repository of 50 tags of 50 distinct images (resolved
 * with bounded parallelism). Prints JSON rows `{name, value, unit, target, pass}`.
 *
 * Usage: `deno run -A bench/registry_bench.ts` (needs docker-registry and skopeo installed).
 */
import { registryOf, tempDir } from "../tests/adapters/_registry.ts";
import { openRegistry } from "../src/adapters/registry.ts";
import { cachedContent } from "../src/core/cached_content.ts";
import { digestOf } from "../src/core/digest.ts";
import { ImageStore } from "../src/core/image_store.ts";
import { only } from "../src/core/platform_matcher.ts";
import { diskBlobStore } from "../src/runtime/disk_blob_store.ts";
import process from "node:process";

const TAGS = 50;
const REPO = "bench/many";

/** Uploads one blob (POST then PUT with the digest), skipping it when the registry has it. */
async function upload(base: string, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
  const digest = await digestOf(bytes);
  const head = await fetch(`${base}/v2/${REPO}/blobs/${digest}`, { method: "HEAD" });
  await head.body?.cancel();
  if (head.status !== 200) {
    const started = await fetch(`${base}/v2/${REPO}/blobs/uploads/`, { method: "POST" });
    await started.body?.cancel();
    const location = new URL(started.headers.get("location")!, base);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    await put.body?.cancel();
    if (put.status !== 201) throw new Error(`upload of ${digest}: HTTP ${put.status}`);
  }
  return { digest, size: bytes.length };
}

/** Pushes 50 distinct one-layer images, tagged t000…t049. */
async function fill(base: string): Promise<void> {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  await Promise.all(Array.from({ length: TAGS }, async (_, i) => {
    const layer = await upload(base, new TextEncoder().encode(`layer of image ${i}\n`.repeat(100)));
    const config = await upload(
      base,
      encode({
        architecture: "amd64",
        os: "linux",
        author: `bench ${i}`,
        rootfs: { type: "layers", diff_ids: [layer.digest] },
      }),
    );
    const manifest = encode({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
    });
    const tag = `t${String(i).padStart(3, "0")}`;
    const put = await fetch(`${base}/v2/${REPO}/manifests/${tag}`, {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest,
    });
    await put.body?.cancel();
    if (put.status !== 201) throw new Error(`manifest ${tag}: HTTP ${put.status}`);
  }));
}

interface Row {
  name: string;
  value: number;
  unit: string;
  target: number;
  pass: boolean;
}

const row = (name: string, value: number, unit: string, target: number): Row => ({
  name,
  value: Math.round(value * 10) / 10,
  unit,
  target,
  pass: value <= target,
});

/** Syncs a store over `reference` with the cache in `dir`; counts requests and wall time. */
async function measure(host: string, reference: string, dir: string) {
  let requests = 0;
  let byDigest = 0;
  const fetchCounted: typeof fetch = (input, init) => {
    requests++;
    if (/\/(manifests|blobs)\/sha256:/.test(String(input))) byDigest++;
    return fetch(input, init);
  };
  const started = performance.now();
  const registry = await openRegistry(`${host}/${reference}`, {
    plainHttp: true,
    fetch: fetchCounted,
    concurrency: 8,
  });
  const source = { ...registry, content: cachedContent(registry.content, diskBlobStore(dir)) };
  const store = new ImageStore(source, { platform: only({ os: "linux", architecture: "amd64" }) });
  const { failures } = await store.sync();
  const ms = performance.now() - started;
  if (failures.length > 0) throw new Error(`sync failed: ${failures[0].error.message}`);
  return { requests, byDigest, ms, images: store.list().length };
}

/** Runs the registry benchmark. */
export async function run(): Promise<Row[]> {
  const registry = await registryOf("anonymous");
  await fill(registry.url);
  const rows: Row[] = [];
  for (
    const [label, reference, images] of [
      ["one tag", `${REPO}:t000`, 1],
      [`${TAGS} tags`, REPO, TAGS],
    ] as const
  ) {
    const dir = tempDir("ocistore-bench-cache-");
    const cold = await measure(registry.host, reference, dir);
    const warm = await measure(registry.host, reference, dir);
    if (cold.images !== images || warm.images !== images) {
      throw new Error(`${label}: expected ${images} images, found ${cold.images}/${warm.images}`);
    }
    // Cold: HEAD per tag (+ tags/list) and manifest + config per image; warm: nothing by digest.
    const list = images > 1 ? 1 : 0;
    rows.push(
      row(`registry ${label} cold: requests`, cold.requests, "requests", list + images * 3),
    );
    rows.push(
      row(`registry ${label} cold: requests by digest`, cold.byDigest, "requests", images * 2),
    );
    rows.push(row(`registry ${label} cold: wall time`, cold.ms, "ms", images > 1 ? 1500 : 200));
    rows.push(row(`registry ${label} warm: requests`, warm.requests, "requests", list + images));
    rows.push(row(`registry ${label} warm: requests by digest`, warm.byDigest, "requests", 0));
    rows.push(row(`registry ${label} warm: wall time`, warm.ms, "ms", images > 1 ? 1000 : 100));
  }
  return rows;
}

if (import.meta.main) {
  const rows = await run();
  console.log(`[\n${rows.map((r) => `  ${JSON.stringify(r)}`).join(",\n")}\n]`);
  process.exit(0);
}
