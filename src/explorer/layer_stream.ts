/** A layer's tar stream from its stored bytes: gzip through `DecompressionStream`, zstd through fzstd. */
import { Decompress } from "fzstd";

/** How a layer's bytes are compressed, from their first bytes (media types lie more often). */
export function compressionOf(head: Uint8Array): "gzip" | "zstd" | "none" {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/**
 * The uncompressed tar stream of a layer. Peeks at the first chunk to pick the decompressor, then
 * streams: a layer is never held whole after decompression.
 *
 * @param stream The layer's stored (compressed) bytes.
 * @returns The tar bytes.
 */
export async function layerTarStream(
  stream: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  let first = new Uint8Array(0);
  // Four bytes decide; a stream may deliver them over several tiny chunks.
  while (first.length < 4) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(first.length + value.length);
    joined.set(first);
    joined.set(value, first.length);
    first = joined;
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.length > 0) controller.enqueue(first);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const kind = compressionOf(first);
  if (kind === "none") return rest;
  if (kind === "zstd") return rest.pipeThrough(zstdDecompression());
  return rest.pipeThrough(
    new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
}

/**
 * Zstandard decompression as a stream: browsers' `DecompressionStream` has no `zstd` (chromium 156
 * checked) and WASM is out, so fzstd's pure-JS streaming decoder does it, chunk by chunk.
 *
 * @returns The transform from zstd frames to their content.
 */
export function zstdDecompression(): TransformStream<Uint8Array, Uint8Array> {
  let decoder: Decompress;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      decoder = new Decompress((chunk) => controller.enqueue(chunk));
    },
    transform(chunk) {
      decoder.push(chunk);
    },
    flush() {
      decoder.push(new Uint8Array(0), true);
    },
  });
}
