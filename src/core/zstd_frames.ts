/**
 * zstd frames as a seek index sees them (RFC 8878, section 3.1): each frame is compressed on its
 * own, with no window carried over, so a run of frames is decoded without the bytes before it.
 * Inside a frame nothing can be skipped to; a layer of one frame (what `zstd` and skopeo write by
 * default) is seekable only as a whole. The walker finds frame boundaries from headers alone (no
 * decoding); the seekable format's seek table (facebook/zstd contrib/seekable_format) names them
 * at the end of the blob.
 */
import { InvalidArgumentError } from "./errors.ts";

/** One zstd frame of a layer that holds data (skippable frames are not listed). */
export interface ZstdFrame {
  /** Where the frame starts in the blob. */
  readonly offset: number;
  /** Its compressed length, header and checksum included. */
  readonly length: number;
  /** Where its content starts in the decompressed stream. */
  readonly out: number;
  /** Its decompressed size. */
  readonly size: number;
}

/** A frame the walker has passed: where it is, and what its header said. */
export interface ZstdFrameSpan {
  /** Where the frame starts in the input. */
  readonly offset: number;
  /** Its length in bytes. */
  readonly length: number;
  /** `data` for a zstd frame, `skippable` for a skippable one (magic 0x184D2A5?). */
  readonly kind: "data" | "skippable";
  /** The header's `Frame_Content_Size`, when it has one. */
  readonly contentSize?: number;
}

const _MAGIC = 0xfd2fb528;
const _SKIPPABLE = 0x184d2a50;
const _SEEKABLE_MAGIC = 0x8f92eab1;
const _SEEK_TABLE_FRAME = 0x184d2a5e;
/** The seek table footer's size: frame count, descriptor, seekable magic. */
export const ZSTD_SEEK_FOOTER_SIZE = 9;
// A block is at most 128 KiB (Block_Maximum_Size): a bigger one means the walk is off the rails.
const _MAX_BLOCK = 128 * 1024;

type _Step = "magic" | "descriptor" | "header" | "skippable" | "block" | "end";

/**
 * Walks zstd frames from their headers, chunk by chunk: each {@link ZstdFrameWalker.push} takes
 * bytes up to the end of the current frame and says when one ended, so a caller can hand each
 * frame to a fresh decoder.
 *
 * @example
 * ```ts
 * import { ZstdFrameWalker } from "./zstd_frames.ts";
 * import { assertEquals } from "@std/assert";
 * // A frame of one empty raw block (last), no checksum, single segment, content size 0.
 * const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0, 1, 0, 0]);
 * const walker = new ZstdFrameWalker("example");
 * assertEquals(walker.push(frame), { used: 9, frame: { offset: 0, length: 9, kind: "data", contentSize: 0 } });
 * walker.finish();
 * ```
 */
export class ZstdFrameWalker {
  readonly #label: string;
  #at = 0;
  #start = 0;
  #head: number[] = [];
  #need = 4;
  #step: _Step = "magic";
  #skip = 0;
  #checksum = false;
  #kind: ZstdFrameSpan["kind"] | undefined;
  #contentSize: number | undefined;

  /** @param label What the bytes are, for error messages. */
  constructor(label: string) {
    this.#label = label;
  }

  /** The current frame's kind, once its magic number is read. */
  get kind(): ZstdFrameSpan["kind"] | undefined {
    return this.#kind;
  }

