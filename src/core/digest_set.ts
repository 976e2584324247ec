/** Short-digest set: finds image IDs by unique prefix (go-digest v1.0.0 `digestset` semantics). */
import { parseDigest } from "./digest.ts";
import { AmbiguousDigestError, InvalidArgumentError, NotFoundError } from "./errors.ts";

interface _Entry {
  readonly algorithm: string;
  readonly hex: string;
  readonly digest: string;
}

interface _Position {
  /** Index of the chunk. */
  readonly c: number;
  /** Index inside the chunk. */
  readonly i: number;
}

// go-digest keeps one sorted slice, so every add and remove shifts O(n) entries. Here the same order
// lives in sorted chunks of at most 2 * _CHUNK entries: a change shifts one chunk plus the chunk
// list (O(sqrt n)-ish), a lookup is two binary searches. Chunks are never empty.
const _CHUNK = 512;

// The order of go-digest: by hex, ties by algorithm. `algorithm` "" makes the bound a bare prefix.
function _before(entry: _Entry, hex: string, algorithm: string): boolean {
  return entry.hex < hex || (entry.hex === hex && entry.algorithm < algorithm);
}

// go-digest `checkShortMatch`: the prefix matches the hex (and the algorithm, when one is given).
function _shortMatch(entry: _Entry, hex: string, algorithm: string): boolean {
  return entry.hex.startsWith(hex) && (algorithm === "" || entry.algorithm === algorithm);
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
  #chunks: _Entry[][] = [];
  #size = 0;

  /**
   * Creates a set holding the given digests.
   *
   * @param digests Initial digests; duplicates are kept once.
   * @throws {InvalidArgumentError} When a digest is malformed (the reasons of `parseDigest`).
   * @throws {UnsupportedError} When a digest uses an unknown algorithm.
   */
  constructor(digests: Iterable<string> = []) {
    const entries = Array.from(digests, _entry).sort((a, b) =>
      _before(a, b.hex, b.algorithm) ? -1 : _before(b, a.hex, a.algorithm) ? 1 : 0
    ).filter((entry, index, all) => index === 0 || entry.digest !== all[index - 1].digest);
    for (let start = 0; start < entries.length; start += _CHUNK) {
      this.#chunks.push(entries.slice(start, start + _CHUNK));
    }
    this.#size = entries.length;
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
    if (chunks.length === 0) {
      chunks.push([entry]);
      this.#size = 1;
      return;
    }
    // Past the end means "append to the last chunk".
    let { c, i } = this.#search(entry.hex, entry.algorithm);
    if (c === chunks.length) i = chunks[--c].length;
    else if (chunks[c][i].digest === digest) return;
    const chunk = chunks[c];
    chunk.splice(i, 0, entry);
    this.#size++;
    if (chunk.length > 2 * _CHUNK) chunks.splice(c + 1, 0, chunk.splice(_CHUNK));
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
    if (chunk === undefined || chunk[i].digest !== digest) return;
    chunk.splice(i, 1);
    this.#size--;
    if (chunk.length === 0) this.#chunks.splice(c, 1);
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
    return this.#chunks[c]?.[i].digest === digest;
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
    let hex = fullOrPrefix;
    let algorithm = "";
    const colon = fullOrPrefix.indexOf(":");
    if (colon > 0 && colon < fullOrPrefix.length - 1) {
      try {
        parseDigest(fullOrPrefix);
        [algorithm, hex] = [fullOrPrefix.slice(0, colon), fullOrPrefix.slice(colon + 1)];
      } catch (error) {
        if (!(error instanceof InvalidArgumentError && error.reason === "DIGEST_INVALID_FORMAT")) {
          [algorithm, hex] = [fullOrPrefix.slice(0, colon), fullOrPrefix.slice(colon + 1)];
        }
      }
    }
    const { c, i } = this.#search(hex, algorithm);
    const found = this.#chunks[c]?.[i];
    if (found === undefined || !_shortMatch(found, hex, algorithm)) {
      throw new NotFoundError(`Cannot find image ID "${fullOrPrefix}": no digest starts with it`);
    }
    if (found.algorithm === algorithm && found.hex === hex) return found.digest;
    const next = i + 1 < this.#chunks[c].length ? this.#chunks[c][i + 1] : this.#chunks[c + 1]?.[0];
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
    return this.#chunks.flatMap((chunk) => chunk.map((entry) => entry.digest));
  }

  /**
   * Computes a short code for every digest, as go-digest's `ShortCodeTable`: walking in set order,
   * a code is extended while the next digest shares it, and the reached length carries over to the
   * digests of the same run; a digest whose hex is not longer than that length is given in full.
   * Every code {@link DigestSet.lookup}s back to its digest.
   *
   * @param minLength The shortest code to hand out.
   * @returns Digest to short code, in set order.
   *
   * @example
   * ```ts
   * import { DigestSet } from "@ocistore/ocistore";
   * import { assertEquals } from "@std/assert";
   *
   * const a = `sha256:1234${"1".repeat(60)}`;
   * const b = `sha256:1235${"1".repeat(60)}`;
   * const c = `sha256:54${"1".repeat(62)}`;
   * const codes = new DigestSet([a, b, c]).shortestUniquePrefixes(2);
   * assertEquals([...codes.values()], ["1234", "1235", "54"]);
   * ```
   */
  shortestUniquePrefixes(minLength: number): Map<string, string> {
    const entries = this.#chunks.flat();
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

  // The position of the first entry not before (hex, algorithm); c === chunks.length past the end.
  #search(hex: string, algorithm: string): _Position {
    const chunks = this.#chunks;
    let low = 0;
    let high = chunks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const chunk = chunks[mid];
      if (_before(chunk[chunk.length - 1], hex, algorithm)) low = mid + 1;
      else high = mid;
    }
    const chunk = chunks[low];
    if (chunk === undefined) return { c: low, i: 0 };
    let i = 0;
    let end = chunk.length - 1; // the last entry is not before, by the chunk search
    while (i < end) {
      const mid = (i + end) >>> 1;
      if (_before(chunk[mid], hex, algorithm)) i = mid + 1;
      else end = mid;
    }
    return { c: low, i };
  }

  // Counts the matches of an ambiguous prefix: the run of entries starting with it from `from`.
  #countMatches(from: _Position, hex: string, algorithm: string): number {
    let count = 0;
    for (let c = from.c; c < this.#chunks.length; c++) {
      const chunk = this.#chunks[c];
      const start = c === from.c ? from.i : 0;
      if (algorithm === "" && chunk[chunk.length - 1].hex.startsWith(hex)) {
        count += chunk.length - start; // the whole rest of the chunk is in the run
        continue;
      }
      for (let i = start; i < chunk.length; i++) {
        if (!chunk[i].hex.startsWith(hex)) return count;
        if (algorithm === "" || chunk[i].algorithm === algorithm) count++;
      }
    }
    return count;
  }
}
