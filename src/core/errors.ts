/** The typed error family: every failure ocistore reports carries a stable `code`. */

/** Stable error codes callers can switch on (containerd's errdefs classes that ocistore meets). */
export type ErrorCode =
  | "NOT_FOUND"
  | "INVALID_ARGUMENT"
  | "ALREADY_EXISTS"
  | "AMBIGUOUS"
  | "DIGEST_MISMATCH"
  | "UNSUPPORTED"
  | "UNAUTHORIZED"
  | "UNAVAILABLE";

/**
 * The upstream condition behind a parse failure, named after the distribution/reference,
 * go-digest and containerd platforms errors, so callers and tests can tell them apart.
 */
export type ErrorReason =
  | "NAME_EMPTY"
  | "NAME_TOO_LONG"
  | "NAME_CONTAINS_UPPERCASE"
  | "REFERENCE_INVALID_FORMAT"
  | "TAG_INVALID_FORMAT"
  | "NAME_NOT_CANONICAL"
  | "DIGEST_INVALID_FORMAT"
  | "DIGEST_INVALID_LENGTH"
  | "DIGEST_UNSUPPORTED"
  | "PLATFORM_INVALID";

/** Options accepted by every error of the family. */
export interface OciStoreErrorOptions {
  /** The lower-level error this one wraps. */
  cause?: unknown;
  /** The upstream parse condition, for parse failures. */
  reason?: ErrorReason;
  /** What was wrong, without the action (`repository name must be lowercase`). */
  problem?: string;
  /** The kind of thing that is missing (`"file"`, `"directory"`), for not-found errors. */
  missing?: string;
  /** The HTTP status of the answer behind the error, when a server answered. */
  status?: number;
  /** The registry's own error code (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, `DENIED`, …), when it sent one. */
  registryCode?: string;
}

/**
 * Base class of every error ocistore throws on purpose.
 *
 * @example Switch on the stable code
 * ```ts
 * import { NotFoundError, OciStoreError } from "@ocistore/ocistore";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const error: unknown = new NotFoundError('Cannot resolve "nginx": no such reference');
 * assert(error instanceof OciStoreError);
 * assertEquals(error.code, "NOT_FOUND");
 * ```
 */
export class OciStoreError extends Error {
  /** Stable machine-readable class of the error. */
  readonly code: ErrorCode;
  /** The upstream parse condition, when the error is a parse failure. */
  readonly reason?: ErrorReason;
  /**
   * What was wrong, without the action the message starts with, when the thrower kept it apart
   * (reference parsing does), so a caller can word the message its own way.
   */
  readonly problem?: string;
  /** The kind of thing that is missing (`"file"`, `"directory"`), when a not-found thrower says. */
  readonly missing?: string;
  /**
   * The HTTP status of the answer behind the error, when a server answered: a request that got
   * one was not refused by the network or by CORS.
   */
  readonly status?: number;
  /** The registry's own error code (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, `DENIED`, …), when it sent one. */
  readonly registryCode?: string;

  /**
   * Creates an error of the given class.
   *
   * @param code The stable error code.
   * @param message What was being done, then expected versus found.
   * @param options The wrapped cause and the parse reason.
   */
  constructor(code: ErrorCode, message: string, options: OciStoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.reason !== undefined) this.reason = options.reason;
    if (options.problem !== undefined) this.problem = options.problem;
    if (options.missing !== undefined) this.missing = options.missing;
    if (options.status !== undefined) this.status = options.status;
    if (options.registryCode !== undefined) this.registryCode = options.registryCode;
  }
}

/**
 * Something asked for does not exist (containerd's `ErrNotFound`).
 *
 * @example
 * ```ts
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new NotFoundError("no such image").code, "NOT_FOUND");
 * ```
 */
export class NotFoundError extends OciStoreError {
  /**
   * Creates the error.
   *
   * @param message What was looked for and where.
   * @param options The wrapped cause.
   */
  constructor(message: string, options?: OciStoreErrorOptions) {
    super("NOT_FOUND", message, options);
  }
}

/**
 * The input is malformed (containerd's `ErrInvalidArgument`).
 *
 * @example
 * ```ts
 * import { InvalidArgumentError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const error = new InvalidArgumentError("bad name", { reason: "NAME_EMPTY" });
 * assertEquals([error.code, error.reason], ["INVALID_ARGUMENT", "NAME_EMPTY"]);
 * ```
 */
