/** Canonical Huffman decoding tables for DEFLATE (RFC 1951 §3.2.2): a fast table and a slow path. */
import { InvalidArgumentError } from "./errors.ts";

/** Bits looked up at once; longer codes (rare) take the bit-by-bit path. */
export const FAST_BITS: number = 10;
/** Mask of the fast-table index. */
export const FAST_MASK: number = (1 << FAST_BITS) - 1;

/**
 * One code: `fast[hold & FAST_MASK]` is `(symbol << 4) | length`, or 0 when the code is longer than
 * `FAST_BITS` (or unused) and `count`/`symbol` must be walked as RFC 1951 describes.
 */
export interface HuffmanTable {
  readonly fast: Int32Array;
  readonly count: Uint16Array;
  readonly symbol: Uint16Array;
}

/** Allocates an empty table for up to `symbols` symbols. */
export function huffmanTable(symbols: number): HuffmanTable {
  return {
    fast: new Int32Array(1 << FAST_BITS),
    count: new Uint16Array(16),
    symbol: new Uint16Array(symbols),
  };
}

const _next = new Uint16Array(16);

/** Fills `table` from code lengths `lengths[0..n)`; rejects an over-subscribed set. */
export function buildHuffman(table: HuffmanTable, lengths: Uint8Array, n: number): void {
  const { fast, count, symbol } = table;
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
  // Symbols sorted by length, then by value (the canonical order).
  _next[1] = 0;
  for (let len = 1; len < 15; len++) _next[len + 1] = _next[len] + count[len];
  for (let s = 0; s < n; s++) if (lengths[s]) symbol[_next[lengths[s]]++] = s;
  fast.fill(0);
  let code = 0;
  for (let len = 1; len < 16; len++) {
    code = (code + count[len - 1]) << 1;
    _next[len] = code;
  }
  for (let s = 0; s < n; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    const c = _next[len]++;
    if (len > FAST_BITS) continue;
    // Codes are packed most significant bit first, but the stream is read least significant first.
    let rev = 0;
    for (let i = 0; i < len; i++) rev |= ((c >>> i) & 1) << (len - 1 - i);
    const entry = (s << 4) | len;
    for (let j = rev; j <= FAST_MASK; j += 1 << len) fast[j] = entry;
  }
}

/**
 * Decodes one symbol bit by bit from `hold` (at least 15 valid bits). Returns
 * `(symbol << 4) | length`, or -1 for a code the table does not hold.
 */
export function slowDecode(table: HuffmanTable, hold: number): number {
  const { count, symbol } = table;
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len < 16; len++) {
    code |= (hold >>> (len - 1)) & 1;
    const n = count[len];
    if (code - n < first) return (symbol[index + code - first] << 4) | len;
    index += n;
    first = (first + n) << 1;
    code <<= 1;
  }
  return -1;
}
