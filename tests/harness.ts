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

/** The runtime the suite runs on. */
export function runtimeName(): "deno" | "bun" | "node" {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}
