/** A content provider in front of a blob store: verified blobs are kept by digest and served from there. */
import type { BlobInfo, ContentProvider, ReadOptions, SignalOptions } from "./content.ts";
import { readBlob, sliceRead } from "./content.ts";
import type { DigesterFactory } from "./digester.ts";
import { DigestMismatchError } from "./errors.ts";
import type { Descriptor } from "./types.ts";

/**
 * A place that keeps blobs by digest (a directory, IndexedDB, a map). The disk cache and the
 * IndexedDB cache implement it; {@link cachedContent} only ever hands it verified bytes.
 */
export interface BlobStore {
  /** The bytes kept under `digest`, or `undefined` when there are none. */
  get(digest: string): Promise<Uint8Array | undefined>;
  /** Keeps `bytes` under `digest` (always bytes that were verified against it). */
  set(digest: string, bytes: Uint8Array): Promise<void>;
  /** Forgets `digest` (no error when it is not kept). */
  delete(digest: string): Promise<void>;
}

/** Options of {@link cachedContent}. */
export interface CachedContentOptions {
  /**
   * Called when the store fails (quota, permissions, a broken database); reads go on without it.
   * Called at most once per failing operation kind (`get`, `set`, `delete`).
   */
  readonly onError?: (error: unknown) => void;
  /** Called with each whole read: `true` when it was served by the store. */
  readonly onRead?: (descriptor: Descriptor, cached: boolean) => void;
  /** Verifies with this instead of the portable digester (e.g. the runtime's `nodeDigester`). */
  readonly digester?: DigesterFactory;
}

/**
 * Puts a blob store in front of a provider. Whole reads try the store first; what it returns is
 * verified against the descriptor (a bad entry is deleted and fetched again), and what the provider
 * returns is verified before it is stored, so the store never holds a blob that does not match its
 * digest. A failing store never breaks a read: its error goes to `onError` and the provider answers.
 * `info` is answered from the store for kept blobs, so a warm cache needs no round trip at all;
 * ranged reads and streams are served from the store when the blob is kept, else by the provider.
 *
 * @param provider The content to cache.
 * @param store Where verified blobs are kept.
 * @param options Error and read callbacks.
 * @returns A provider that reads through the store.
 * @example
 * ```ts
 * import { type BlobStore, cachedContent, readBlob } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const descriptor = await source.addBlob("hello", "text/plain");
 * const kept = new Map<string, Uint8Array>();
 * const store: BlobStore = {
 *   get: (digest) => Promise.resolve(kept.get(digest)),
 *   set: async (digest, bytes) => void kept.set(digest, bytes),
 *   delete: async (digest) => void kept.delete(digest),
 * };
 * const content = cachedContent(source.content, store);
 * await readBlob(content, descriptor);
 * source.deleteBlob(descriptor.digest); // the second read needs only the store
 * assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), "hello");
 * ```
 */
export function cachedContent(
  provider: ContentProvider,
  store: BlobStore,
  options: CachedContentOptions = {},
): ContentProvider {
  const reported = new Set<string>();
  const fail = (operation: string, error: unknown): undefined => {
    if (!reported.has(operation)) {
      reported.add(operation);
      options.onError?.(error);
    }
    return undefined;
  };
  const kept = async (digest: string): Promise<Uint8Array | undefined> => {
    try {
      return await store.get(digest);
    } catch (error) {
      return fail("get", error);
    }
  };
  const forget = async (digest: string): Promise<void> => {
    try {
      await store.delete(digest);
    } catch (error) {
      fail("delete", error);
    }
  };
  /** The verified whole blob from the store, or `undefined` (a bad entry is dropped). */
  const fromStore = async (descriptor: Descriptor): Promise<Uint8Array | undefined> => {
    const bytes = await kept(descriptor.digest);
    if (bytes === undefined) return undefined;
    try {
      return await readBlob({ info: _never, read: () => Promise.resolve(bytes) }, descriptor, {
        digester: options.digester,
      });
    } catch (error) {
      if (!(error instanceof DigestMismatchError)) throw error;
      await forget(descriptor.digest);
      return undefined;
    }
  };
  const whole = async (descriptor: Descriptor, signal?: AbortSignal): Promise<Uint8Array> => {
    const hit = await fromStore(descriptor);
    options.onRead?.(descriptor, hit !== undefined);
    if (hit) return hit;
    const bytes = await readBlob(provider, descriptor, { signal, digester: options.digester });
    try {
      await store.set(descriptor.digest, bytes);
    } catch (error) {
      fail("set", error);
    }
    return bytes;
  };
  const content: ContentProvider = {
    async info(digest: string, infoOptions?: SignalOptions): Promise<BlobInfo> {
      const bytes = await kept(digest);
      if (bytes !== undefined) return { digest, size: bytes.byteLength };
      return await provider.info(digest, infoOptions);
    },
    async read(descriptor: Descriptor, readOptions: ReadOptions = {}): Promise<Uint8Array> {
      const { offset, length, signal } = readOptions;
      if (offset === undefined && length === undefined) return await whole(descriptor, signal);
      const hit = await fromStore(descriptor);
      return hit ? sliceRead(hit, readOptions) : await provider.read(descriptor, readOptions);
    },
  };
  // Without a stream of its own, the core streams through ranged reads, which the store serves too.
  const stream = provider.stream?.bind(provider);
  if (stream) {
    content.stream = async (descriptor, streamOptions) => {
      const hit = await fromStore(descriptor);
      return hit
        ? new Blob([hit as Uint8Array<ArrayBuffer>]).stream()
        : await stream(descriptor, streamOptions);
    };
  }
  return content;
}

function _never(): Promise<BlobInfo> {
  return Promise.reject(new TypeError("info() is not used to verify kept bytes"));
}