export class InvalidArgumentError extends OciStoreError {
  /**
   * Creates the error.
   *
   * @param message The action, then expected versus found.
   * @param options The wrapped cause and the parse reason.
   */
  constructor(message: string, options?: OciStoreErrorOptions) {
    super("INVALID_ARGUMENT", message, options);
  }
}

/**
 * Something to be created exists already (containerd's `ErrAlreadyExists`).
 *
 * @example
 * ```ts
 * import { AlreadyExistsError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new AlreadyExistsError("blob exists").code, "ALREADY_EXISTS");
 * ```
 */
export class AlreadyExistsError extends OciStoreError {
  /**
   * Creates the error.
   *
   * @param message What exists already.
   * @param options The wrapped cause.
   */
  constructor(message: string, options?: OciStoreErrorOptions) {
    super("ALREADY_EXISTS", message, options);
  }
}

/**
 * A short digest matches more than one digest (go-digest's `ErrDigestAmbiguous`).
 *
 * @example
 * ```ts
 * import { AmbiguousDigestError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const error = new AmbiguousDigestError('Cannot look up "ab": 2 digests match', { matches: 2 });
 * assertEquals([error.code, error.matches], ["AMBIGUOUS", 2]);
 * ```
 */
export class AmbiguousDigestError extends OciStoreError {
  /** How many digests share the prefix, when known (at least 2). */
  readonly matches: number;

  /**
   * Creates the error.
   *
   * @param message The prefix and how many digests match it.
   * @param options The wrapped cause and the number of matches.
   */
  constructor(message: string, options: OciStoreErrorOptions & { matches?: number } = {}) {
    super("AMBIGUOUS", message, options);
    this.matches = options.matches ?? 2;
  }
}

/**
 * Content does not hash to, or is not the size of, the digest that names it.
 *
 * @example
 * ```ts
 * import { DigestMismatchError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const error = new DigestMismatchError("bad blob", { expected: "sha256:aa", actual: "sha256:bb" });
 * assertEquals([error.code, error.expected, error.actual], ["DIGEST_MISMATCH", "sha256:aa", "sha256:bb"]);
 * ```
 */
export class DigestMismatchError extends OciStoreError {
  /** The digest (or size) the descriptor declared. */
  readonly expected: string;
  /** The digest (or size) the content has. */
  readonly actual: string;

  /**
   * Creates the error.
   *
   * @param message The blob, then expected versus found.
   * @param options The expected and actual values.
   */
  constructor(
    message: string,
    options: OciStoreErrorOptions & { expected: string; actual: string },
  ) {
    super("DIGEST_MISMATCH", message, options);
    this.expected = options.expected;
    this.actual = options.actual;
  }
}

/**
 * The input is well formed but not supported (schema 1 manifests, unknown digest algorithms).
 *
 * @example
 * ```ts
 * import { UnsupportedError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new UnsupportedError("schema 1").code, "UNSUPPORTED");
 * ```
 */
export class UnsupportedError extends OciStoreError {
  /**
   * Creates the error.
   *
   * @param message What is not supported.
   * @param options The wrapped cause and the parse reason.
   */
  constructor(message: string, options?: OciStoreErrorOptions) {
    super("UNSUPPORTED", message, options);
  }
}

/**
 * A source refused access (registry 401/403, token exchange failed).
 *
 * @example
 * ```ts
 * import { UnauthorizedError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new UnauthorizedError("401 from registry").code, "UNAUTHORIZED");
 * ```
 */
export class UnauthorizedError extends OciStoreError {
  /**
   * Creates the error.
   *
   * @param message Who refused what.
   * @param options The wrapped cause.
   */
  constructor(message: string, options?: OciStoreErrorOptions) {
    super("UNAUTHORIZED", message, options);
  }
}

/**
 * A source could not be reached or read for a reason that may pass (I/O, network).
 *
 * @example
 * ```ts
 * import { UnavailableError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new UnavailableError("connection refused").code, "UNAVAILABLE");
 * ```
 */
export class UnavailableError extends OciStoreError {
  /**
   * Seconds the service asked us to wait before trying again (a `Retry-After`), when it said;
   * seconds on every class of the family.
   */
  readonly retryAfter?: number;

