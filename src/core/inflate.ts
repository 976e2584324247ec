/** A streaming DEFLATE/gzip inflater (RFC 1951/1952) that records checkpoints and resumes from one. */
import {
  BASE,
  buildHuffman,
  CODE_LENGTH_BITS,
  DISTANCE_BITS,
  END,
  huffmanTable,
  LINK,
  LITERAL,
  LITERAL_BITS,
} from "./_huffman.ts";
import { compressionOf } from "./compression.ts";
import { InvalidArgumentError } from "./errors.ts";

/**
 * Where inflating can start again without the bytes before it: the start of a DEFLATE block, which
 * need not be byte-aligned, and the 32 KiB of output before it that back-references may reach.
 */
export interface InflateCheckpoint {
  /** Offset in bits, into the compressed stream, of the block's first header bit. */
  readonly bit: number;
  /** Offset, into the uncompressed stream, of the block's first output byte. */
  readonly out: number;
  /** The last (up to) 32 KiB of output before `out`. */
  readonly history: Uint8Array;
}

/**
 * A block start without its history: inflating cannot start there, but a read that needs the
 * output before `out` can stop there (nothing of the next block is needed).
 */
export interface InflateMark {
  /** Offset in bits, into the compressed stream, of the block's first header bit. */
  readonly bit: number;
  /** Offset, into the uncompressed stream, of the block's first output byte. */
  readonly out: number;
}

/** How an {@linkcode Inflater} reads its input. */
export interface InflaterOptions {
  /** `"gzip"` (RFC 1952, members one after another) or `"deflate"` (raw RFC 1951). Default gzip. */
  readonly format?: "gzip" | "deflate";
  /** Record a checkpoint at the first block boundary after every this many output bytes (0: none). */
  readonly checkpointEvery?: number;
  /** Record a mark at the first block boundary after every this many output bytes (0: none). */
  readonly markEvery?: number;
  /** Start at this checkpoint: the input then begins at byte `Math.floor(resume.bit / 8)`. */
  readonly resume?: InflateCheckpoint;
}

const _WSIZE = 32768;
const _BUFFER = _WSIZE + (1 << 18);
// A symbol (code, length, distance and their extra bits) reads at most 48 bits; the hot loop
// decodes up to three literal codes and a match between its checks, and reads 3 bytes ahead; a
// block header takes under 300 bytes. Margins past those keep it free of end-of-input checks.
const _SYMBOL_MARGIN = 48;
const _HEADER_MARGIN = 1024;

const _CL_MASK = (1 << CODE_LENGTH_BITS) - 1;
const _LIT_MASK = (1 << LITERAL_BITS) - 1;
const _DIST_MASK = (1 << DISTANCE_BITS) - 1;
const _CL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

// Where the inflater is between pushes.
const _MEMBER = 0;
const _BLOCK = 1;
const _STORED = 2;
const _CODES = 3;
const _TRAILER = 4;

function _corrupt(what: string, at: number): never {
  throw new InvalidArgumentError(`Cannot inflate: expected ${what} at compressed byte ${at}`);
}

let _fixed:
  | { lit: ReturnType<typeof huffmanTable>; dist: ReturnType<typeof huffmanTable> }
  | undefined;
function _fixedTables() {
  if (_fixed) return _fixed;
  const lengths = new Uint8Array(288);
  lengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  const lit = huffmanTable("literal");
  buildHuffman(lit, lengths, 288);
  const dist = huffmanTable("distance");
  buildHuffman(dist, lengths.fill(5, 0, 30), 30);
  return (_fixed = { lit, dist });
}

