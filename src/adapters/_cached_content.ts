/**
 * Stand-in for core's `cachedContent` (src/core/cached_content.ts, landing on main) with the
 * brief's contract, so the IndexedDB cache works before the merge; replaced by core's on merge.
 */
import type { ContentProvider } from "../core/content.ts";
import { digestOf, parseDigest } from "../core/digest.ts";
import type { Descriptor } from "../core/types.ts";

/** A place that keeps blobs by digest. */
export interface BlobStore {
  /** The bytes stored under `digest`, if any. */
  get(digest: string): Promise<Uint8Array | undefined>;
  /** Keeps verified bytes under their digest. */
  set(digest: string, bytes: Uint8Array): Promise<void>;
  /** Forgets a blob. */
  delete(digest: string): Promise<void>;
}

/** Options of {@link cachedContent}. */
export interface CachedContentOptions {
  /** Told once about the first failure of the store; reads go on without it. */
  readonly onError?: (error: Error) => void;
}

async function _verifies(bytes: Uint8Array, descriptor: Descriptor): Promise<boolean> {
  if (bytes.byteLength !== descriptor.size) return false;
  const { algorithm } = parseDigest(descriptor.digest);
  return await digestOf(bytes, algorithm) === descriptor.digest;
}

/** Whole reads through `store`: verified hits served, misses fetched, verified, then kept. */
export function cachedContent(
  provider: ContentProvider,
  store: BlobStore,
  options: CachedContentOptions = {},
): ContentProvider {
  let reported = false;
  const fail = (error: unknown) => {
    if (reported) return;
    reported = true;
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  };
  const guarded = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      fail(error);
      return undefined;
    }
  };
  return {
    info: (digest) => provider.info(digest),
    stream: (descriptor) => provider.stream(descriptor),
    readRange: (descriptor, offset, length) => provider.readRange(descriptor, offset, length),
    async read(descriptor) {
      const hit = await guarded(() => store.get(descriptor.digest));
      if (hit !== undefined) {
        if (await _verifies(hit, descriptor)) return hit;
        await guarded(() => store.delete(descriptor.digest));
      }
      const bytes = await provider.read(descriptor);
      if (await _verifies(bytes, descriptor)) {
        await guarded(() => store.set(descriptor.digest, bytes));
      }
      return bytes;
    },
  } satisfies ContentProvider;
}
