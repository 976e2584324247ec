/** A `BlobStore` in a directory (Deno, Bun, Node): atomic writes, bounded size, least recently used out first. */
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BlobStore } from "../core/cached_content.ts";
import { parseDigest } from "../core/digest.ts";

/** Options of {@link diskBlobStore}. */
export interface DiskBlobStoreOptions {
  /** The most bytes kept; least recently used blobs go first (default 1 GiB). */
  readonly maxBytes?: number;
}

/** A {@link BlobStore} on disk, with what it holds. */
export interface DiskBlobStore extends BlobStore {
  /** The directory. */
  readonly dir: string;
  /** The bytes kept now (all processes' writes, as of the last scan plus ours since). */
  size(): Promise<number>;
}

interface Entry {
  size: number;
  used: number;
}

const _STALE_TEMP_MS = 3600_000;

/**
 * Keeps blobs by digest under `dir/blobs/<algorithm>/<encoded>`. A write goes to a temp file in
 * `dir/tmp` and is renamed into place, so readers (in this or another process) see a whole blob
 * or none, and two processes writing the same digest both succeed. Reads mark a blob used (its
 * mtime), and a write that takes the total over `maxBytes` evicts the least recently used blobs.
 * It only keeps what it is given: verification is `cachedContent`'s job, which hands it only
 * verified bytes and turns its failures into `onError` calls, never into failed reads.
 *
 * @param dir The cache directory (created on first write).
 * @param options The size bound.
 * @returns The store.
 * @example
 * ```ts
 * import { diskBlobStore } from "@ocistore/ocistore/runtime";
 * import { digestOf } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const store = diskBlobStore(await mkdtemp(join(tmpdir(), "blobs-")), { maxBytes: 1 << 20 });
 * const bytes = new TextEncoder().encode("hello");
 * const digest = await digestOf(bytes);
 * await store.set(digest, bytes);
 * assertEquals(await store.get(digest), bytes);
 * await store.delete(digest);
 * assertEquals(await store.get(digest), undefined);
 * ```
 */
export function diskBlobStore(dir: string, options: DiskBlobStoreOptions = {}): DiskBlobStore {
  if (typeof dir !== "string" || dir === "") {
    throw new TypeError("Cannot open blob store: expected a directory path");
  }
  const maxBytes = options.maxBytes ?? 1 << 30;
  const tmp = join(dir, "tmp");
  const pathOf = (digest: string) => {
    const { algorithm, encoded } = parseDigest(digest);
    return join(dir, "blobs", algorithm, encoded);
  };
  let index: Promise<Map<string, Entry>> | undefined;
  let lastTick = 0;
  const tick = () => (lastTick = Math.max(Date.now(), lastTick + 1));

  /** Every kept blob with its size and last use, from the directory itself. */
  const scan = async (): Promise<Map<string, Entry>> => {
    const found = new Map<string, Entry>();
    let algorithms: string[] = [];
    try {
      algorithms = await readdir(join(dir, "blobs"));
    } catch {
      return found;
    }
    for (const algorithm of algorithms) {
      let names: string[] = [];
      try {
        names = await readdir(join(dir, "blobs", algorithm));
      } catch {
        continue;
      }
      for (const name of names) {
        try {
          const info = await stat(join(dir, "blobs", algorithm, name));
          found.set(`${algorithm}:${name}`, { size: info.size, used: info.mtimeMs });
        } catch {
          // Deleted meanwhile by another process.
        }
      }
    }
    // Temp files of a writer that died mid-write are removed once they are old.
    try {
      for (const name of await readdir(tmp)) {
        const path = join(tmp, name);
        const info = await stat(path).catch(() => undefined);
        if (info && Date.now() - info.mtimeMs > _STALE_TEMP_MS) await rm(path, { force: true });
      }
    } catch {
      // No temp directory yet.
    }
    return found;
  };
  const known = () => (index ??= scan());
  const total = (entries: Map<string, Entry>) => {
    let sum = 0;
    for (const entry of entries.values()) sum += entry.size;
    return sum;
  };

  const evict = async () => {
    // Another process may have written too: the directory is the truth when we are over.
    const entries = await scan();
    index = Promise.resolve(entries);
    let sum = total(entries);
    const oldest = [...entries].sort((a, b) => a[1].used - b[1].used);
    for (const [digest, entry] of oldest) {
      if (sum <= maxBytes) break;
      await rm(pathOf(digest), { force: true });
      entries.delete(digest);
      sum -= entry.size;
    }
  };

  return {
    dir,
    async get(digest) {
      const path = pathOf(digest);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path));
      } catch (error) {
        // No such file, or no such directory on the way: the blob is simply not kept.
        if (["ENOENT", "ENOTDIR"].includes((error as { code?: string }).code ?? "")) {
          return undefined;
        }
        throw error;
      }
      const used = tick();
      const entries = await known();
      entries.set(digest, { size: bytes.byteLength, used });
      // Recency lives in the mtime so other processes evict by it too; failing to mark is harmless.
      await utimes(path, used / 1000, used / 1000).catch(() => {});
      return bytes;
    },
    async set(digest, bytes) {
      const path = pathOf(digest);
      if (bytes.byteLength > maxBytes) return;
      await mkdir(tmp, { recursive: true });
      await mkdir(join(path, ".."), { recursive: true });
      const temp = join(tmp, `${digest.replace(":", "-")}.${crypto.randomUUID()}`);
      try {
        await writeFile(temp, bytes);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        throw error;
      }
      // The file system's clock is coarser than ours: stamp the write with the same ticks as reads,
      // so eviction (which rescans the directory) orders writes and reads as they happened.
      const used = tick();
      await utimes(path, used / 1000, used / 1000).catch(() => {});
      const entries = await known();
      entries.set(digest, { size: bytes.byteLength, used });
      if (total(entries) > maxBytes) await evict();
    },
    async delete(digest) {
      const path = pathOf(digest);
      await rm(path, { force: true });
      (await known()).delete(digest);
    },
    async size() {
      return total(await known());
    },
  };
}
