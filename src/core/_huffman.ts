/**
 * Canonical Huffman decoding tables for DEFLATE (RFC 1951 §3.2.2), zlib inflate_fast style: one
 * Int32 entry says what a code means (a literal, a length or distance base with its extra-bit
 * count, end-of-block, or a link to a second-level table for codes longer than the root).
 */
import { InvalidArgumentError } from "./errors.ts";

// An entry: bits 0-3 the code's length, 4-7 extra bits (or a link's index bits), 8-12 what it is,
// 16-31 its value (literal bytes, a base, or a link's offset). 0 is an invalid code.
/** A literal: the byte is `entry >>> 16 & 255`. */
export const LITERAL: number = 0x100;
/** A length or distance: the base is `entry >>> 16`, the extra bits `entry >>> 4 & 15`. */
export const BASE: number = 0x200;
/** End of block. */
export const END: number = 0x400;
/** A longer code: look up `entry >>> 16 + (next index bits)` in the same table. */
export const LINK: number = 0x800;
/** A literal entry holding a second literal, `entry >>> 24`; the length covers both codes. */
export const PAIR: number = 0x1000;

/** Root bits of the literal/length table: short codes (and pairs of them) in one lookup. */
export const LITERAL_BITS: number = 11;
/** Root bits of the distance table. */
export const DISTANCE_BITS: number = 10;
/** Root bits of the code-length table: its codes are at most 7 bits, so it has no links. */
export const CODE_LENGTH_BITS: number = 7;

const _LEN_BASE = [
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
];
const _LEN_EXTRA = [
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
];
const _DIST_BASE = [
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
];

/** What each symbol of a kind of table decodes to, without its code length. */
const _LITERAL_MEANING = Int32Array.from(
  { length: 288 },
  (_, s) =>
    s < 256
      ? (s << 16) | LITERAL
      : s === 256
      ? END
      : s < 286
      ? (_LEN_BASE[s - 257] << 16) | (_LEN_EXTRA[s - 257] << 4) | BASE
      : 0,
);
const _DISTANCE_MEANING = Int32Array.from(
  { length: 32 },
  (_, s) => s < 30 ? (_DIST_BASE[s] << 16) | ((s < 4 ? 0 : (s >>> 1) - 1) << 4) | BASE : 0,
);
const _CODE_LENGTH_MEANING = Int32Array.from({ length: 19 }, (_, s) => (s << 16) | LITERAL);

/** A decoding table: `entries[hold & (2 ** root - 1)]`, then a link's second level if any. */
export interface HuffmanTable {
  readonly entries: Int32Array;
  readonly root: number;
  readonly meaning: Int32Array;
}

/** Allocates a table for the literal/length, distance or code-length alphabet. */
export function huffmanTable(kind: "literal" | "distance" | "code-length"): HuffmanTable {
  const root = kind === "literal"
    ? LITERAL_BITS
    : kind === "distance"
    ? DISTANCE_BITS
    : CODE_LENGTH_BITS;
  const meaning = kind === "literal"
    ? _LITERAL_MEANING
    : kind === "distance"
    ? _DISTANCE_MEANING
    : _CODE_LENGTH_MEANING;
  // Second-level tables: at most one per long symbol, each of at most 2 ** (15 - root) entries.
  const size = (1 << root) + (kind === "code-length" ? 0 : meaning.length << (15 - root));
  return { entries: new Int32Array(size), root, meaning };
}

const _count = new Uint16Array(16);
const _next = new Uint16Array(16);
const _reversed = new Uint16Array(288);
const _depth = new Uint8Array(1 << LITERAL_BITS);
const _link = new Uint16Array(1 << LITERAL_BITS);

/** Fills `table` from code lengths `lengths[0..n)`; rejects an over-subscribed set. */
export function buildHuffman(table: HuffmanTable, lengths: Uint8Array, n: number): void {
  const { entries, root, meaning } = table;
  const count = _count;
  count.fill(0);
  for (let i = 0; i < n; i++) count[lengths[i]]++;
  count[0] = 0;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = (left << 1) - count[len];
    if (left < 0) {
      throw new InvalidArgumentError(
        `Cannot inflate: expected a valid Huffman code, found an over-subscribed set of ${n} lengths`,
      );
    }
  }
  let code = 0;
  for (let len = 1; len < 16; len++) {
    code = (code + count[len - 1]) << 1;
    _next[len] = code;
  }
  const size = 1 << root;
  entries.fill(0, 0, size);
  let long = 0;
  for (let s = 0; s < n; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    const c = _next[len]++;
    // Codes are packed most significant bit first, but the stream is read least significant first.
    let rev = 0;
    for (let i = 0; i < len; i++) rev |= ((c >>> i) & 1) << (len - 1 - i);
    _reversed[s] = rev;
    if (len > root) {
      const prefix = rev & (size - 1);
      if (long === 0) _depth.fill(0, 0, size);
      long++;
      if (len - root > _depth[prefix]) _depth[prefix] = len - root;
      continue;
    }
    const entry = meaning[s] | len;
    for (let j = rev; j < size; j += 1 << len) entries[j] = entry;
  }
  if (long > 0) {
    // Second level: one table per root prefix of long codes, as deep as its longest code.
    let offset = size;
    for (let s = 0; s < n; s++) {
      if (lengths[s] <= root) continue;
      const prefix = _reversed[s] & (size - 1);
      if (entries[prefix] === 0) {
        const depth = _depth[prefix];
        entries[prefix] = (offset << 16) | (depth << 4) | LINK;
        _link[prefix] = offset;
        entries.fill(0, offset, offset + (1 << depth));
        offset += 1 << depth;
      }
    }
    for (let s = 0; s < n; s++) {
      const len = lengths[s];
      if (len <= root) continue;
      const rev = _reversed[s];
      const prefix = rev & (size - 1);
      const start = _link[prefix];
      const depth = _depth[prefix];
      const entry = meaning[s] | len;
      for (let j = rev >>> root; j < 1 << depth; j += 1 << (len - root)) entries[start + j] = entry;
    }
  }
  if (meaning === _LITERAL_MEANING) _pairLiterals(entries, root);
}

/**
 * Where a short literal code is followed, within the root bits, by another literal's code, the
 * entry takes both: text-like data is mostly literals of 4 to 7 bits, so one lookup writes two.
 */
function _pairLiterals(entries: Int32Array, root: number): void {
  // Downwards: `i >>> first` is below `i` (or is `i` itself when 0), so still holds one literal.
  for (let i = (1 << root) - 1; i >= 0; i--) {
    const e = entries[i];
    if ((e & LITERAL) === 0) continue;
    const first = e & 15;
    if (first >= root) continue;
    const next = entries[i >>> first];
    if ((next & LITERAL) === 0 || (next & 15) > root - first) continue;
    entries[i] = ((next >>> 16) << 24) | (e & 0xff0000) | PAIR | LITERAL | (first + (next & 15));
  }
}
