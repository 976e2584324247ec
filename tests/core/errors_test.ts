import { assert, assertEquals, assertInstanceOf } from "@std/assert";
import { test, testEach } from "../harness.ts";
import {
  AlreadyExistsError,
  AmbiguousDigestError,
  describeValue,
  DigestMismatchError,
  hasErrorCode,
  InvalidArgumentError,
  isNotFound,
  NotFoundError,
  OciStoreError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedError,
  wrapError,
} from "../../src/core/errors.ts";
import type { ErrorCode } from "../../src/core/errors.ts";

const classes: [OciStoreError, string, string][] = [
  [new NotFoundError("m"), "NOT_FOUND", "NotFoundError"],
  [new InvalidArgumentError("m"), "INVALID_ARGUMENT", "InvalidArgumentError"],
  [new AlreadyExistsError("m"), "ALREADY_EXISTS", "AlreadyExistsError"],
  [new AmbiguousDigestError("m"), "AMBIGUOUS", "AmbiguousDigestError"],
  [
    new DigestMismatchError("m", { expected: "a", actual: "b" }),
    "DIGEST_MISMATCH",
    "DigestMismatchError",
  ],
  [new UnsupportedError("m"), "UNSUPPORTED", "UnsupportedError"],
  [new UnauthorizedError("m"), "UNAUTHORIZED", "UnauthorizedError"],
  [new UnavailableError("m"), "UNAVAILABLE", "UnavailableError"],
];

testEach(
  "an error class carries its stable code and name:",
  classes,
  ([, , name]) => name,
  ([error, code, name]) => {
    assertInstanceOf(error, OciStoreError);
    assertInstanceOf(error, Error);
    assertEquals([error.code, error.name], [code, name]);
  },
);

test("an error keeps its cause and parse reason", () => {
  const cause = new Error("lower");
  const error = new InvalidArgumentError("upper", { cause, reason: "NAME_EMPTY" });
  assert(error.cause === cause);
  assertEquals(error.reason, "NAME_EMPTY");
  assertEquals(new NotFoundError("x").reason, undefined);
});

// One row per code: a Record over ErrorCode fails to compile when a code is missing.
const _oneOfEach: Record<ErrorCode, OciStoreError> = {
  NOT_FOUND: new NotFoundError("no such blob"),
  INVALID_ARGUMENT: new InvalidArgumentError("bad name", { reason: "NAME_EMPTY" }),
  ALREADY_EXISTS: new AlreadyExistsError("exists"),
  AMBIGUOUS: new AmbiguousDigestError("2 match", { matches: 3 }),
  DIGEST_MISMATCH: new DigestMismatchError("bad bytes", {
    expected: "sha256:a",
    actual: "sha256:b",
  }),
  UNSUPPORTED: new UnsupportedError("schema 1"),
  UNAUTHORIZED: new UnauthorizedError("denied"),
  UNAVAILABLE: new UnavailableError("busy", { retryAfter: 7 }),
};

for (const [code, error] of Object.entries(_oneOfEach)) {
  test(`wrapError() keeps the class, code, reason, fields and cause of ${code}`, () => {
    const wrapped = wrapError(error, 'Cannot update "a"') as OciStoreError;
    assertInstanceOf(wrapped, error.constructor as new (...args: never[]) => OciStoreError);
    assertEquals(wrapped.code, code);
    assertEquals(wrapped.name, error.name);
    assertEquals(wrapped.reason, error.reason);
    assertEquals(wrapped.message, `Cannot update "a": ${error.message}`);
    assertEquals(wrapped.cause, error);
    const fields = (e: OciStoreError) =>
      Object.fromEntries(Object.entries(e).filter(([k]) => !["cause", "message"].includes(k)));
    assertEquals(fields(wrapped), fields(error));
  });
}

/** A subclass whose constructor takes other arguments, as SnapshotBusyError's does. */
class CountedError extends UnavailableError {
  readonly attempts: number;
  constructor(attempts: number) {
    super(`gave up after ${attempts} attempts`, { retryAfter: 2 });
    this.attempts = attempts;
  }
}

test("wrapError() keeps a subclass, whatever its constructor takes", () => {
  const wrapped = wrapError(new CountedError(3), "Cannot read") as CountedError;
  assertInstanceOf(wrapped, CountedError);
  assertInstanceOf(wrapped, UnavailableError);
  assertEquals(
    [wrapped.message, wrapped.attempts, wrapped.retryAfter, wrapped.code, wrapped.name],
    ["Cannot read: gave up after 3 attempts", 3, 2, "UNAVAILABLE", "CountedError"],
  );
  assertInstanceOf(wrapped.cause, CountedError);
});

test("wrapError() returns anything outside the family unchanged", () => {
  const bug = new TypeError("undefined is not a function");
  assertEquals(wrapError(bug, "Cannot update"), bug);
  assertEquals(wrapError("text", "Cannot update"), "text");
});

test("isNotFound() and hasErrorCode() tell the family's codes apart", () => {
  assert(isNotFound(new NotFoundError("x")));
  assert(!isNotFound(new InvalidArgumentError("x")));
  assert(!isNotFound(Object.assign(new Error("x"), { code: "NOT_FOUND" })));
  assert(hasErrorCode(new UnavailableError("x"), "UNAVAILABLE"));
  assert(!hasErrorCode(new UnavailableError("x"), "UNAUTHORIZED"));
});

test("describeValue() names values for error messages", () => {
  assertEquals(
    [null, undefined, [1], {}, "x".repeat(50), 5, true, () => 1].map(describeValue),
    [
      "null",
      "undefined",
      "an array",
      "an object",
      `the string "${"x".repeat(40)}"`,
      "number 5",
      "boolean true",
      "a function",
    ],
  );
});
