/** Short-digest set: finds image IDs by unique prefix (go-digest v1.0.0 `digestset` semantics). */
import { parseDigest, validateDigest } from "./digest.ts";
import { AmbiguousDigestError, NotFoundError } from "./errors.ts";

interface _Entry {
  readonly algorithm: string;
  readonly hex: string;
  readonly digest: string;
}

// Sorted entries plus, at the same indexes, the first _KEY hex characters of each: most searches
// compare only these short strings, which engines store flat (V8 copies any slice under 13
// characters), instead of following an entry to a slice of its digest. Ties fall back to entries.
interface _Chunk {
  readonly keys: string[];
  readonly entries: _Entry[];
}

/** A place in the set: entry `i` of chunk `c`. */
type _Position = { readonly c: number; readonly i: number };

// go-digest keeps one sorted slice, so every add and remove shifts O(n) entries. Here the same order
// lives in sorted chunks of at most 2 * _CHUNK entries: a change shifts one chunk plus the chunk
// list (O(sqrt n)-ish), a lookup is two binary searches. Chunks are never empty.
const _CHUNK = 512;
const _KEY = 12;

// The order of go-digest: by hex, ties by algorithm. `algorithm` "" makes the bound a bare prefix.
function _before(entry: _Entry, hex: string, algorithm: string): boolean {
  return entry.hex < hex || (entry.hex === hex && entry.algorithm < algorithm);
}

// go-digest `checkShortMatch`: the prefix matches the hex (and the algorithm, when one is given).
function _shortMatch(entry: _Entry, hex: string, algorithm: string): boolean {
  return entry.hex.startsWith(hex) && (algorithm === "" || entry.algorithm === algorithm);
}

interface _Query {
  readonly key: string;
  readonly hex: string;
  readonly algorithm: string;
}

// Whether entry `i` sorts before the query. Unequal keys decide alone: a key is a prefix of its
// hex, and hex that extends a key sorts after it.
function _keyBefore(keys: string[], entries: _Entry[], i: number, query: _Query): boolean {
  return keys[i] === query.key
    ? _before(entries[i], query.hex, query.algorithm)
    : keys[i] < query.key;
}

function _entry(digest: string): _Entry {
  const { algorithm, encoded } = parseDigest(digest);
  return { algorithm, hex: encoded, digest };
}

/**
 * A set of digests (image IDs) that resolves unique prefixes, like the `digestset.Set` that
 * containerd's CRI image store uses for `crictl inspecti <short id>`. Adds and removes cost about
 * O(√n), lookups O(log n).
 *
 * @example
 * ```ts
 * import { AmbiguousDigestError, DigestSet } from "@ocistore/ocistore";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * const a = `sha256:12a${"0".repeat(61)}`;
 * const b = `sha256:12b${"0".repeat(61)}`;
 * const set = new DigestSet([a, b]);
 * assertEquals(set.lookup("12a"), a);
 * assertThrows(() => set.lookup("12"), AmbiguousDigestError);
 * ```
 */
export class DigestSet {
  #chunks: _Chunk[] = [];
  #size = 0;