  /**
   * Takes bytes of `chunk` up to the end of the current frame.
   *
   * @param chunk The next input bytes.
   * @returns How many it used (all of them unless a frame ended inside), and the frame that ended.
   * @throws {InvalidArgumentError} When the bytes are not zstd frames.
   */
  push(chunk: Uint8Array): { used: number; frame?: ZstdFrameSpan } {
    let i = 0;
    for (;;) {
      if (this.#step === "end" && this.#skip === 0) return { used: i, frame: this.#ended() };
      if (i === chunk.length) return { used: i };
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        this.#at += n;
        i += n;
        continue;
      }
      this.#head.push(chunk[i++]);
      this.#at++;
      if (this.#head.length === this.#need) this.#header();
    }
  }

  /**
   * Ends the input.
   *
   * @throws {InvalidArgumentError} When it ends inside a frame.
   */
  finish(): void {
    if (this.#step !== "magic" || this.#head.length > 0) {
      throw this.#fail(`the frame at ${this.#start} to end, found the input's end at ${this.#at}`);
    }
  }

  #header(): void {
    const head = this.#head;
    const u32 = (at: number) =>
      (head[at] | head[at + 1] << 8 | head[at + 2] << 16 | head[at + 3] << 24) >>> 0;
    switch (this.#step) {
      case "magic": {
        const magic = u32(0);
        if (magic === _MAGIC) {
          this.#kind = "data";
          return this.#next("descriptor", 5, false);
        }
        if ((magic & 0xfffffff0) >>> 0 === _SKIPPABLE) {
          this.#kind = "skippable";
          return this.#next("skippable", 8, false);
        }
        throw this.#fail(
          `a zstd frame's magic number at ${this.#start}, found 0x${magic.toString(16)}`,
        );
      }
      case "skippable":
        this.#skip = u32(4);
        this.#step = "end";
        return;
      case "descriptor": {
        const d = head[4];
        if (d & 8) throw this.#fail(`the reserved bit clear at ${this.#start + 4}`);
        const single = (d >> 5) & 1;
        const size = 5 + (single ? 0 : 1) + [0, 1, 2, 4][d & 3] + this.#fcsSize(d);
        return size === 5 ? this.#frameHeader() : this.#next("header", size, false);
      }
      case "header":
        return this.#frameHeader();
      case "block": {
        const h = head[0] | head[1] << 8 | head[2] << 16;
        const type = (h >> 1) & 3;
        const size = h >>> 3;
        if (type === 3 || size > _MAX_BLOCK) {
          throw this.#fail(
            `a block header at ${this.#at - 3}, found type ${type} of ${size} bytes`,
          );
        }
        this.#skip = type === 1 ? 1 : size;
        if (h & 1) {
          this.#skip += this.#checksum ? 4 : 0;
          this.#step = "end";
        } else this.#head = [];
        return;
      }
    }
  }

  #fcsSize(d: number): number {
    const flag = d >> 6;
    return flag === 0 ? (d >> 5) & 1 : 1 << flag;
  }

  #frameHeader(): void {
    const head = this.#head;
    const d = head[4];
    this.#checksum = (d & 4) !== 0;
    const fcs = this.#fcsSize(d);
    let value = 0;
    for (let k = fcs - 1; k >= 0; k--) value = value * 256 + head[head.length - fcs + k];
    // A 2-byte size is stored minus 256 (sizes under 256 fit one byte).
    this.#contentSize = fcs === 0 ? undefined : fcs === 2 ? value + 256 : value;
    this.#next("block", 3, true);
  }

  #next(step: _Step, need: number, clear: boolean): void {
    this.#step = step;
    this.#need = need;
    if (clear) this.#head = [];
  }

  #ended(): ZstdFrameSpan {
    const frame: ZstdFrameSpan = {
      offset: this.#start,
      length: this.#at - this.#start,
      kind: this.#kind!,
      ...(this.#contentSize !== undefined ? { contentSize: this.#contentSize } : {}),
    };
    this.#start = this.#at;
    this.#head = [];
    this.#kind = undefined;
    this.#contentSize = undefined;
    this.#next("magic", 4, true);
    return frame;
  }

  #fail(expected: string): InvalidArgumentError {
    return new InvalidArgumentError(
      `Cannot read the zstd frames of ${this.#label}: expected ${expected}`,
    );
  }
}

/** A seekable-format seek table, as {@link readZstdSeekTable} reads it. */
export interface ZstdSeekTable {
  /** Where the table's skippable frame starts (the frames end there). */
  readonly offset: number;
  /** Every frame before it, skippable ones included (`size` 0), in order. */
  readonly frames: readonly ZstdFrame[];
}

