/** Shared plumbing for the distribution/reference vectors in tests/testdata/reference.json. */
import {
  assertEquals,
  assertGreater,
  assertInstanceOf,
  AssertionError,
  assertStringIncludes,
} from "@std/assert";
import { test, testEach } from "../harness.ts";
import { readTestData } from "../testdata.ts";
import { type ErrorReason, InvalidArgumentError, UnsupportedError } from "../../src/core/errors.ts";
import { familiarName, familiarString } from "../../src/core/normalize.ts";
import { formatReference, type Reference } from "../../src/core/reference.ts";

/** One row of the vectors file; fields depend on the group. */
export interface ReferenceCase {
  readonly group: string;
  readonly test: string;
  readonly expect: Record<string, unknown>;
  readonly [field: string]: unknown;
}

/** The vectors file. */
export interface ReferenceVectors {
  readonly source: string;
  readonly cases: readonly ReferenceCase[];
  readonly derived: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
}

let cached: ReferenceVectors | undefined;

/** The parsed vectors file (read once). */
export function vectors(): ReferenceVectors {
  return cached ??= readTestData<ReferenceVectors>("reference.json");
}

/** The rows of one group. */
export function casesOf(group: string): ReferenceCase[] {
  const cases = vectors().cases.filter((c) => c.group === group);
  if (cases.length === 0) throw new Error(`no vectors in group ${group}`);
  return cases;
}

/**
 * The expectation at distribution/reference HEAD: rows that exist only in the v0.5.0 table carry
 * the HEAD result in `head`.
 */
export function headExpect(c: ReferenceCase): Record<string, unknown> {
  const versions = c.versions as string[] | undefined;
  if (versions && !versions.includes("HEAD") && c.head) return c.head as Record<string, unknown>;
  return c.expect;
}

/** The kind name the vectors use for a reference. */
export function kindOf(ref: Reference): string {
  if (ref.path === "") return "digested";
  let kind = "named";
  if (ref.tag !== undefined) kind += "+tagged";
  if (ref.digest !== undefined) kind += "+digested";
  return kind;
}

/** Every observable of a reference under the vectors' field names (`""` = absent). */
export function describeRef(ref: Reference): Record<string, string> {
  return {
    kind: kindOf(ref),
    string: formatReference(ref),
    name: formatReference({ domain: ref.domain, path: ref.path }),
    domain: ref.domain,
    path: ref.path,
    tag: ref.tag ?? "",
    digest: ref.digest ?? "",
    familiarName: familiarName(ref),
    familiarString: familiarString(ref),
  };
}

/** Asserts that each field named in `expected` has that value (absent tag/digest = `""`). */
export function assertFields(ref: Reference, expected: Record<string, unknown>): void {
  const actual = describeRef(ref);
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(expected)) picked[key] = actual[key];
  assertEquals(picked, expected);
}

const errorClasses: Record<string, [typeof InvalidArgumentError, ErrorReason]> = {
  ErrReferenceInvalidFormat: [InvalidArgumentError, "REFERENCE_INVALID_FORMAT"],
  ErrTagInvalidFormat: [InvalidArgumentError, "TAG_INVALID_FORMAT"],
  ErrDigestInvalidFormat: [InvalidArgumentError, "DIGEST_INVALID_FORMAT"],
  ErrNameContainsUppercase: [InvalidArgumentError, "NAME_CONTAINS_UPPERCASE"],
  ErrNameEmpty: [InvalidArgumentError, "NAME_EMPTY"],
  ErrNameTooLong: [InvalidArgumentError, "NAME_TOO_LONG"],
  ErrNameNotCanonical: [InvalidArgumentError, "NAME_NOT_CANONICAL"],
  "digest.ErrDigestInvalidFormat": [InvalidArgumentError, "DIGEST_INVALID_FORMAT"],
  "digest.ErrDigestInvalidLength": [InvalidArgumentError, "DIGEST_INVALID_LENGTH"],
  "digest.ErrDigestUnsupported": [UnsupportedError, "DIGEST_UNSUPPORTED"],
  // ParseNormalizedNamed's own unwrapped errors.
  NormalizeIdentifierAsName: [InvalidArgumentError, "REFERENCE_INVALID_FORMAT"],
  NormalizeUppercaseRepository: [InvalidArgumentError, "NAME_CONTAINS_UPPERCASE"],
};

/**
 * Asserts that `fn` throws the error the upstream name maps to; `input` must be quoted in the
 * message, and for upstream messages naming a part in parentheses that part must be quoted too.
 */
export function assertUpstreamError(
  fn: () => unknown,
  upstream: string,
  input?: string,
  upstreamMessage?: string,
): void {
  const mapped = errorClasses[upstream];
  if (!mapped) throw new Error(`unknown upstream error ${upstream}`);
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new AssertionError(`expected ${upstream}, nothing was thrown`);
  assertInstanceOf(thrown, mapped[0]);
  assertEquals(
    (thrown as InvalidArgumentError).reason,
    mapped[1],
    `${upstream}: ${(thrown as Error).message}`,
  );
  const message = (thrown as Error).message;
  if (input !== undefined) assertStringIncludes(message, quotedPrefix(input));
  const part = upstreamMessage?.match(/\(([^)]*)\)/)?.[1];
  if (part !== undefined) assertStringIncludes(message, quotedPrefix(part));
}

function quotedPrefix(text: string): string {
  return JSON.stringify(text.slice(0, 200)).slice(0, -1);
}

/**
 * Registers one test per derived row of one upstream function (`{error[, message]}` or the
 * fields), and one that there are over 100 such rows.
 */
export function testDerived(title: string, fn: string, run: (input: string) => Reference): void {
  const rows = Object.entries(vectors().derived).filter(([, results]) => fn in results);
  test(`${title} has over 100 derived ${fn} vectors`, () => assertGreater(rows.length, 100));
  testEach(
    `${title} derived ${fn}`,
    rows,
    ([input]) => JSON.stringify(input),
    ([input, results]) => {
      const expected = results[fn];
      if (typeof expected.error === "string") {
        assertUpstreamError(() => run(input), expected.error, input, expected.message as string);
      } else {
        assertFields(run(input), expected);
      }
    },
  );
}