/**
 * Inflates a gzip or raw DEFLATE stream pushed in chunks, keeping a checkpoint at a block boundary
 * about every `checkpointEvery` output bytes, and can start from such a checkpoint instead of the
 * stream's beginning. gzip members' CRC-32 is not checked (callers verify the compressed bytes by
 * digest, which covers more); their sizes are.
 *
 * @example Inflate gzip bytes made by the platform's CompressionStream
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Inflater } from "@ocistore/ocistore";
 *
 * const text = new TextEncoder().encode("hello, hello, hello");
 * const gz = new Uint8Array(
 *   await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
 * );
 * const inflater = new Inflater();
 * const out = inflater.push(gz, true);
 * assertEquals(new TextDecoder().decode(out[0]), "hello, hello, hello");
 * assertEquals(inflater.done, true);
 * ```
 */
export class Inflater {
  /** Checkpoints recorded so far, in stream order. */
  readonly checkpoints: InflateCheckpoint[] = [];
  /** Marks recorded so far, in stream order (none at a block that got a checkpoint). */
  readonly marks: InflateMark[] = [];
  readonly #gzip: boolean;
  readonly #every: number;
  readonly #markEvery: number;
  #state: number;
  #input: Uint8Array = new Uint8Array(0);
  #pos = 0;
  /** Absolute compressed offset of `#input[0]`. */
  #base = 0;
  #hold = 0;
  #bits = 0;
  #skip = 0;
  readonly #buf = new Uint8Array(_BUFFER);
  #wpos = 0;
  #emitted = 0;
  /** Absolute uncompressed offset of `#buf[0]`. */
  #wbase = 0;
  #lastCheckpoint = -Infinity;
  #lastMark = -Infinity;
  #memberStart = 0;
  #final = false;
  #stored = 0;
  #lit = huffmanTable("literal");
  #dist = huffmanTable("distance");
  #codes = this.#lit;
  #distCodes = this.#dist;
  readonly #lengths = new Uint8Array(320);
  readonly #cl = huffmanTable("code-length");
  /** Whether a member's trailer was read (so the input may end at a member boundary). */
  #memberEnded = false;
  #done = false;

  /**
   * Creates an inflater.
   *
   * @param options The format, the checkpoint spacing and an optional checkpoint to start from.
   */
  constructor(options: InflaterOptions = {}) {
    this.#gzip = (options.format ?? "gzip") === "gzip";
    this.#every = options.checkpointEvery ?? 0;
    this.#markEvery = options.markEvery ?? 0;
    const resume = options.resume;
    this.#state = this.#gzip && !resume ? _MEMBER : _BLOCK;
    if (resume) {
      this.#base = Math.floor(resume.bit / 8);
      this.#skip = resume.bit % 8;
      this.#buf.set(resume.history);
      this.#wpos = this.#emitted = resume.history.length;
      this.#wbase = resume.out - resume.history.length;
      this.#lastCheckpoint = resume.out;
    }
  }

  /** Whether the stream's end was reached (the last member's trailer, or the final raw block). */
  get done(): boolean {
    return this.#done;
  }

  /** Uncompressed bytes produced so far, counted from the stream's start (also after a resume). */
  get out(): number {
    return this.#wbase + this.#wpos;
  }