  /**
   * Creates a set holding the given digests.
   *
   * @param digests Initial digests; duplicates are kept once.
   * @throws {InvalidArgumentError} When a digest is malformed (the reasons of `parseDigest`).
   * @throws {UnsupportedError} When a digest uses an unknown algorithm.
   */
  constructor(digests: Iterable<string> = []) {
    // Built sorted in one pass: each add() is a binary search over scattered keys (~5 µs at 100k
    // on a loaded machine), a sort of the same digests a fraction of that.
    const entries = Array.from(digests, _entry).sort((a, b) =>
      _before(a, b.hex, b.algorithm) ? -1 : _before(b, a.hex, a.algorithm) ? 1 : 0
    );
    let chunk: _Chunk | undefined;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (i > 0 && entry.digest === entries[i - 1].digest) continue;
      if (!chunk || chunk.entries.length === _CHUNK) {
        this.#chunks.push(chunk = { keys: [], entries: [] });
      }
      chunk.keys.push(entry.hex.slice(0, _KEY));
      chunk.entries.push(entry);
      this.#size++;
    }
  }

  /** The number of digests in the set. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds a digest; adding one that is present does nothing.
   *
   * @param digest A valid digest.
   * @throws {InvalidArgumentError} When the digest is malformed (set unchanged).
   * @throws {UnsupportedError} When the digest uses an unknown algorithm (set unchanged).
   *
   * @example
   * ```ts
   * import { DigestSet } from "@ocistore/ocistore";
   * import { assertEquals } from "@std/assert";
   *
   * const set = new DigestSet();
   * set.add(`sha256:${"a".repeat(64)}`);
   * set.add(`sha256:${"a".repeat(64)}`);
   * assertEquals(set.size, 1);
   * ```
   */
  add(digest: string): void {
    const entry = _entry(digest);
    const chunks = this.#chunks;
    let { c, i } = this.#search(entry.hex, entry.algorithm);
    if (c === chunks.length) {
      if (c > 0) i = chunks[--c].entries.length; // past the end: append to the last chunk
      else chunks.push({ keys: [], entries: [] });
    } else if (chunks[c].entries[i].digest === digest) return;
    const { keys, entries } = chunks[c];
    keys.splice(i, 0, entry.hex.slice(0, _KEY));
    entries.splice(i, 0, entry);
    this.#size++;
    if (entries.length > 2 * _CHUNK) {
      chunks.splice(c + 1, 0, { keys: keys.splice(_CHUNK), entries: entries.splice(_CHUNK) });
    }
  }

  /**
   * Removes a digest; removing one that is absent does nothing.
   *
   * @param digest A valid digest.
   * @throws {InvalidArgumentError} When the digest is malformed.
   * @throws {UnsupportedError} When the digest uses an unknown algorithm.
   *
   * @example
   * ```ts
   * import { DigestSet } from "@ocistore/ocistore";
   * import { assertEquals } from "@std/assert";
   *
   * const id = `sha256:${"a".repeat(64)}`;
   * const set = new DigestSet([id]);
   * set.remove(id);
   * assertEquals(set.has(id), false);
   * ```
   */
  remove(digest: string): void {
    const { algorithm, hex } = _entry(digest);
    const { c, i } = this.#search(hex, algorithm);
    const chunk = this.#chunks[c];
    if (chunk === undefined || chunk.entries[i].digest !== digest) return;
    chunk.keys.splice(i, 1);
    chunk.entries.splice(i, 1);
    this.#size--;
    if (chunk.keys.length === 0) this.#chunks.splice(c, 1);
  }

  /**
   * Tells whether the exact digest is in the set (no prefix matching, never throws).
   *
   * @param digest The full digest.
   * @returns True when present.
   *
   * @example
   * ```ts
   * import { DigestSet } from "@ocistore/ocistore";
   * import { assertEquals } from "@std/assert";
   *
   * const id = `sha256:${"a".repeat(64)}`;
   * assertEquals([new DigestSet([id]).has(id), new DigestSet([id]).has("aaa")], [true, false]);
   * ```
   */
  has(digest: string): boolean {
    const colon = digest.indexOf(":");
    if (colon < 0) return false;
    const { c, i } = this.#search(digest.slice(colon + 1), digest.slice(0, colon));
    return this.#chunks[c]?.entries[i].digest === digest;
  }

  /**
   * Finds the one digest a full digest or a prefix names, exactly as go-digest v1.0.0 `Lookup`:
   * text that is not even shaped like a digest (no algorithm, uppercase, ...) is a bare hex prefix;
   * anything else is `<algorithm>:<hex prefix>`. The first entry at or after the prefix must match
   * it (only that entry's algorithm is checked), an exact match wins, and the prefix is ambiguous
   * when the following entry matches too. There is no minimum length: `""` names the only entry.
   *
   * @param fullOrPrefix A digest, `<algorithm>:<hex prefix>`, or a bare hex prefix.
   * @returns The full digest.
   * @throws {NotFoundError} When nothing matches (always, for an empty set).
   * @throws {AmbiguousDigestError} When several digests match; `matches` says how many.
   *
   * @example
   * ```ts
   * import { DigestSet, NotFoundError } from "@ocistore/ocistore";
   * import { assertEquals, assertThrows } from "@std/assert";
   *
   * const id = `sha256:54${"1".repeat(62)}`;
   * const set = new DigestSet([id, `sha256:65${"1".repeat(62)}`]);
   * assertEquals(set.lookup("54"), id);
   * assertEquals(set.lookup("sha256:541"), id);
   * assertThrows(() => set.lookup("98"), NotFoundError);
   * ```
   */
  lookup(fullOrPrefix: string): string {
    const colon = fullOrPrefix.indexOf(":");
    const bare = validateDigest(fullOrPrefix) === "DIGEST_INVALID_FORMAT";
    const hex = bare ? fullOrPrefix : fullOrPrefix.slice(colon + 1);
    const algorithm = bare ? "" : fullOrPrefix.slice(0, colon);
    const { c, i } = this.#search(hex, algorithm);
    const entries = this.#chunks[c]?.entries;
    const found = entries?.[i];
    if (found === undefined || !_shortMatch(found, hex, algorithm)) {
      throw new NotFoundError(`Cannot find image ID "${fullOrPrefix}": no digest starts with it`);
    }
    // Upstream's exact-match rule; with valid entries no neighbour can also match an exact hit.
    if (found.algorithm === algorithm && found.hex === hex) return found.digest;
    const next = entries![i + 1] ?? this.#chunks[c + 1]?.entries[0];
    if (next === undefined || !_shortMatch(next, hex, algorithm)) return found.digest;
    const matches = this.#countMatches({ c, i }, hex, algorithm);
    throw new AmbiguousDigestError(
      `Cannot find image ID "${fullOrPrefix}": expected one digest to start with it, found ${matches}`,
      { matches },
    );
  }

  /**
   * Lists the digests, sorted by hex and then by algorithm.
   *
   * @returns A new array.
   *
   * @example
   * ```ts
   * import { DigestSet } from "@ocistore/ocistore";
   * import { assertEquals } from "@std/assert";
   *
   * const a = `sha256:${"a".repeat(64)}`;
   * const b = `sha256:${"b".repeat(64)}`;
   * assertEquals(new DigestSet([b, a]).values(), [a, b]);
   * ```
   */
  values(): string[] {
    return this.#chunks.flatMap((chunk) => chunk.entries.map((entry) => entry.digest));
  }

  // The position of the first entry not before the query; c === chunks.length past the end.
  #search(hex: string, algorithm: string): _Position {
    const query: _Query = { key: hex.slice(0, _KEY), hex, algorithm };
    const chunks = this.#chunks;
    let c = 0;
    let high = chunks.length;
    while (c < high) {
      const mid = (c + high) >>> 1;
      const { keys, entries } = chunks[mid];
      if (_keyBefore(keys, entries, keys.length - 1, query)) c = mid + 1;
      else high = mid;
    }
    if (c === chunks.length) return { c, i: 0 };
    const { keys, entries } = chunks[c];
    let i = 0;
    high = keys.length - 1; // the last entry is not before, by the chunk search
    while (i < high) {
      const mid = (i + high) >>> 1;
      if (_keyBefore(keys, entries, mid, query)) i = mid + 1;
      else high = mid;
    }
    return { c, i };
  }

  // Counts the matches of an ambiguous prefix: the run of entries starting with it from `from`.
  #countMatches(from: _Position, hex: string, algorithm: string): number {
    let count = 0;
    for (let c = from.c; c < this.#chunks.length; c++) {
      const { entries } = this.#chunks[c];
      for (let i = c === from.c ? from.i : 0; i < entries.length; i++) {
        if (!entries[i].hex.startsWith(hex)) return count;
        if (algorithm === "" || entries[i].algorithm === algorithm) count++;
      }
    }
    return count;
  }
}