  /**
   * Creates the error.
   *
   * @param message What could not be reached.
   * @param options The wrapped cause, and how long to wait before retrying.
   */
  constructor(message: string, options: OciStoreErrorOptions & { retryAfter?: number } = {}) {
    super("UNAVAILABLE", message, options);
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

/** Why a host could not be reached, as far as the runtime's fetch said. */
export type UnreachableReason =
  | "PLAIN_HTTP"
  | "CONNECTION_REFUSED"
  | "NAME_NOT_RESOLVED"
  | "TLS_CERTIFICATE";

/**
 * A source's host could not be reached, for a reason that will not pass by retrying: it speaks
 * plain HTTP to HTTPS, nothing listens, its name does not resolve, its certificate is not trusted.
 * A source that cannot be opened, where {@link UnavailableError} alone may be a busy one.
 *
 * @example
 * ```ts
 * import { UnavailableError, UnreachableError } from "@ocistore/ocistore";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const error = new UnreachableError("connection refused", { unreachable: "CONNECTION_REFUSED" });
 * assert(error instanceof UnavailableError);
 * assertEquals([error.code, error.unreachable], ["UNAVAILABLE", "CONNECTION_REFUSED"]);
 * ```
 */
export class UnreachableError extends UnavailableError {
  /** Why the host could not be reached. */
  readonly unreachable: UnreachableReason;

  /**
   * Creates the error.
   *
   * @param message What could not be reached, then why, in words.
   * @param options The wrapped cause and why.
   */
  constructor(
    message: string,
    options: OciStoreErrorOptions & { unreachable: UnreachableReason },
  ) {
    super(message, options);
    this.unreachable = options.unreachable;
  }
}

/**
 * Adds what was being done to an error of the family: the result has the same class (a
 * subclass such as `TooManyRequestsError` included), `code`, `reason` and extra fields, the
 * message `<action>: <message>`, and the original as its `cause`.
 * Anything that is not an {@link OciStoreError} (a bug, a `TypeError`) is returned as it is.
 *
 * @param error What was caught.
 * @param action What was being done, e.g. `Cannot update "nginx"`.
 * @returns The error to throw.
 * @example
 * ```ts
 * import { UnavailableError, wrapError } from "@ocistore/ocistore";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const wrapped = wrapError(new UnavailableError("registry down", { retryAfter: 5 }), "Cannot pull");
 * assert(wrapped instanceof UnavailableError);
 * assertEquals([wrapped.message, wrapped.retryAfter], ["Cannot pull: registry down", 5]);
 * ```
 */
export function wrapError(error: unknown, action: string): unknown {
  if (!(error instanceof OciStoreError)) return error;
  // Subclasses' constructors take what they like (SnapshotBusyError takes counts), so the
  // wrapper is made by the base and given the original's prototype and own fields.
  const wrapped = new OciStoreError(error.code, `${action}: ${error.message}`, { cause: error });
  return Object.assign(Object.setPrototypeOf(wrapped, Object.getPrototypeOf(error)), {
    ...error,
  });
}

/**
 * Whether `error` is an error of the family with the given code.
 *
 * @param error What was caught.
 * @param code The code to test for.
 * @returns `true` for an {@link OciStoreError} with that code.
 * @example
 * ```ts
 * import { hasErrorCode, NotFoundError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(hasErrorCode(new NotFoundError("no such blob"), "NOT_FOUND"), true);
 * assertEquals(hasErrorCode(new Error("no such blob"), "NOT_FOUND"), false);
 * ```
 */
export function hasErrorCode(error: unknown, code: ErrorCode): error is OciStoreError {
  return error instanceof OciStoreError && error.code === code;
}

/**
 * Whether `error` says something does not exist (code `NOT_FOUND`).
 *
 * @param error What was caught.
 * @returns `true` for a not-found error of the family.
 * @example
 * ```ts
 * import { isNotFound, NotFoundError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(isNotFound(new NotFoundError("no such image")), true);
 * ```
 */
export function isNotFound(error: unknown): error is NotFoundError {
  return hasErrorCode(error, "NOT_FOUND");
}

/**
 * Names a value for the "found …" half of an error message: `null`, `an array`, `an object`,
 * `the string "…"` (cut at 40 characters), or its type and value (`number 5`).
 *
 * @param value Anything.
 * @returns A short description.
 * @example
 * ```ts
 * import { describeValue } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(describeValue(42), "number 42");
 * assertEquals(describeValue("latest"), 'the string "latest"');
 * assertEquals(describeValue([1]), "an array");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "function") return "a function";
  return value === undefined ? "undefined" : `${typeof value} ${String(value)}`;
}