  /**
   * Feeds compressed bytes and returns the output they complete.
   *
   * @param chunk The next compressed bytes.
   * @param last Whether no more input follows.
   * @returns The new output, in order (views copied out of the history buffer; safe to keep).
   * @throws {InvalidArgumentError} When the stream is corrupt or ends early.
   */
  push(chunk: Uint8Array, last = false): Uint8Array[] {
    // Whole bytes in the bit buffer go back to the input first: a stored block's #align re-reads
    // them from the input, which after the join below no longer holds what came before #pos.
    const back = this.#bits >>> 3;
    if (back > 0) {
      this.#pos -= back;
      this.#bits -= back * 8;
      this.#hold &= (1 << this.#bits) - 1;
    }
    const left = this.#input.length - this.#pos;
    if (left === 0) this.#input = chunk;
    else if (chunk.length > 0) {
      const joined = new Uint8Array(left + chunk.length);
      joined.set(this.#input.subarray(this.#pos));
      joined.set(chunk, left);
      this.#input = joined;
    } else this.#input = this.#input.subarray(this.#pos);
    this.#base += this.#pos;
    this.#pos = 0;
    this.#final = last;
    const out: Uint8Array[] = [];
    if (this.#skip) {
      if (this.#input.length === 0) {
        if (last) _corrupt("a block after the checkpoint", this.#base);
        return out;
      }
      this.#hold = this.#input[0] >>> this.#skip;
      this.#bits = 8 - this.#skip;
      this.#pos = 1;
      this.#skip = 0;
    }
    this.#run(out);
    this.#emit(out);
    if (last && !this.#done) {
      if (this.#state === _MEMBER && this.#memberEnded && this.#atEnd()) {
        this.#done = true;
      } else _corrupt("more compressed data (the stream ended early)", this.#base + this.#pos);
    }
    return out;
  }

  #atEnd(): boolean {
    return this.#pos - (this.#bits >>> 3) >= this.#input.length;
  }

  #emit(out: Uint8Array[]): void {
    if (this.#wpos > this.#emitted) out.push(this.#buf.slice(this.#emitted, this.#wpos));
    this.#emitted = this.#wpos;
  }

  /** Makes room for at least 258 bytes, keeping the last 32 KiB for back-references. */
  #slide(out: Uint8Array[]): void {
    this.#emit(out);
    const keep = Math.min(this.#wpos, _WSIZE);
    this.#buf.copyWithin(0, this.#wpos - keep, this.#wpos);
    this.#wbase += this.#wpos - keep;
    this.#wpos = this.#emitted = keep;
  }

  #available(): number {
    return this.#input.length - this.#pos + (this.#bits >>> 3);
  }

  /** Returns the bit buffer's whole bytes to the input, to read byte-aligned fields. */
  #align(): void {
    this.#hold = 0;
    this.#pos -= this.#bits >>> 3;
    this.#bits = 0;
  }

  #need(n: number): void {
    while (this.#bits < n) {
      if (this.#pos >= this.#input.length) _corrupt("more compressed data", this.#base + this.#pos);
      this.#hold |= this.#input[this.#pos++] << this.#bits;
      this.#bits += 8;
    }
  }

