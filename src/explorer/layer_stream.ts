/** A layer's tar stream from its stored bytes: gzip through `DecompressionStream`, zstd through fzstd. */
import { Decompress } from "fzstd";
import { type Decompressors, layerTar, pushDecompression } from "../core/compression.ts";

/** The page's decompressors: gzip from the browser, zstd from fzstd. */
export const pageDecompressors: Decompressors = {
  gzip: () =>
    new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  zstd: () => zstdDecompression(),
};

/**
 * The uncompressed tar stream of a layer, never held whole.
 *
 * @param stream The layer's stored (compressed) bytes.
 * @returns The tar bytes.
 */
export function layerTarStream(
  stream: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  return layerTar(stream, pageDecompressors);
}

/**
 * Zstandard decompression as a stream: browsers' `DecompressionStream` has no `zstd` (chromium 156
 * checked) and WASM is out, so fzstd's pure-JS streaming decoder does it, chunk by chunk.
 *
 * @returns The transform from zstd frames to their content.
 */
export function zstdDecompression(): TransformStream<Uint8Array, Uint8Array> {
  return pushDecompression((emit) => new Decompress(emit));
}
