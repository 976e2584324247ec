/** A layout's blobs by digest: `blobs/<algorithm>/<encoded>` (shared by the layout and archive adapters). */
import {
  type BlobInfo,
  type ContentProvider,
  type ReadOptions,
  sliceRead,
} from "../core/content.ts";
import { parseDigest } from "../core/digest.ts";
import { NotFoundError } from "../core/errors.ts";
import type { Files } from "../core/files.ts";
import type { Descriptor } from "../core/types.ts";

/** Blobs smaller than this are read by their declared size (documents, small layers). */
const _SIZED_READ_LIMIT = 1024 * 1024;

/** Blobs at `blobs/<algorithm>/<encoded>`, the path built only from a parsed digest. */
export function layoutContent(
  files: Files,
  label: string,
  extra: ReadonlyMap<string, Uint8Array> = new Map(),
): ContentProvider {
  async function attempt<T>(digest: string, io: (path: string) => Promise<T>): Promise<T> {
    if (typeof digest !== "string") {
      throw new TypeError("Cannot read blob: expected a string digest");
    }
    const { algorithm, encoded } = parseDigest(digest);
    try {
      return await io(`blobs/${algorithm}/${encoded}`);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new NotFoundError(`Cannot find blob "${digest}" in ${label}`, { cause: error });
      }
      throw error;
    }
  }
  return {
    async info(digest: string): Promise<BlobInfo> {
      const memory = extra.get(digest);
      if (memory) return { digest, size: memory.length };
      const stat = await attempt(digest, (path) => files.stat(path));
      if (!stat.isFile) {
        throw new NotFoundError(`Cannot find blob "${digest}" in ${label}: not a file`);
      }
      return { digest, size: stat.size };
    },
    async read(descriptor: Descriptor, options: ReadOptions = {}): Promise<Uint8Array> {
      const { offset, length } = options;
      const memory = extra.get(descriptor.digest);
      if (memory) return sliceRead(memory, options);
      if (length === undefined && !offset && descriptor.size < _SIZED_READ_LIMIT) {
        // The declared size saves a stat per blob: ask for one byte more, and only a file longer
        // than declared is read again whole (so the mismatch can say how long it is).
        const head = await attempt(
          descriptor.digest,
          (path) => files.readRange(path, 0, descriptor.size + 1),
        );
        if (head.byteLength <= descriptor.size) return head;
      }
      if (length === undefined) {
        const whole = await attempt(descriptor.digest, (path) => files.read(path));
        return offset ? whole.slice(offset) : whole;
      }
      return await attempt(descriptor.digest, (path) => files.readRange(path, offset ?? 0, length));
    },
  } satisfies ContentProvider;
}
