/** Benchmark: DigestSet with 100k image IDs (build, 1M prefix lookups, interleaved use, removal). */
import { DigestSet } from "../src/core/digest_set.ts";
import { AmbiguousDigestError, NotFoundError } from "../src/core/errors.ts";

const COUNT = 100_000;
const LOOKUPS = 1_000_000;

function randomIds(count: number): string[] {
  const bytes = new Uint8Array(32 * count);
  for (let i = 0; i < bytes.length; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, i + 65536));
  }
  return Array.from({ length: count }, (_, i) => {
    let hex = "";
    for (const byte of bytes.subarray(32 * i, 32 * i + 32)) {
      hex += byte.toString(16).padStart(2, "0");
    }
    return `sha256:${hex}`;
  });
}

function time(fn: () => void): number {
  const started = performance.now();
  fn();
  return Math.round((performance.now() - started) * 10) / 10;
}

/**
 * Runs the benchmark.
 *
 * @returns One flat record of timings in milliseconds and counts.
 */
export function run(): Promise<Record<string, unknown>> {
  const ids = randomIds(COUNT);
  // Queries: prefixes of known IDs, 4 to 15 hex long, a quarter of them as `sha256:<prefix>`.
  const queries = Array.from({ length: LOOKUPS }, (_, i) => {
    const id = ids[(i * 7919) % COUNT];
    const prefix = id.slice(7, 7 + 4 + (i % 12));
    return i % 4 === 0 ? `sha256:${prefix}` : prefix;
  });

  let set = new DigestSet();
  const buildMs = time(() => ids.forEach((id) => set.add(id)));
  let found = 0;
  let ambiguous = 0;
  let notFound = 0;
  const lookupMs = time(() => {
    for (const query of queries) {
      try {
        set.lookup(query);
        found++;
      } catch (error) {
        if (error instanceof AmbiguousDigestError) ambiguous++;
        else if (error instanceof NotFoundError) notFound++;
        else throw error;
      }
    }
  });
  const shortCodesMs = time(() => void set.shortestUniquePrefixes(12));
  const removeMs = time(() => ids.forEach((id) => set.remove(id)));

  // Each add followed by a lookup of an earlier ID's 12-character prefix, as a store filling up.
  set = new DigestSet();
  const interleavedMs = time(() =>
    ids.forEach((id, i) => {
      set.add(id);
      set.lookup(ids[(i * 31) % (i + 1)].slice(7, 19));
    })
  );

  // go-digest's representation for comparison: one sorted array, O(n) splice per add.
  const sorted: string[] = [];
  const arrayBuildMs = time(() =>
    ids.forEach((id) => {
      let [low, high] = [0, sorted.length];
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (sorted[mid] < id) low = mid + 1;
        else high = mid;
      }
      sorted.splice(low, 0, id);
    })
  );

  return Promise.resolve({
    name: "digest_set",
    ids: COUNT,
    buildMs,
    lookups: LOOKUPS,
    lookupMs,
    lookupsPerSecond: Math.round(LOOKUPS / (lookupMs / 1000)),
    found,
    ambiguous,
    notFound,
    shortCodesMs,
    removeMs,
    interleavedAddLookupMs: interleavedMs,
    sortedArraySpliceBuildMs: arrayBuildMs,
  });
}

if (import.meta.main) console.log(JSON.stringify(await run()));
