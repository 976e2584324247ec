/**
 * Our own assertions with the signatures of `jsr:@std/assert@1` (JSR cannot be reached from our
 * machines). `deno.json` maps `@std/assert` here; pointing that one line at JSR switches back.
 */

/** Thrown when an assertion fails. */
export class AssertionError extends Error {
  /** @param message Why the assertion failed. */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

// deno-lint-ignore no-explicit-any
type AnyConstructor = new (...args: any[]) => any;
type GetConstructorType<T extends AnyConstructor> = InstanceType<T>;

function _format(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => {
      if (typeof v === "bigint") return `${v}n`;
      if (v instanceof Map) return { Map: [...v.entries()] };
      if (v instanceof Set) return { Set: [...v.values()] };
      if (v instanceof Uint8Array) return { Uint8Array: [...v] };
      if (v === undefined) return "<undefined>";
      return v;
    }, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Deep structural equality, as `@std/assert`'s `equal`.
 *
 * @param a The first value.
 * @param b The second value.
 * @returns Whether they are deeply equal.
 */
export function equal(a: unknown, b: unknown): boolean {
  const seen = new Map<unknown, unknown>();
  const eq = (x: unknown, y: unknown): boolean => {
    if (Object.is(x, y)) return true;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
    if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
    if (x instanceof RegExp && y instanceof RegExp) return String(x) === String(y);
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return false;
    if (seen.get(x) === y) return true;
    seen.set(x, y);
    if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) {
      const xa = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      const ya = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
      return xa.length === ya.length && xa.every((v, i) => v === ya[i]);
    }
    if (x instanceof Map && y instanceof Map) {
      if (x.size !== y.size) return false;
      for (const [k, v] of x) if (!y.has(k) || !eq(v, y.get(k))) return false;
      return true;
    }
    if (x instanceof Set && y instanceof Set) {
      if (x.size !== y.size) return false;
      for (const v of x) if (!y.has(v)) return false;
      return true;
    }
    const xk = Object.keys(x).filter((k) => (x as Record<string, unknown>)[k] !== undefined);
    const yk = Object.keys(y).filter((k) => (y as Record<string, unknown>)[k] !== undefined);
    if (xk.length !== yk.length) return false;
    return xk.every((k) =>
      Object.hasOwn(y, k) &&
      eq((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])
    );
  };
  return eq(a, b);
}

/**
 * Asserts that `expr` is truthy.
 *
 * @param expr The expression.
 * @param msg The message on failure.
 */
export function assert(expr: unknown, msg = ""): asserts expr {
  if (!expr) throw new AssertionError(msg || "Expected expression to be truthy");
}

/**
 * Asserts that `expr` is falsy.
 *
 * @param expr The expression.
 * @param msg The message on failure.
 */
export function assertFalse(expr: unknown, msg = ""): void {
  if (expr) throw new AssertionError(msg || "Expected expression to be falsy");
}

/**
 * Asserts deep equality.
 *
 * @param actual The actual value.
 * @param expected The expected value.
 * @param msg The message on failure.
 */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) return;
  throw new AssertionError(
    `${msg ? `${msg}: ` : ""}Values are not equal.\n  actual:   ${_format(actual)}\n  expected: ${
      _format(expected)
    }`,
  );
}

/**
 * Asserts deep inequality.
 *
 * @param actual The actual value.
 * @param expected The value it must differ from.
 * @param msg The message on failure.
 */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) return;
  throw new AssertionError(msg ?? `Expected actual to differ from ${_format(expected)}`);
}

/**
 * Asserts `Object.is` identity.
 *
 * @param actual The actual value.
 * @param expected The expected value.
 * @param msg The message on failure.
 */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  if (Object.is(actual, expected)) return;
  throw new AssertionError(
    `${msg ? `${msg}: ` : ""}Values are not strictly equal: ${_format(actual)} vs ${
      _format(expected)
    }`,
  );
}

/**
 * Asserts that a value is neither `null` nor `undefined`.
 *
 * @param actual The value.
 * @param msg The message on failure.
 */
export function assertExists<T>(actual: T, msg?: string): asserts actual is NonNullable<T> {
  if (actual === undefined || actual === null) {
    throw new AssertionError(msg ?? `Expected a value, found ${actual}`);
  }
}

/**
 * Asserts that `actual` is an instance of `expectedType`.
 *
 * @param actual The value.
 * @param expectedType The class.
 * @param msg The message on failure.
 */
export function assertInstanceOf<T extends AnyConstructor>(
  actual: unknown,
  expectedType: T,
  msg = "",
): asserts actual is GetConstructorType<T> {
  if (actual instanceof expectedType) return;
  const found = actual === null || typeof actual !== "object"
    ? typeof actual
    : (actual as object).constructor?.name;
  throw new AssertionError(
    msg || `Expected object to be an instance of "${expectedType.name}" but was "${found}".`,
  );
}

