/**
 * A zstd layer read frame by frame: the first full read hands each frame to a fresh decoder (the
 * host's, from {@link Decompressors}) and records where its content lands; a later read of one
 * file is one ranged read of the frames that hold it, decoded from the first of them. A layer of
 * one frame (the default of `zstd` and skopeo) gives one span, so one file costs the whole layer.
 */
import type { ByteTransform } from "./compression.ts";
import { type ContentProvider, readBlobRange } from "./content.ts";
import { InvalidArgumentError, OciStoreError } from "./errors.ts";
import type { Descriptor } from "./types.ts";
import {
  readZstdSeekTable,
  type ZstdFrame,
  type ZstdFrameSpan,
  ZstdFrameWalker,
} from "./zstd_frames.ts";

/** What {@link zstdFrameStream} found, filled in as the stream is read. */
export interface ZstdFramesFound {
  /** The data frames, in order, each added when it ends. */
  readonly frames: ZstdFrame[];
  /** Whether the blob ended with a seekable-format seek table that agreed with every frame. */
  seekTable?: boolean;
}

// A seek table is read from its skippable frame up to this size (about 350,000 frames).
const _TABLE_MAX = 4 * 1024 * 1024;

/**
 * The decompressed stream of zstd bytes, each data frame through its own decoder, so that
 * `found.frames` gets each frame's place in the blob and in the output as the stream is read.
 * When the blob ends with a seekable-format seek table (read from the same bytes, so verified with
 * them), every frame must be the one the table names: same length, same decompressed size.
 *
 * @param reader The blob's bytes after `head`.
 * @param head The bytes already read from `reader`.
 * @param decompressor Makes a zstd decoder.
 * @param found Filled with the data frames as each one ends, and whether a seek table agreed.
 * @param label What the blob is, for error messages.
 * @returns The decompressed bytes; it errors with {@link InvalidArgumentError} where the bytes are
 * not zstd frames or a seek table disagrees with them, and with what `reader` or the decoder
 * errors with.
 * @example
 * ```ts
 * import { zstdFrameStream } from "./zstd_seek.ts";
 * import type { ZstdFrame } from "./zstd_frames.ts";
 * import { assertEquals } from "@std/assert";
 * // A skippable frame (magic 0x184D2A50, 3 bytes of user data) holds no content and no data frame.
 * const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
 * const found = { frames: [] as ZstdFrame[] };
 * const reader = new Blob([]).stream().getReader();
 * const decoder = () => new TransformStream<Uint8Array, Uint8Array>();
 * const out = zstdFrameStream(reader, skippable, decoder, found, "example");
 * assertEquals([await new Response(out).text(), found], ["", { frames: [], seekTable: false }]);
 * ```
 */
export function zstdFrameStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  head: Uint8Array,
  decompressor: () => ByteTransform,
  found: ZstdFramesFound,
  label: string,
): ReadableStream<Uint8Array> {
  const { frames } = found;
  // Every frame with its decompressed size (0 for a skippable one), and the last skippable
  // frame's bytes: a seek table, when it is the blob's last frame.
  const walked: ZstdFrame[] = [];
  let skipped: Uint8Array[] | undefined;
  const walker = new ZstdFrameWalker(label);
  let rest = head;
  let ended = false;
  // The current frame's next bytes: to its end, or as many as came in.
  const piece = async (): Promise<{ bytes: Uint8Array; frame?: ZstdFrameSpan } | undefined> => {
    while (rest.length === 0) {
      if (ended) return undefined;
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        walker.finish();
        return undefined;
      }
      rest = value;
    }
    const { used, frame } = walker.push(rest);
    const bytes = rest.subarray(0, used);
    rest = rest.subarray(used);
    return { bytes, frame };
  };
  let decoded: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let span: ZstdFrameSpan | undefined;
  let size = 0;
  let out = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (decoded) {
          const { value, done } = await _decode(decoded, label);
          if (!done) {
            size += value.length;
            if (value.length === 0) continue;
            return controller.enqueue(value);
          }
          const frame = { offset: span!.offset, length: span!.length, out, size };
          frames.push(frame);
          walked.push(frame);
          out += size;
          decoded = undefined;
          continue;
        }
        // A frame's first pieces: until its magic number says what it is.
        const first: Uint8Array[] = [];
        span = undefined;
        while (walker.kind === undefined && span === undefined) {
          const next = await piece();
          if (!next) {
            found.seekTable = _checkTable(walked, skipped, label);
            return controller.close();
          }
          first.push(next.bytes);
          span = next.frame;
        }
        if ((span?.kind ?? walker.kind) === "skippable") {
          while (span === undefined) {
            const next = (await piece())!;
            first.push(next.bytes);
            span = next.frame;
          }
          walked.push({ offset: span.offset, length: span.length, out, size: 0 });
          skipped = span.length <= _TABLE_MAX ? first : undefined;
          continue;
        }
        skipped = undefined;
        size = 0;
        const bytes = new ReadableStream<Uint8Array>({
          start(frame) {
            for (const chunk of first) frame.enqueue(chunk);
            if (span) frame.close();
          },
          async pull(frame) {
            for (;;) {
              // Input that ends inside a frame has already made the walker throw.
              const next = (await piece())!;
              if (next.bytes.length > 0) frame.enqueue(next.bytes);
              if (next.frame) {
                span = next.frame;
                return frame.close();
              }
              if (next.bytes.length > 0) return;
            }
          },
        });
        decoded = bytes.pipeThrough(decompressor()).getReader();
      }
    },
    async cancel(reason) {
      await decoded?.cancel(reason);
      await reader.cancel(reason);
    },
  });
}

