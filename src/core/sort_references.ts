/** Docker's order for the references of one image (distribution/reference `Sort`). */
import {
  _compareBytes,
  _compareKeys,
  type _ReferenceKey,
  _referenceKey,
} from "./_reference_order.ts";

/**
 * Sorts image references the way containerd merges an image's names: each is parsed with
 * `parseAnyReference` and printed normalized; named+tagged+digested first, then
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
  const parsed: _ReferenceKey[] = [];
  const bad: string[] = [];
  for (const text of refs) {
    const key = _referenceKey(text);
    if (key) parsed.push(key);
    else bad.push(text);
  }
  parsed.sort(_compareKeys);
  return [...parsed.map((key) => key.text), ...bad.sort(_compareBytes)];
}
