/** How a layer is compressed, and its tar stream through decompressors the host hands in. */
import { InvalidArgumentError } from "./errors.ts";
import { tarEntries, type TarEntryWithData } from "./tar_entries.ts";

/** A layer's compression, as its first bytes say. */
export type Compression = "gzip" | "zstd" | "none";

/**
 * Decompression the composition root chooses (the core holds no decoder): each returns a fresh
 * transform from compressed bytes to their content. On the web, gzip is
 * `new DecompressionStream("gzip")`; zstd may be fzstd's streaming decoder.
 */
export interface Decompressors {
  /** A gzip inflater. */
  readonly gzip?: () => ByteTransform;
  /** A zstd decoder. */
  readonly zstd?: () => ByteTransform;
}

/**
 * A transform of bytes, as `pipeThrough` takes it; spelled out because Node's types, unlike the
 * DOM's, have no `ReadableWritablePair`.
 */
export interface ByteTransform {
  /** Where the transformed bytes come out. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Where the bytes go in. */
  readonly writable: WritableStream<Uint8Array>;
}

/** A decoder fed chunk by chunk that calls back with its output (fzstd's `Decompress`, pako's `Inflate`). */
export interface PushDecoder {
  /** Feeds a chunk; `final` marks the end of the input. */
  push(chunk: Uint8Array, final?: boolean): void;
}

/**
 * A push-style decoder as a stream transform, so a decoder package the composition root picks
 * (fzstd for zstd, where no `DecompressionStream` has it) becomes a {@link Decompressors} entry.
 *
 * @param create Makes the decoder, given where its output goes.
 * @returns The transform from compressed bytes to their content.
 * @example
 * ```ts
 * import { pushDecompression } from "./compression.ts";
 * const upper = pushDecompression((emit) => ({ push: (chunk) => emit(chunk.map((b) => b - 32)) }));
 * const out = new Blob(["abc"]).stream().pipeThrough(upper);
 * console.assert(await new Response(out).text() === "ABC");
 * ```
 */
export function pushDecompression(
  create: (emit: (chunk: Uint8Array) => void) => PushDecoder,
): TransformStream<Uint8Array, Uint8Array> {
  let decoder: PushDecoder;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      decoder = create((chunk) => controller.enqueue(chunk));
    },
    transform(chunk) {
      decoder.push(chunk);
    },
    flush() {
      decoder.push(new Uint8Array(0), true);
    },
  });
}

/**
 * How bytes are compressed, from their first four (media types lie more often: containerd 1.6
 * labels zstd layers as gzip).
 *
 * @param head At least the first four bytes.
 * @returns `gzip`, `zstd` or `none`.
 * @example
 * ```ts
 * import { compressionOf } from "./compression.ts";
 * console.assert(compressionOf(new Uint8Array([0x1f, 0x8b, 8, 0])) === "gzip");
 * ```
 */
export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/**
 * The uncompressed tar stream of a layer: peeks at the first bytes to pick the decompressor, then
 * streams, so a layer is never held whole.
 *
 * @param stream The layer's stored bytes.
 * @param decompressors The decoders the host provides.
 * @returns The tar bytes.
 * @throws {InvalidArgumentError} When the layer is compressed in a way no decompressor was given for.
 * @example
 * ```ts
 * import { layerTar } from "./compression.ts";
 * const tar = await layerTar(new Blob([new Uint8Array(1024)]).stream(), {});
 * console.assert((await new Response(tar).arrayBuffer()).byteLength === 1024);
 * ```
 */
export async function layerTar(
  stream: ReadableStream<Uint8Array>,
  decompressors: Decompressors,
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
  const decompressor = decompressors[kind];
  if (!decompressor) {
    await rest.cancel();
    throw new InvalidArgumentError(
      `Cannot read layer: it is ${kind}-compressed and no ${kind} decompressor was given`,
    );
  }
  return rest.pipeThrough(decompressor());
}

/**
 * Streams a layer's tar entries, decompressing with what the host hands in.
 *
 * @param stream The layer's stored bytes (gzip, zstd or plain tar).
 * @param decompressors The decoders the host provides.
 * @param label What the layer is, for error messages.
 * @returns The entries in stream order.
 * @example
 * ```ts
 * import { layerEntries } from "./compression.ts";
 * const entries = [];
 * for await (const e of layerEntries(new Blob([new Uint8Array(1024)]).stream(), {})) entries.push(e);
 * console.assert(entries.length === 0);
 * ```
 */
export async function* layerEntries(
  stream: ReadableStream<Uint8Array>,
  decompressors: Decompressors,
  label = "layer",
): AsyncGenerator<TarEntryWithData> {
  yield* tarEntries(await layerTar(stream, decompressors), label);
}