/**
 * Computes a short code for every digest of a set, as go-digest's `ShortCodeTable`: walking in set
 * order, a code is extended while the next digest shares it, and the reached length carries over
 * to the digests of the same run; a digest whose hex is not longer than that length is given in
 * full. Each code {@link DigestSet.lookup}s back to its digest, except (as upstream) for a digest
 * following one whose whole hex it starts with: it may get exactly that hex, which is ambiguous.
 * A function rather than a method so that apps which only look digests up do not ship it.
 *
 * @param set The digests.
 * @param minLength The shortest code to hand out.
 * @returns Digest to short code, in set order.
 *
 * @example
 * ```ts
 * import { DigestSet, shortCodeTable } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const a = `sha256:1234${"1".repeat(60)}`;
 * const b = `sha256:1235${"1".repeat(60)}`;
 * const c = `sha256:54${"1".repeat(62)}`;
 * const codes = shortCodeTable(new DigestSet([a, b, c]), 2);
 * assertEquals([...codes.values()], ["1234", "1235", "54"]);
 * ```
 */
export function shortCodeTable(set: DigestSet, minLength: number): Map<string, string> {
  const entries = set.values().map(_entry);
  const codes = new Map<string, string>();
  let length = minLength;
  let runEnd = 0; // the last index known to share a code with an earlier digest
  entries.forEach((entry, index) => {
    let code: string;
    for (;;) {
      if (entry.hex.length <= length) {
        code = entry.digest;
        break;
      }
      code = entry.hex.slice(0, length);
      let last = index;
      while (last + 1 < entries.length && entries[last + 1].hex.startsWith(code)) last++;
      if (last === index) break;
      runEnd = Math.max(runEnd, last);
      length++;
    }
    codes.set(entry.digest, code);
    if (index >= runEnd) length = minLength;
  });
  return codes;
}
