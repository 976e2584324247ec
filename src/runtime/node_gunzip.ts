/** A gzip inflater over `node:zlib`, for archives on Node (whose `DecompressionStream` piles up garbage). */
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/**
 * Inflates a gzip stream with `node:zlib`, pulling input only as output is read. Hand it to
 * `openArchive(…, { inflate: nodeGunzip })`: on Node a 300 MB `.tar.gz` then peaks ~20 MiB above
 * the process instead of ~270 MiB with `DecompressionStream`, and inflates twice as fast.
 *
 * @param gzip The compressed bytes.
 * @returns The inflated bytes; errors with the zlib error on corrupt or truncated input.
 * @example
 * ```ts
 * import { nodeGunzip } from "@ocistore/ocistore/runtime";
 * import { assertEquals } from "@std/assert";
 *
 * const gzip = new Blob(["hello"]).stream().pipeThrough(new CompressionStream("gzip"));
 * assertEquals(await new Response(nodeGunzip(gzip)).text(), "hello");
 * ```
 */
export function nodeGunzip(gzip: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const inflated = Readable.fromWeb(gzip as never).pipe(createGunzip({ chunkSize: 64 * 1024 }));
  const chunks = inflated[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else {controller.enqueue(
          new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.length),
        );}
    },
    async cancel() {
      await chunks.return?.();
    },
  }, { highWaterMark: 0 });
}
