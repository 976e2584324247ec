/** The explorer's IndexedDB cache, counting what each view read from it and from the network. */
import type { ContentProvider } from "../core/content.ts";
import { cachedContent } from "../adapters/_cached_content.ts";
import { idbBlobStore } from "../adapters/idb_cache.ts";

/** Blobs of one view: served by the cache, or fetched. */
export interface CacheCounts {
  /** Whole blobs served from IndexedDB (verified). */
  readonly cached: number;
  /** Whole blobs read from the source. */
  readonly fetched: number;
}

/** The cache with its counters. */
export interface ExplorerCache {
  /** `content` read through the cache. */
  wrap(content: ContentProvider): ContentProvider;
  /** Starts counting afresh (a new view). */
  reset(): void;
  /** The counts since the last reset. */
  counts(): CacheCounts;
}

/**
 * The explorer's cache in the `ocistore-explorer` database.
 *
 * @param onError Told once when IndexedDB fails; the explorer then reads from the network only.
 * @returns The cache.
 */
export function explorerCache(onError: (error: Error) => void): ExplorerCache {
  const store = idbBlobStore({ name: "ocistore-explorer" });
  let cached = 0;
  let fetched = 0;
  const counting = {
    async get(digest: string) {
      const bytes = await store.get(digest);
      if (bytes) cached++;
      return bytes;
    },
    set: (digest: string, bytes: Uint8Array) => store.set(digest, bytes),
    async delete(digest: string) {
      // A stored blob that no longer verifies was not served from the cache after all.
      cached--;
      await store.delete(digest);
    },
  };
  return {
    wrap(content) {
      const source: ContentProvider = {
        ...content,
        info: (digest) => content.info(digest),
        stream: (descriptor) => content.stream(descriptor),
        readRange: (descriptor, offset, length) => content.readRange(descriptor, offset, length),
        read(descriptor) {
          fetched++;
          return content.read(descriptor);
        },
      };
      return cachedContent(source, counting, { onError });
    },
    reset() {
      cached = fetched = 0;
    },
    counts: () => ({ cached, fetched }),
  };
}
