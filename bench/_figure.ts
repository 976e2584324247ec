/**
 * One measured figure, as every benchmark returns it and `bench/main.ts` prints it (one JSON object
 * per line). Benchmarks written by others (bench/registry_bench.ts, bench/bundle_bench.ts,
 * bench/containerd_bench.ts) join the run by exporting `run(): Promise<Figure[]>`.
 */

/** A measured figure against its target. */
export interface Figure {
  /** Stable name, `scenario.figure` (e.g. `cli.deno.wall_ratio`). */
  readonly name: string;
  /** The measured value; `null` when the row was skipped. */
  readonly value: number | null;
  /** Unit of `value` (`ms`, `ratio`, `MiB`, `ops/s`, …). */
  readonly unit: string;
  /** The target in words, e.g. `<= 0.8` (empty when the figure is informative only). */
  readonly target: string;
  /** Whether the target is met; `null` for informative figures and skipped rows. */
  readonly pass: boolean | null;
  /** Why a row was skipped, or what the figure was compared with. */
  readonly note?: string;
}

/** A figure that must be at most `limit`. */
export function atMost(
  name: string,
  value: number,
  unit: string,
  limit: number,
  note?: string,
): Figure {
  return _bounded(name, value, unit, `<= ${limit}`, value <= limit, note);
}

/** A figure that must be at least `limit`. */
export function atLeast(
  name: string,
  value: number,
  unit: string,
  limit: number,
  note?: string,
): Figure {
  return _bounded(name, value, unit, `>= ${limit}`, value >= limit, note);
}

function _bounded(
  name: string,
  value: number,
  unit: string,
  target: string,
  pass: boolean,
  note: string | undefined,
): Figure {
  return { name, value: _round(value), unit, target, pass, ...(note ? { note } : {}) };
}

/** A figure without a target (context for the others). */
export function info(name: string, value: number, unit: string, note?: string): Figure {
  return { name, value: _round(value), unit, target: "", pass: null, ...(note ? { note } : {}) };
}

/** A row that could not be measured here, with why. */
export function skipped(name: string, unit: string, target: string, reason: string): Figure {
  return { name, value: null, unit, target, pass: null, note: `skipped: ${reason}` };
}

/** Median of the numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds `fn` takes. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function _round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 4;
  return Number(value.toFixed(digits));
}
