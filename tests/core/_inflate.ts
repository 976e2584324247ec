/** What the inflater tests share: joining chunks, and inflating bytes pushed in pieces. */
import { assert } from "@std/assert";
import { Inflater } from "../../src/core/inflate.ts";

/** The chunks, one after another, in one array. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Inflates `bytes` pushed in pieces of `piece` bytes, and checks the stream ended. */
export function inflate(
  bytes: Uint8Array,
  piece: number,
  inflater: Inflater = new Inflater(),
): Uint8Array {
  const out: Uint8Array[] = [];
  if (bytes.length === 0) out.push(...inflater.push(bytes, true));
  for (let at = 0; at < bytes.length; at += piece) {
    out.push(...inflater.push(bytes.subarray(at, at + piece), at + piece >= bytes.length));
  }
  assert(inflater.done);
  return concat(out);
}