  #take(n: number): number {
    this.#need(n);
    const v = this.#hold & ((1 << n) - 1);
    this.#hold >>>= n;
    this.#bits -= n;
    return v;
  }

  #run(out: Uint8Array[]): void {
    for (;;) {
      switch (this.#state) {
        case _MEMBER:
          if (!this.#member()) return;
          break;
        case _BLOCK:
          if (!this.#block()) return;
          break;
        case _STORED:
          if (!this.#copyStored(out)) return;
          break;
        case _CODES:
          if (!this.#decode(out)) return;
          break;
        case _TRAILER:
          if (!this.#trailer()) return;
          break;
      }
      if (this.#done) return;
    }
  }

  /** Parses a gzip member header (RFC 1952 §2.3) once all of it is buffered. */
  #member(): boolean {
    this.#align();
    const input = this.#input;
    let p = this.#pos;
    if (p >= input.length) return false;
    if (input.length - p < 10) {
      if (this.#final) _corrupt("a 10-byte gzip header", this.#base + p);
      return false;
    }
    if (compressionOf(input.subarray(p, p + 4)) !== "gzip") {
      _corrupt("the gzip magic 1f 8b", this.#base + p);
    }
    if (input[p + 2] !== 8) _corrupt("gzip compression method 8 (deflate)", this.#base + p + 2);
    const flags = input[p + 3];
    p += 10;
    const more = () => {
      if (this.#final) _corrupt("the rest of the gzip header", this.#base + p);
      return false;
    };
    if (flags & 4) {
      if (input.length - p < 2) return more();
      const xlen = input[p] | (input[p + 1] << 8);
      if (input.length - p < 2 + xlen) return more();
      p += 2 + xlen;
    }
    for (const bit of [8, 16]) {
      if (!(flags & bit)) continue;
      const zero = input.indexOf(0, p);
      if (zero < 0) return more();
      p = zero + 1;
    }
    if (flags & 2) {
      if (input.length - p < 2) return more();
      p += 2;
    }
    this.#pos = p;
    this.#memberStart = this.out + 1;
    this.#memberEnded = false;
    this.#state = _BLOCK;
    return true;
  }

  #trailer(): boolean {
    this.#align();
    const input = this.#input;
    const p = this.#pos;
    if (input.length - p < 8) {
      if (this.#final) _corrupt("an 8-byte gzip trailer", this.#base + p);
      return false;
    }
    const isize =
      (input[p + 4] | (input[p + 5] << 8) | (input[p + 6] << 16) | (input[p + 7] << 24)) >>> 0;
    // After a resume the member's start is unknown, so its size cannot be checked.
    if (this.#memberStart > 0 && isize !== ((this.out - this.#memberStart + 1) % 2 ** 32)) {
      _corrupt(
        `a member of ${(this.out - this.#memberStart + 1) % 2 ** 32} bytes, found ISIZE ${isize},`,
        p,
      );
    }
    this.#pos = p + 8;
    this.#state = _MEMBER;
    this.#memberEnded = true;
    if (this.#final && this.#pos >= input.length) this.#done = true;
    return true;
  }

  /** Reads a block header; records a checkpoint or a mark first when one is due. */
  #block(): boolean {
    if (!this.#final && this.#available() < _HEADER_MARGIN) return false;
    const out = this.out;
    if (this.#every > 0 && out - this.#lastCheckpoint >= this.#every) {
      this.#lastCheckpoint = this.#lastMark = out;
      const start = Math.max(0, this.#wpos - _WSIZE);
      this.checkpoints.push({
        bit: (this.#base + this.#pos) * 8 - this.#bits,
        out,
        history: this.#buf.slice(start, this.#wpos),
      });
    } else if (this.#markEvery > 0 && out - this.#lastMark >= this.#markEvery) {
      this.#lastMark = out;
      this.marks.push({ bit: (this.#base + this.#pos) * 8 - this.#bits, out });
    }
    const header = this.#take(3);
    this.#lastBlock = (header & 1) === 1;
    const type = header >>> 1;
    if (type === 0) {
      this.#align();
      const input = this.#input;
      const p = this.#pos;
      if (input.length - p < 4) _corrupt("a stored block's length", this.#base + p);
      const len = input[p] | (input[p + 1] << 8);
      const nlen = input[p + 2] | (input[p + 3] << 8);
      if ((len ^ 0xffff) !== nlen) {
        _corrupt("a stored block's length and its complement", this.#base + p);
      }
      this.#pos = p + 4;
      this.#stored = len;
      this.#state = _STORED;
    } else if (type === 1) {
      const fixed = _fixedTables();
      this.#codes = fixed.lit;
      this.#distCodes = fixed.dist;
      this.#state = _CODES;
    } else if (type === 2) {
      this.#dynamicTables();
      this.#codes = this.#lit;
      this.#distCodes = this.#dist;
      this.#state = _CODES;
    } else _corrupt("block type 0, 1 or 2, found 3,", this.#base + this.#pos);
    return true;
  }

  #lastBlock = false;

  #endBlock(): void {
    if (!this.#lastBlock) this.#state = _BLOCK;
    else if (this.#gzip) this.#state = _TRAILER;
    else {
      this.#align();
      this.#done = true;
    }
  }

  /** Reads a dynamic block's code lengths (RFC 1951 §3.2.7) and builds its two tables. */
  #dynamicTables(): void {
    const nlen = this.#take(5) + 257;
    const ndist = this.#take(5) + 1;
    const ncode = this.#take(4) + 4;
    if (nlen > 286 || ndist > 30) {
      _corrupt("at most 286 length and 30 distance codes", this.#base + this.#pos);
    }
    const lengths = this.#lengths;
    lengths.fill(0, 0, 19);
    for (let i = 0; i < ncode; i++) lengths[_CL_ORDER[i]] = this.#take(3);
    const cl = this.#cl;
    buildHuffman(cl, lengths, 19);
    const clEntries = cl.entries;
    let i = 0;
    while (i < nlen + ndist) {
      this.#need(Math.min(15, this.#bits + 8 * (this.#input.length - this.#pos)));
      const e = clEntries[this.#hold & _CL_MASK];
      if (e === 0) _corrupt("a valid code-length code", this.#base + this.#pos);
      // At the input's end the bit buffer may hold fewer bits than the code needs.
      if ((e & 15) > this.#bits) _corrupt("more compressed data", this.#base + this.#pos);
      this.#hold >>>= e & 15;
      this.#bits -= e & 15;
      const sym = e >>> 16;
      if (sym < 16) lengths[i++] = sym;
      else {
        let repeat: number;
        let value = 0;
        if (sym === 16) {
          if (i === 0) _corrupt("a previous length to repeat", this.#base + this.#pos);
          value = lengths[i - 1];
          repeat = 3 + this.#take(2);
        } else if (sym === 17) repeat = 3 + this.#take(3);
        else repeat = 11 + this.#take(7);
        if (i + repeat > nlen + ndist) {
          _corrupt("code lengths within the table", this.#base + this.#pos);
        }
        lengths.fill(value, i, i + repeat);
        i += repeat;
      }
    }
    if (lengths[256] === 0) _corrupt("a code for end-of-block", this.#base + this.#pos);
    buildHuffman(this.#lit, lengths, nlen);
    buildHuffman(this.#dist, lengths.subarray(nlen), ndist);
  }

  #copyStored(out: Uint8Array[]): boolean {
    while (this.#stored > 0) {
      const input = this.#input;
      const have = input.length - this.#pos;
      if (have === 0) {
        if (this.#final) _corrupt("the rest of a stored block", this.#base + this.#pos);
        return false;
      }
      if (this.#wpos === _BUFFER) this.#slide(out);
      const n = Math.min(this.#stored, have, _BUFFER - this.#wpos);
      this.#buf.set(input.subarray(this.#pos, this.#pos + n), this.#wpos);
      this.#wpos += n;
      this.#pos += n;
      this.#stored -= n;
    }
    this.#endBlock();
    return true;
  }

  /**
   * The hot loop: literals and matches until the block ends or input runs short. One table entry
   * says what a code is (no per-symbol calls or side tables); the bit buffer holds 15 to 30 bits
   * after a refill, which covers any code, and a length's or distance's extra bits.
   */
  #decode(out: Uint8Array[]): boolean {
    const input = this.#input;
    const buf = this.#buf;
    const lit = this.#codes.entries;
    const dist = this.#distCodes.entries;
    const end = this.#final ? input.length + _SYMBOL_MARGIN : input.length - _SYMBOL_MARGIN;
    const limit = _BUFFER - 258 - 6;
    let hold = this.#hold;
    let bits = this.#bits;
    let pos = this.#pos;
    let wpos = this.#wpos;
    let ended = false;
    while (pos < end) {
      if (wpos > limit) {
        this.#wpos = wpos;
        this.#slide(out);
        wpos = this.#wpos;
      }
      // Branchless refill to 24-31 bits: bits above the count are the stream's next bits, so
      // OR-ing the same bytes in again next time leaves them as they are.
      hold |= ((input[pos] | 0) | ((input[pos + 1] | 0) << 8) | ((input[pos + 2] | 0) << 16)) <<
        bits;
      pos += (31 - bits) >>> 3;
      bits |= 24;
      let e = lit[hold & _LIT_MASK];
      if ((e & LINK) !== 0) {
        e = lit[(e >>> 16) + ((hold >>> LITERAL_BITS) & ((1 << ((e >>> 4) & 15)) - 1))];
      }
      hold >>>= e & 15;
      bits -= e & 15;
      if ((e & LITERAL) !== 0) {
        // One literal or two (PAIR); writing the second byte either way costs less than a branch.
        buf[wpos] = e >>> 16;
        buf[wpos + 1] = e >>> 24;
        wpos += 1 + ((e >>> 12) & 1);
        // Literals come in runs: up to two more codes are decoded here, without the loop's checks
        // (the margins cover them). Written out: Node's V8 ran a bounded inner loop 15-30% slower.
        hold |= ((input[pos] | 0) | ((input[pos + 1] | 0) << 8) | ((input[pos + 2] | 0) << 16)) <<
          bits;
        pos += (31 - bits) >>> 3;
        bits |= 24;
        e = lit[hold & _LIT_MASK];
        if ((e & LINK) !== 0) {
          e = lit[(e >>> 16) + ((hold >>> LITERAL_BITS) & ((1 << ((e >>> 4) & 15)) - 1))];
        }
        hold >>>= e & 15;
        bits -= e & 15;
        if ((e & LITERAL) !== 0) {
          buf[wpos] = e >>> 16;
          buf[wpos + 1] = e >>> 24;
          wpos += 1 + ((e >>> 12) & 1);
          hold |= ((input[pos] | 0) | ((input[pos + 1] | 0) << 8) | ((input[pos + 2] | 0) << 16)) <<
            bits;
          pos += (31 - bits) >>> 3;
          bits |= 24;
          e = lit[hold & _LIT_MASK];
          if ((e & LINK) !== 0) {
            e = lit[(e >>> 16) + ((hold >>> LITERAL_BITS) & ((1 << ((e >>> 4) & 15)) - 1))];
          }
          hold >>>= e & 15;
          bits -= e & 15;
          if ((e & LITERAL) !== 0) {
            buf[wpos] = e >>> 16;
            buf[wpos + 1] = e >>> 24;
            wpos += 1 + ((e >>> 12) & 1);
            continue;
          }
        }
      }
      if ((e & BASE) === 0) {
        if ((e & END) !== 0) {
          ended = true;
          break;
        }
        _corrupt("a valid literal/length code", this.#base + pos);
      }
      let length = e >>> 16;
      const lx = (e >>> 4) & 15;
      if (lx !== 0) {
        length += hold & ((1 << lx) - 1);
        hold >>>= lx;
        bits -= lx;
      }
      hold |= ((input[pos] | 0) | ((input[pos + 1] | 0) << 8) | ((input[pos + 2] | 0) << 16)) <<
        bits;
      pos += (31 - bits) >>> 3;
      bits |= 24;
      e = dist[hold & _DIST_MASK];
      if ((e & LINK) !== 0) {
        e = dist[(e >>> 16) + ((hold >>> DISTANCE_BITS) & ((1 << ((e >>> 4) & 15)) - 1))];
      }
      if ((e & BASE) === 0) _corrupt("a valid distance code", this.#base + pos);
      hold >>>= e & 15;
      bits -= e & 15;
      let distance = e >>> 16;
      const dx = (e >>> 4) & 15;
      if (dx !== 0) {
        if (bits < dx) {
          hold |= ((input[pos] | 0) | ((input[pos + 1] | 0) << 8) | ((input[pos + 2] | 0) << 16)) <<
            bits;
          pos += (31 - bits) >>> 3;
          bits |= 24;
        }
        distance += hold & ((1 << dx) - 1);
        hold >>>= dx;
        bits -= dx;
      }
      if (distance > wpos) {
        _corrupt(`a distance within the ${wpos} bytes of history`, this.#base + pos);
      }
      let from = wpos - distance;
      if (length >= 32 && distance >= length) {
        buf.copyWithin(wpos, from, from + length);
        wpos += length;
      } else {
        // Short or overlapping: a loop beats a call, and each byte may be one this match just wrote.
        const stop = wpos + length;
        while (wpos < stop) buf[wpos++] = buf[from++];
      }
    }
    this.#hold = hold;
    this.#bits = bits;
    this.#pos = pos;
    this.#wpos = wpos;
    if (pos - (bits >>> 3) > input.length) {
      _corrupt("more compressed data", this.#base + input.length);
    }
    if (ended) {
      this.#endBlock();
      return true;
    }
    return false;
  }
}
