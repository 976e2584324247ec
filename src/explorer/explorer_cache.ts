/** The explorer's IndexedDB cache, counting what each view read from it and from the network. */
import { type BlobStore, cachedContent } from "../core/cached_content.ts";
import type { ContentProvider } from "../core/content.ts";
import { type IdbBlobStore, idbBlobStore } from "../adapters/idb_cache.ts";

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
  /** The database, for derived documents (layers' seek indexes) outside the counts. */
  readonly store: IdbBlobStore;
}

/**
 * The explorer's cache in the `ocistore-explorer` database.
 *
 * @param onError Told once when IndexedDB fails; the explorer then reads from the network only.
 * @returns The cache.
 */
export function explorerCache(onError: (error: Error) => void): ExplorerCache {
  const store = idbBlobStore({ name: "ocistore-explorer" });
  // Opening the database (it reads every blob's size and last use) starts now, beside the first
  // request, not after it; a failure is told by the first read that meets it.
  store.usage().catch(() => {});
  let cached = 0;
  let fetched = 0;
  let reported = false;
  return {
    store,
    wrap(content) {
      const failed = (error: unknown) => {
        if (reported) return;
        reported = true;
        onError(error instanceof Error ? error : new Error(String(error)));
      };
      // A verified blob is handed to the view while IndexedDB still writes it: a write
      // transaction per blob is not on the way to the first view.
      const writeBehind: BlobStore = {
        get: (digest) => store.get(digest),
        set(digest, bytes) {
          store.set(digest, bytes).catch(failed);
          return Promise.resolve();
        },
        delete: (digest) => store.delete(digest),
      };
      return cachedContent(content, writeBehind, {
        onError: failed,
        onRead(_descriptor, hit) {
          if (hit) cached++;
          else fetched++;
        },
      });
    },
    reset() {
      cached = fetched = 0;
    },
    counts: () => ({ cached, fetched }),
  };
}
