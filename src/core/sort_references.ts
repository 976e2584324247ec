/** Docker's order for the references of one image (distribution/reference `Sort`). */
import { OciStoreError } from "./errors.ts";
import { parseAnyReference } from "./normalize.ts";
import { formatReference, type Reference } from "./reference.ts";

function _rank(ref: Reference): number {
  if (ref.path === "") return 5;
  if (ref.tag !== undefined) return ref.digest !== undefined ? 1 : 2;
  return ref.digest !== undefined ? 3 : 4;
}

// Go compares strings bytewise (UTF-8), which is code point order; JavaScript's `<` compares
// UTF-16 code units, which puts U+E000..U+FFFF after the astral planes. Swap those two bands.
function _codeUnitKey(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

function _compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return _codeUnitKey(x) - _codeUnitKey(y);
  }
  return a.length - b.length;
}

/**
 * Sorts image references the way containerd merges an image's names: each is parsed with
 * {@linkcode parseAnyReference} and printed normalized; named+tagged+digested first, then
 * named+tagged, named+digested, name only, digest only, each group in byte order; the strings
 * that do not parse come last, unchanged, in byte order. Duplicates are kept.
 *
 * @param refs The references.
 * @returns A new array in that order.
 *
 * @example
 * ```ts
 * import { sortReferences } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const id = "e".repeat(64);
 * assertEquals(sortReferences(["not a ref!", id, "busybox@sha256:" + id, "busybox:1.36"]), [
 *   "docker.io/library/busybox:1.36",
 *   "docker.io/library/busybox@sha256:" + id,
 *   "sha256:" + id,
 *   "not a ref!",
 * ]);
 * ```
 */
export function sortReferences(refs: readonly string[]): string[] {
  const parsed: { rank: number; text: string }[] = [];
  const bad: string[] = [];
  for (const text of refs) {
    let ref: Reference;
    try {
      ref = parseAnyReference(text);
    } catch (error) {
      if (!(error instanceof OciStoreError)) throw error;
      bad.push(text);
      continue;
    }
    parsed.push({ rank: _rank(ref), text: formatReference(ref) });
  }
  parsed.sort((a, b) => a.rank - b.rank || _compareBytes(a.text, b.text));
  return [...parsed.map((entry) => entry.text), ...bad.sort(_compareBytes)];
}