/**
 * Asserts that `actual` matches `expected`.
 *
 * @param actual The string.
 * @param expected The pattern.
 * @param msg The message on failure.
 */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (!expected.test(actual)) {
    throw new AssertionError(msg ?? `Expected actual: "${actual}" to match: "${expected}".`);
  }
}

/**
 * Asserts that `actual` includes `expected`.
 *
 * @param actual The string.
 * @param expected The substring.
 * @param msg The message on failure.
 */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(msg ?? `Expected actual: "${actual}" to contain: "${expected}".`);
  }
}

/**
 * Asserts that `actual` includes every element of `expected` (deep equality).
 *
 * @param actual The array.
 * @param expected The elements it must contain.
 * @param msg The message on failure.
 */
export function assertArrayIncludes<T>(
  actual: ArrayLike<T>,
  expected: ArrayLike<T>,
  msg?: string,
): void {
  const missing = Array.from(expected).filter((e) => !Array.from(actual).some((a) => equal(a, e)));
  if (missing.length === 0) return;
  throw new AssertionError(msg ?? `Expected actual to include ${_format(missing)}`);
}

/**
 * Asserts `actual > expected`.
 *
 * @param actual The value.
 * @param expected The bound.
 * @param msg The message on failure.
 */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  if (actual > expected) return;
  throw new AssertionError(msg ?? `Expect ${_format(actual)} > ${_format(expected)}`);
}

/**
 * Asserts `actual < expected`.
 *
 * @param actual The value.
 * @param expected The bound.
 * @param msg The message on failure.
 */
export function assertLess<T>(actual: T, expected: T, msg?: string): void {
  if (actual < expected) return;
  throw new AssertionError(msg ?? `Expect ${_format(actual)} < ${_format(expected)}`);
}

/**
 * Fails unconditionally.
 *
 * @param msg The reason.
 */
export function fail(msg?: string): never {
  throw new AssertionError(`Failed assertion${msg ? `: ${msg}` : "."}`);
}

function _checkError<E extends Error>(
  error: unknown,
  ErrorClass: (abstract new (...args: never[]) => E) | undefined,
  msgIncludes: string | undefined,
  msg: string | undefined,
): void {
  if (ErrorClass && !(error instanceof ErrorClass)) {
    throw new AssertionError(
      `${msg ? `${msg}: ` : ""}Expected error to be instance of "${ErrorClass.name}", but was "${
        (error as Error)?.constructor?.name
      }": ${(error as Error)?.message}`,
    );
  }
  if (msgIncludes !== undefined && !String((error as Error)?.message).includes(msgIncludes)) {
    throw new AssertionError(
      `${msg ? `${msg}: ` : ""}Expected error message to include "${msgIncludes}", but got "${
        (error as Error)?.message
      }".`,
    );
  }
}

/**
 * Asserts that `fn` throws; returns the error.
 *
 * @param fn The function.
 * @param msg The message on failure.
 * @returns The thrown value.
 */
export function assertThrows(fn: () => unknown, msg?: string): unknown;
/**
 * Asserts that `fn` throws an `ErrorClass`; returns the error.
 *
 * @param fn The function.
 * @param ErrorClass The expected class.
 * @param msgIncludes A substring the message must contain.
 * @param msg The message on failure.
 * @returns The thrown error.
 */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): E;
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  errorClassOrMsg?: (abstract new (...args: any[]) => E) | string,
  msgIncludes?: string,
  msg?: string,
): E | unknown {
  const ErrorClass = typeof errorClassOrMsg === "function" ? errorClassOrMsg : undefined;
  if (typeof errorClassOrMsg === "string") msg = errorClassOrMsg;
  try {
    fn();
  } catch (error) {
    _checkError(error, ErrorClass, msgIncludes, msg);
    return error;
  }
  throw new AssertionError(`${msg ? `${msg}: ` : ""}Expected function to throw.`);
}

/**
 * Asserts that `fn` rejects; resolves to the error.
 *
 * @param fn The async function.
 * @param msg The message on failure.
 * @returns The rejection value.
 */
export function assertRejects(fn: () => PromiseLike<unknown>, msg?: string): Promise<unknown>;
/**
 * Asserts that `fn` rejects with an `ErrorClass`; resolves to the error.
 *
 * @param fn The async function.
 * @param ErrorClass The expected class.
 * @param msgIncludes A substring the message must contain.
 * @param msg The message on failure.
 * @returns The rejection error.
 */
export function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): Promise<E>;
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  errorClassOrMsg?: (abstract new (...args: any[]) => E) | string,
  msgIncludes?: string,
  msg?: string,
): Promise<E | unknown> {
  const ErrorClass = typeof errorClassOrMsg === "function" ? errorClassOrMsg : undefined;
  if (typeof errorClassOrMsg === "string") msg = errorClassOrMsg;
  try {
    await fn();
  } catch (error) {
    _checkError(error, ErrorClass, msgIncludes, msg);
    return error;
  }
  throw new AssertionError(`${msg ? `${msg}: ` : ""}Expected function to reject.`);
}
