/** The one test registry shared by every runtime: test files call `test()`, `tests/run.ts` runs them. */

/** A registered test. */
export interface TestCase {
  /** A sentence saying what must hold. */
  readonly name: string;
  /** The body; a rejected promise or a throw fails the test. */
  readonly fn: () => void | Promise<void>;
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
 * @param name A sentence saying what must hold.
 * @param fn The body.
 */
export function test(name: string, fn: () => void | Promise<void>): void {
  registeredTests().push({ name, fn });
}

/** The runtime the suite runs on. */
export function runtimeName(): "deno" | "bun" | "node" {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}
