import { assert, assertEquals, assertInstanceOf } from "@std/assert";
import { test } from "../harness.ts";
import {
  AlreadyExistsError,
  AmbiguousDigestError,
  DigestMismatchError,
  InvalidArgumentError,
  NotFoundError,
  OciStoreError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedError,
} from "../../src/core/errors.ts";

test("every error class carries its stable code and name", () => {
  const cases: [OciStoreError, string, string][] = [
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
  for (const [error, code, name] of cases) {
    assertInstanceOf(error, OciStoreError);
    assertInstanceOf(error, Error);
    assertEquals([error.code, error.name], [code, name]);
  }
});

test("an error keeps its cause and parse reason", () => {
  const cause = new Error("lower");
  const error = new InvalidArgumentError("upper", { cause, reason: "NAME_EMPTY" });
  assert(error.cause === cause);
  assertEquals(error.reason, "NAME_EMPTY");
  assertEquals(new NotFoundError("x").reason, undefined);
});
