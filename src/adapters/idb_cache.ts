/** The IndexedDB cache: verified blobs kept by digest in the browser, bounded, evicted least recently used. */
import { createStore, delMany, get, getMany, keys, set, setMany, type UseStore } from "idb-keyval";
import type { ContentProvider } from "../core/content.ts";
import { UnavailableError } from "../core/errors.ts";
import { type BlobStore, cachedContent } from "../core/cached_content.ts";

export type { BlobStore };

/** Options of {@link idbBlobStore} and {@link idbCache}. */
export interface IdbCacheOptions {
  /** The IndexedDB database name (its own database, never idb-keyval's default); `ocistore-blobs` by default. */
  readonly name?: string;
  /** The most bytes kept; least recently used blobs are evicted past it (default 256 MiB). */
  readonly maxBytes?: number;
  /** How long opening the database may take before the cache gives up, e.g. when an upgrade elsewhere blocks it (default 5,000 ms). */
  readonly openTimeoutMs?: number;
  /** Told once, with the first failure of IndexedDB; reads then go on without the cache. */
  readonly onError?: (error: Error) => void;
}

/** A {@link BlobStore} in IndexedDB, with what it holds. */
export interface IdbBlobStore extends BlobStore {
  /** How many blobs and bytes are kept. */
  usage(): Promise<{ readonly blobs: number; readonly bytes: number }>;
}

interface _Meta {
  readonly size: number;
  readonly used: number;
}

const _BLOB = "blob:";
const _META = "meta:";

/**
 * A blob store in its own IndexedDB database (through idb-keyval's `createStore`): blobs by digest,
 * each with its size and last use, evicted least recently used once over `maxBytes`. Failures
 * reject (wrap it with {@link idbCache}, or core's `cachedContent`, to fall back instead).
 *
 * @param options The database name, size bound and open timeout.
 * @returns The store; it opens the database on first use.
 * @example Without IndexedDB (as on Deno) every call rejects
 * ```ts
 * import { idbBlobStore } from "@ocistore/ocistore/idb-cache";
 * import { assertRejects } from "@std/assert";
 *
 * if (typeof indexedDB === "undefined") {
 *   await assertRejects(() => idbBlobStore({ name: "example" }).get("sha256:00"));
 * }
 * ```
 */
export function idbBlobStore(options: IdbCacheOptions = {}): IdbBlobStore {
  const name = options.name ?? "ocistore-blobs";
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const timeout = options.openTimeoutMs ?? 5000;
  let ready: Promise<{ store: UseStore; index: Map<string, _Meta> }> | undefined;
  let total = 0;
  let clock = 0;
  // Date.now() survives reloads; the counter orders uses within one millisecond.
  const now = () => (clock = Math.max(clock + 1, Date.now()));

  function open() {
    ready ??= (async () => {
      const store = createStore(name, "blobs");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new UnavailableError(
                `Cannot open IndexedDB database "${name}": expected it within ${timeout} ms, found it still blocked`,
              ),
            ),
          timeout,
        );
      });
      try {
        const all = await Promise.race([keys<string>(store), timedOut]);
        const metaKeys = all.filter((k) => typeof k === "string" && k.startsWith(_META));
        const metas = await getMany<_Meta>(metaKeys, store);
        const index = new Map<string, _Meta>();
        metaKeys.forEach((key, i) => {
          const meta = metas[i];
          if (meta && typeof meta.size === "number") {
            index.set(key.slice(_META.length), meta);
            total += meta.size;
          }
        });
        return { store, index };
      } catch (error) {
        if (error instanceof UnavailableError) throw error;
        throw new UnavailableError(
          `Cannot open IndexedDB database "${name}": ${(error as Error)?.message ?? error}`,
          { cause: error },
        );
      } finally {
        clearTimeout(timer);
      }
    })();
    return ready;
  }

  return {
    async get(digest) {
      const { store, index } = await open();
      const meta = index.get(digest);
      if (!meta) return undefined;
      const bytes = await get<Uint8Array>(_BLOB + digest, store);
      if (!(bytes instanceof Uint8Array)) {
        index.delete(digest);
        total -= meta.size;
        return undefined;
      }
      const used = { size: meta.size, used: now() };
      index.set(digest, used);
      // The bytes are not held back for the write of their last use: losing it only ages them.
      set(_META + digest, used, store).catch(() => {});
      return bytes;
    },
    async set(digest, bytes) {
      const { store, index } = await open();
      if (bytes.byteLength > maxBytes || index.has(digest)) return;
      // Claimed before the first await, so concurrent writers of one digest write it once.
      const meta = { size: bytes.byteLength, used: now() };
      index.set(digest, meta);
      total += meta.size;
      const evict: string[] = [];
      if (total > maxBytes) {
        const byAge = [...index].filter(([d]) => d !== digest).sort((a, b) =>
          a[1].used - b[1].used
        );
        let over = total - maxBytes;
        for (const [old, oldMeta] of byAge) {
          if (over <= 0) break;
          evict.push(old);
          over -= oldMeta.size;
        }
        for (const old of evict) {
          total -= index.get(old)!.size;
          index.delete(old);
        }
      }
      try {
        if (evict.length > 0) await delMany(evict.flatMap((d) => [_BLOB + d, _META + d]), store);
        // A copy: the caller's view may be a window on a larger buffer, which IndexedDB would store whole.
        await setMany([[_BLOB + digest, bytes.slice()], [_META + digest, meta]], store);
      } catch (error) {
        if (index.get(digest) === meta) {
          index.delete(digest);
          total -= meta.size;
        }
        throw error;
      }
    },
    async delete(digest) {
      const { store, index } = await open();
      await delMany([_BLOB + digest, _META + digest], store);
      const meta = index.get(digest);
      if (meta) total -= meta.size;
      index.delete(digest);
    },
    async usage() {
      const { index } = await open();
      return { blobs: index.size, bytes: total };
    },
  };
}

/**
 * A content provider that keeps verified blobs in IndexedDB: whole reads are served from the
 * database when the stored bytes still verify, else fetched from `provider`, verified, and kept.
 * When IndexedDB fails (quota exceeded, private mode, a blocked upgrade, none at all) reads go on
 * over `provider` and `onError` hears of it once.
 *
 * @param provider Where blobs come from (a registry, an OCI layout over HTTP).
 * @param options The database name, size bound, open timeout and failure callback.
 * @returns The caching provider.
 * @example Reads keep working where there is no IndexedDB (here on Deno)
 * ```ts
 * import { readBlob } from "@ocistore/ocistore";
 * import { idbCache } from "@ocistore/ocistore/idb-cache";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const descriptor = await source.addBlob("hello", "text/plain");
 * const errors: Error[] = [];
 * const content = idbCache(source.content, { onError: (error) => errors.push(error) });
 * assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), "hello");
 * assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), "hello");
 * assertEquals(errors.length, typeof indexedDB === "undefined" ? 1 : 0);
 * ```
 */
export function idbCache(
  provider: ContentProvider,
  options: IdbCacheOptions = {},
): ContentProvider {
  let reported = false;
  return cachedContent(provider, idbBlobStore(options), {
    // Core reports once per failing operation; a broken database fails them all: tell it once.
    onError(error) {
      if (reported) return;
      reported = true;
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    },
  });
}