/**
 * The seek table a seekable zstd blob ends with, from its last bytes: `undefined` when the blob
 * does not end with the seekable magic number. A table that has the magic but whose skippable
 * frame, reserved bits or frame sizes do not add up is an error, never a guess.
 *
 * @param tail The blob's last bytes (at least the whole table frame, or it is an error).
 * @param size The blob's size.
 * @param label What the blob is, for error messages.
 * @returns The table, or `undefined`.
 * @throws {InvalidArgumentError} When the table is malformed or `tail` does not hold it.
 * @example
 * ```ts
 * import { readZstdSeekTable, zstdSeekTableLength } from "./zstd_frames.ts";
 * // A seek table of no frames: skippable magic, frame size 9, count 0, descriptor 0, seekable magic.
 * const table = new Uint8Array([0x5e, 0x2a, 0x4d, 0x18, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0xb1, 0xea, 0x92, 0x8f]);
 * console.assert(zstdSeekTableLength(table) === 17);
 * console.assert(readZstdSeekTable(table, 17, "example")?.frames.length === 0);
 * ```
 */
export function readZstdSeekTable(
  tail: Uint8Array,
  size: number,
  label: string,
): ZstdSeekTable | undefined {
  const length = zstdSeekTableLength(tail);
  if (length === undefined) return undefined;
  const fail = (problem: string) =>
    new InvalidArgumentError(`Cannot read the zstd seek table of ${label}: ${problem}`);
  if (length > size || length > tail.length) {
    throw fail(`expected its ${length} bytes within the ${Math.min(size, tail.length)} read`);
  }
  const view = new DataView(tail.buffer, tail.byteOffset + tail.length - length, length);
  const count = view.getUint32(length - 9, true);
  const entry = view.getUint8(length - 5) & 0x80 ? 12 : 8;
  if (view.getUint32(0, true) !== _SEEK_TABLE_FRAME) {
    throw fail(`expected the skippable magic 0x184d2a5e ${length} bytes before the end`);
  }
  if (view.getUint32(4, true) !== length - 8) {
    throw fail(`expected a frame size of ${length - 8}, found ${view.getUint32(4, true)}`);
  }
  const frames: ZstdFrame[] = [];
  let offset = 0;
  let out = 0;
  for (let k = 0; k < count; k++) {
    const compressed = view.getUint32(8 + k * entry, true);
    const decompressed = view.getUint32(12 + k * entry, true);
    frames.push({ offset, length: compressed, out, size: decompressed });
    offset += compressed;
    out += decompressed;
  }
  if (offset !== size - length) {
    throw fail(`expected frames of ${size - length} bytes before it, found ${offset}`);
  }
  return { offset, frames };
}

/**
 * The length of the seek table frame that `tail` ends with (from its footer), or `undefined` when
 * it does not end with the seekable magic number.
 *
 * @param tail At least the blob's last 9 bytes.
 * @returns The table frame's length in bytes.
 * @throws {InvalidArgumentError} When the footer's reserved bits are set.
 * @example
 * ```ts
 * import { zstdSeekTableLength } from "./zstd_frames.ts";
 * console.assert(zstdSeekTableLength(new Uint8Array(9)) === undefined);
 * ```
 */
export function zstdSeekTableLength(tail: Uint8Array): number | undefined {
  if (tail.length < ZSTD_SEEK_FOOTER_SIZE) return undefined;
  const view = new DataView(tail.buffer, tail.byteOffset + tail.length - 9, 9);
  if (view.getUint32(5, true) !== _SEEKABLE_MAGIC) return undefined;
  const descriptor = view.getUint8(4);
  if (descriptor & 0x7c) {
    throw new InvalidArgumentError(
      `Cannot read a zstd seek table: expected its reserved bits clear, found descriptor 0x${
        descriptor.toString(16)
      }`,
    );
  }
  return 8 + view.getUint32(0, true) * (descriptor & 0x80 ? 12 : 8) + ZSTD_SEEK_FOOTER_SIZE;
}
