/** Parsed documents by digest, read at most once and kept within a memory budget. */
import type { DigesterFactory } from "./digester.ts";

/** What every document-reading helper accepts. */
export interface ReadDocumentOptions {
  /** Shares reads and parses between calls (content is immutable by digest). */
  readonly cache?: DocumentCache;
  /** Largest document accepted (default 4 MiB). */
  readonly maxBytes?: number;
  /** Hashes with this instead of the portable digester (e.g. the runtime's `nodeDigester`). */
  readonly digester?: DigesterFactory;
}

/** Options of a {@link DocumentCache}. */
export interface DocumentCacheOptions {
  /** Approximate bytes of documents to keep (default 64 MiB); the least recently used go first. */
  readonly maxBytes?: number;
}

interface _Entry {
  readonly value: Promise<unknown>;
  bytes: number;
}

/**
 * A cache of parsed documents (manifests, indexes, configs) keyed by kind and digest. Content is
 * immutable by digest, so an entry never goes stale; concurrent loads of one key share one read,
 * and a failed load is forgotten so it can be retried.
 *
 * @example
 * ```ts
 * import { DocumentCache } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const cache = new DocumentCache();
 * let loads = 0;
 * const load = () => Promise.resolve({ value: ++loads, bytes: 10 });
 * await cache.get("manifest:sha256:aa", load);
 * assertEquals(await cache.get("manifest:sha256:aa", load), 1);
 * assertEquals(loads, 1);
 * ```
 */
export class DocumentCache {
  readonly #maxBytes: number;
  // A Map iterates in insertion order; re-inserting on use makes the first key the least recent.
  readonly #entries = new Map<string, _Entry>();
  #bytes = 0;

  /**
   * Creates an empty cache.
   *
   * @param options The memory budget.
   */
  constructor(options: DocumentCacheOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of documents held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The document under `key`, loading it with `load` when absent.
   *
   * @param key Kind and digest, e.g. `manifest:sha256:…`.
   * @param load Reads and parses the document; resolves to it and its size in bytes.
   * @returns The cached or freshly loaded document.
   */
  get<T>(key: string, load: () => Promise<{ value: T; bytes: number }>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    const entry: _Entry = { value: Promise.resolve(), bytes: 0 };
    const value = load().then(
      (loaded) => {
        if (this.#entries.get(key) === entry) {
          entry.bytes = loaded.bytes;
          this.#bytes += loaded.bytes;
          this.#evict();
        }
        return loaded.value;
      },
      (error) => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        throw error;
      },
    );
    (entry as { value: Promise<unknown> }).value = value;
    this.#entries.set(key, entry);
    return value;
  }

  /**
   * The document under `key` when it is held (loaded or loading), without loading it and without
   * making it more recent.
   *
   * @param key Kind and digest, e.g. `manifest:sha256:…`.
   * @returns The held document, or `undefined`.
   * @example
   * ```ts
   * import { DocumentCache } from "@ocistore/ocistore";
   * import { assertEquals } from "@std/assert";
   *
   * const cache = new DocumentCache();
   * assertEquals(cache.peek("bytes:sha256:aa"), undefined);
   * await cache.get("bytes:sha256:aa", () => Promise.resolve({ value: "kept", bytes: 4 }));
   * assertEquals(await cache.peek("bytes:sha256:aa"), "kept");
   * ```
   */
  peek<T>(key: string): Promise<T> | undefined {
    return this.#entries.get(key)?.value as Promise<T> | undefined;
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) return;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}
