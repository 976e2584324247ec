/**
 * Docker's order for the references of one image, kept incrementally: each reference is parsed
 * once when it joins, and joins by binary search, so adding the N-th tag of an image costs
 * O(log N) comparisons instead of re-parsing and re-sorting all N.
 */
import { OciStoreError } from "./errors.ts";
import { parseAnyReference } from "./normalize.ts";
import { formatReference, type Reference } from "./reference.ts";

/** A parsed reference's place in the order: its group and its normalized text. */
export interface _ReferenceKey {
  readonly rank: number;
  readonly text: string;
}

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

/** Go's bytewise (UTF-8) string order. */
export function _compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return _codeUnitKey(x) - _codeUnitKey(y);
  }
  return a.length - b.length;
}

/** The order of two parsed references. */
export function _compareKeys(a: _ReferenceKey, b: _ReferenceKey): number {
  return a.rank - b.rank || _compareBytes(a.text, b.text);
}

/** Parses a reference for sorting; `undefined` when it does not parse (it then sorts last). */
export function _referenceKey(text: string): _ReferenceKey | undefined {
  let ref: Reference;
  try {
    ref = parseAnyReference(text);
  } catch (error) {
    if (!(error instanceof OciStoreError)) throw error;
    return undefined;
  }
  return { rank: _rank(ref), text: formatReference(ref) };
}

function _insertAt<T>(items: T[], item: T, compare: (a: T, b: T) => number): void {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(items[mid], item) <= 0) low = mid + 1;
    else high = mid;
  }
  items.splice(low, 0, item);
}

/**
 * The references of one image in `sortReferences` order, merged as containerd merges them
 * (`sortReferences([...new Set([...existing, ...added])])`) without redoing the whole sort.
 */
export class _SortedReferences {
  #parsed: _ReferenceKey[] = [];
  #bad: string[] = [];
  // Every string the list holds; fewer than the list's length when normalization made duplicates.
  readonly #held = new Set<string>();

  /** The merge of `existing` (an image's references as first added) with `added`. */
  constructor(existing: readonly string[], added: readonly string[]) {
    for (const text of new Set([...existing, ...added])) this.#insert(text, false);
    this.#parsed.sort(_compareKeys);
    this.#bad.sort(_compareBytes);
  }

  /** How many references the list holds. */
  get size(): number {
    return this.#parsed.length + this.#bad.length;
  }

  /** Merges `added` into the list. */
  merge(added: readonly string[]): void {
    // The merge's set collapses the duplicates an earlier normalization produced.
    if (this.#held.size < this.size) {
      this.#parsed = this.#parsed.filter((key, i, all) => i === 0 || key.text !== all[i - 1].text);
      this.#bad = this.#bad.filter((text, i, all) => i === 0 || text !== all[i - 1]);
    }
    for (const text of new Set(added.filter((text) => !this.#held.has(text)))) {
      this.#insert(text, true);
    }
  }

  /** Removes every reference equal to `folded` when lowercased. */
  removeFolded(folded: string): void {
    this.#parsed = this.#parsed.filter((key) => key.text.toLowerCase() !== folded);
    this.#bad = this.#bad.filter((text) => text.toLowerCase() !== folded);
    this.#held.clear();
    for (const text of this.list()) this.#held.add(text);
  }

  /** A new array of the references, in order. */
  list(): string[] {
    return [...this.#parsed.map((key) => key.text), ...this.#bad];
  }

  #insert(text: string, sorted: boolean): void {
    const key = _referenceKey(text);
    if (key && sorted) _insertAt(this.#parsed, key, _compareKeys);
    else if (key) this.#parsed.push(key);
    else if (sorted) _insertAt(this.#bad, text, _compareBytes);
    else this.#bad.push(text);
    this.#held.add(key?.text ?? text);
  }
}
