/** The layer decoders the CLI hands the core: gzip through `node:zlib`, zstd through fzstd. */
import { Decompress } from "fzstd";
import { type Decompressors, pushDecompression } from "../core/compression.ts";
import { nodeGunzip } from "../runtime/node_gunzip.ts";

/**
 * gzip inflated by `node:zlib` (on Node, `DecompressionStream` piles up garbage on big layers;
 * Deno and Bun provide `node:zlib` too), zstd by fzstd's streaming decoder (as the page).
 *
 * @example
 * ```ts
 * import { cliDecompressors } from "./decompressors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const gzip = new Blob(["hi"]).stream().pipeThrough(new CompressionStream("gzip"));
 * assertEquals(await new Response(gzip.pipeThrough(cliDecompressors.gzip!())).text(), "hi");
 * ```
 */
export const cliDecompressors: Decompressors = {
  gzip: () => {
    const input = new TransformStream<Uint8Array, Uint8Array>();
    return { writable: input.writable, readable: nodeGunzip(input.readable) };
  },
  zstd: () => pushDecompression((emit) => new Decompress(emit)),
};
