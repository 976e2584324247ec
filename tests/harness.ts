/**
 * The one test registry shared by every runtime: test files call `test()`, `tests/run.ts` runs them.
 *
 * Why not `node:test`, which Deno and Bun also provide: each runtime runs it only under its own
 * runner (`node --test`, `deno test`, `bun test`; Bun refuses `test()` outside `bun test`), with its
 * own name-filter flag, its own report format and, on Deno, resource sanitizers of its own. One
 * small registry runs the same way everywhere and keeps the `<runtime>: N passed, N failed` line.
 */

/** Per-test settings. */
export interface TestOptions {
  /** Milliseconds before the test fails as timed out; the runner's default (60 s) otherwise. */
  readonly timeout?: number;
}

/** A registered test. */
export interface TestCase {
  /** A sentence saying what must hold. */
  readonly name: string;
  /** The body; a rejected promise or a throw fails the test. */
  readonly fn: () => void | Promise<void>;
  /** Its own settings, if any. */
  readonly options: TestOptions;
}

const registryKey = Symbol.for("ocistore.tests");

/** Every test registered so far, in registration order. */
export function registeredTests(): TestCase[] {
  const g = globalThis as unknown as Record<symbol, TestCase[]>;
  return (g[registryKey] ??= []);
}

/**
 * Registers a test.
 *
 * @param name A sentence saying what must hold; `--grep` selects tests by it.
 * @param fn The body.
 * @param options Its own timeout, when the default does not fit.
 */
export function test(
  name: string,
  fn: () => void | Promise<void>,
  options: TestOptions = {},
): void {
  registeredTests().push({ name, fn, options });
}

/**
 * Registers one test per row of a vector table, named `<title> vector <label>`, so a failing row
 * never hides the rows after it and `--grep` can pick one row.
 *
 * @param title What is tested and which table, e.g. `parseDigest() TestParseDigest`.
 * @param rows The table.
 * @param label Names a row, usually its input as JSON.
 * @param check The assertions for one row.
 */
export function testEach<T>(
  title: string,
  rows: readonly T[],
  label: (row: T) => string,
  check: (row: T) => void | Promise<void>,
): void {
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    let name = `${title} vector ${shorten(label(row))}`;
    // A table may hold one input twice (from two upstream tests): the row number tells them apart.
    if (seen.has(name)) name += ` (row ${i + 1})`;
    seen.add(name);
    test(name, () => check(row));
  });
}

/** A long label as its start, its end and its length, which tells apart long inputs. */
function shorten(text: string): string {
  if (text.length <= 100) return text;
  return `${text.slice(0, 60)}…${text.slice(-20)} (${text.length} chars)`;
}

/** The runtime the suite runs on. */
export function runtimeName(): "deno" | "bun" | "node" {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}