/**
 * Whether the walked frames end with a seek table, checked against it: each frame before the
 * table's must be the one the table names.
 */
function _checkTable(
  walked: readonly ZstdFrame[],
  skipped: Uint8Array[] | undefined,
  label: string,
): boolean {
  const last = walked.at(-1);
  if (!skipped || !last || last.size !== 0) return false;
  const bytes = new Uint8Array(last.length);
  let at = 0;
  for (const part of skipped) {
    bytes.set(part, at);
    at += part.length;
  }
  const table = readZstdSeekTable(bytes, last.offset + last.length, label);
  if (!table) return false;
  const fail = (k: number, expected: string, found: string) =>
    new InvalidArgumentError(
      `Cannot read the zstd seek table of ${label}: it names frame ${k} ${expected}, found ${found}`,
    );
  if (table.frames.length !== walked.length - 1) {
    throw fail(table.frames.length, "as the last", `${walked.length - 1} frames before the table`);
  }
  for (const [k, named] of table.frames.entries()) {
    const frame = walked[k];
    if (named.length !== frame.length || named.size !== frame.size) {
      throw fail(
        k,
        `${named.length} bytes decoding to ${named.size}`,
        `${frame.length} bytes decoding to ${frame.size}`,
      );
    }
  }
  return true;
}

/**
 * `size` bytes from `offset` of a zstd layer's decompressed stream: one ranged read of the frames
 * that hold them, decoded from the first of those frames (a frame needs nothing before it).
 * Unverified: the caller checks the bytes against the digest it knows them by.
 *
 * @param content Where the layer is.
 * @param layer The layer's descriptor.
 * @param frames The layer's data frames (from {@link zstdFrameStream} or a seek table).
 * @param range Where the bytes are in the decompressed stream.
 * @param decompressor Makes a zstd decoder.
 * @param signal Aborts the read.
 * @returns The bytes.
 * @throws {InvalidArgumentError} When the frames do not hold the range, or decode to too little.
 * @example
 * ```ts
 * import { readZstdRange } from "./zstd_seek.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(0), "application/vnd.oci.image.layer.v1.tar+zstd");
 * const none = () => new TransformStream<Uint8Array, Uint8Array>();
 * console.assert((await readZstdRange(source.content, layer, [], { offset: 0, size: 0 }, none)).length === 0);
 * ```
 */
export async function readZstdRange(
  content: ContentProvider,
  layer: Descriptor,
  frames: readonly ZstdFrame[],
  range: { readonly offset: number; readonly size: number },
  decompressor: () => ByteTransform,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const { offset, size } = range;
  const out = new Uint8Array(size);
  if (size === 0) return out;
  const first = frames.findIndex((f) => f.out + f.size > offset);
  let last = first;
  while (last + 1 < frames.length && frames[last + 1].out < offset + size) last++;
  const fail = (found: string) =>
    new InvalidArgumentError(
      `Cannot read ${size} bytes at ${offset} of zstd layer ${layer.digest}: expected frames holding them, found ${found}`,
    );
  if (first < 0 || frames[last].out + frames[last].size < offset + size) {
    throw fail(`${frames.length} frames ending at ${frames.at(-1)?.out ?? 0}`);
  }
  const start = frames[first].offset;
  const end = frames[last].offset + frames[last].length;
  const span = await readBlobRange(content, layer, { offset: start, length: end - start }, {
    signal,
  });
  const reader = new Blob([span as Uint8Array<ArrayBuffer>]).stream().pipeThrough(decompressor())
    .getReader();
  let at = frames[first].out;
  let filled = 0;
  while (filled < size) {
    const { value, done } = await _decode(reader, `zstd layer ${layer.digest}`);
    if (done) throw fail(`${filled} bytes decoded`);
    const lo = Math.max(offset, at);
    const hi = Math.min(offset + size, at + value.length);
    if (hi > lo) {
      out.set(value.subarray(lo - at, hi - at), lo - offset);
      filled += hi - lo;
    }
    at += value.length;
  }
  await reader.cancel();
  return out;
}

/** A decoder's next output; its own failure (fzstd throws a bare `Error`) becomes a typed one. */
async function _decode(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  label: string,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (error) {
    if (error instanceof OciStoreError) throw error;
    throw new InvalidArgumentError(
      `Cannot decode ${label}: expected zstd frames, found bytes the decoder refused (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
}
