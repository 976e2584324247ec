import fc from "fast-check";
import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { test, testEach } from "../harness.ts";
import {
  assertFields,
  assertUpstreamError,
  casesOf,
  type ReferenceCase,
  testDerived,
} from "./_reference_vectors.ts";
import { InvalidArgumentError, type OciStoreError } from "../../src/core/errors.ts";
import {
  familiarName,
  familiarString,
  parseAnyReference,
  parseDockerRef,
  parseNormalizedReference,
} from "../../src/core/normalize.ts";
import { formatReference, type Reference } from "../../src/core/reference.ts";

const label = (c: ReferenceCase) => JSON.stringify(c.input ?? c.reference);

testEach(
  "parseNormalizedReference() ParseNormalizedNamed",
  casesOf("parseNormalizedNamed"),
  label,
  (c) => {
    const input = c.input as string;
    const run = () => parseNormalizedReference(input);
    if (c.expect.valid === false) {
      if (typeof c.error === "string") assertUpstreamError(run, c.error, input);
      else assertThrows(run, InvalidArgumentError);
    } else if (c.expect.valid === true) {
      assertFields(run(), c.normalized as Record<string, unknown>);
    } else {
      assertFields(run(), c.expect);
    }
  },
);

testEach(
  "parseNormalizedReference() with requireCanonical ParseNamed",
  casesOf("parseNamed"),
  label,
  (c) => {
    const input = c.input as string;
    const run = () => parseNormalizedReference(input, { requireCanonical: true });
    if (typeof c.expect.error === "string") assertUpstreamError(run, c.expect.error, input);
    else assertFields(run(), c.expect);
  },
);

testEach("parseAnyReference() ParseAnyReference", casesOf("parseAnyReference"), label, (c) => {
  assertFields(parseAnyReference(c.input as string), c.expect);
});

testEach("parseDockerRef() ParseDockerRef", casesOf("parseDockerRef"), label, (c) => {
  assertEquals(formatReference(parseDockerRef(c.input as string)), c.expect.string);
});

testDerived(
  "parseNormalizedReference()",
  "ParseNormalizedNamed",
  (s) => parseNormalizedReference(s),
);

testDerived("parseDockerRef()", "ParseDockerRef", parseDockerRef);

testDerived("parseAnyReference()", "ParseAnyReference", parseAnyReference);

// Go's path.Match, to model reference.FamiliarMatch over familiarString()/familiarName().
class BadPatternError extends Error {}

function scanChunk(pattern: string): [star: boolean, chunk: string, rest: string] {
  let star = false;
  while (pattern.startsWith("*")) {
    pattern = pattern.slice(1);
    star = true;
  }
  let inRange = false;
  let i = 0;
  scan: for (; i < pattern.length; i++) {
    switch (pattern[i]) {
      case "\\":
        if (i + 1 < pattern.length) i++;
        break;
      case "[":
        inRange = true;
        break;
      case "]":
        inRange = false;
        break;
      case "*":
        if (!inRange) break scan;
    }
  }
  return [star, pattern.slice(0, i), pattern.slice(i)];
}

function getEsc(chunk: string): [char: string, rest: string] {
  if (chunk === "" || chunk[0] === "-" || chunk[0] === "]") throw new BadPatternError();
  if (chunk[0] === "\\") {
    chunk = chunk.slice(1);
    if (chunk === "") throw new BadPatternError();
  }
  const rest = chunk.slice(1);
  if (rest === "") throw new BadPatternError();
  return [chunk[0], rest];
}

function matchChunk(chunk: string, s: string): string | undefined {
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s === "") failed = true;
    switch (chunk[0]) {
      case "[": {
        let c = "";
        if (!failed) [c, s] = [s[0], s.slice(1)];
        chunk = chunk.slice(1);
        const negated = chunk[0] === "^";
        if (negated) chunk = chunk.slice(1);
        let match = false;
        for (let ranges = 0;; ranges++) {
          if (chunk[0] === "]" && ranges > 0) {
            chunk = chunk.slice(1);
            break;
          }
          let lo: string;
          let hi: string;
          [lo, chunk] = getEsc(chunk);
          hi = lo;
          if (chunk[0] === "-") [hi, chunk] = getEsc(chunk.slice(1));
          if (!failed && lo <= c && c <= hi) match = true;
        }
        if (match === negated) failed = true;
        break;
      }
      case "?":
        if (!failed) {
          if (s[0] === "/") failed = true;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
        break;
      default:
        if (chunk[0] === "\\") {
          chunk = chunk.slice(1);
          if (chunk === "") throw new BadPatternError();
        }
        if (!failed) {
          if (chunk[0] !== s[0]) failed = true;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
    }
  }
  return failed ? undefined : s;
}

function pathMatch(pattern: string, name: string): boolean {
  patterns: while (pattern.length > 0) {
    let star: boolean;
    let chunk: string;
    [star, chunk, pattern] = scanChunk(pattern);
    if (star && chunk === "") return !name.includes("/");
    const t = matchChunk(chunk, name);
    if (t !== undefined && (t === "" || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < name.length && name[i] !== "/"; i++) {
        const t = matchChunk(chunk, name.slice(i + 1));
        if (t !== undefined) {
          if (pattern.length === 0 && t.length > 0) continue;
          name = t;
          continue patterns;
        }
      }
    }
    while (pattern.length > 0) {
      [, chunk, pattern] = scanChunk(pattern);
      matchChunk(chunk, "");
    }
    return false;
  }
  return name === "";
}

function familiarMatch(pattern: string, ref: Reference): boolean {
  if (pathMatch(pattern, familiarString(ref))) return true;
  return ref.path !== "" && pathMatch(pattern, familiarName(ref));
}

testEach(
  "familiarString() and familiarName() via path.Match: FamiliarMatch",
  casesOf("familiarMatch"),
  label,
  (c) => {
    const ref = parseAnyReference(c.reference as string);
    const run = () => familiarMatch(c.pattern as string, ref);
    if (c.expect.error === "path.ErrBadPattern") assertThrows(run, BadPatternError);
    else assertEquals(run(), c.expect.match);
  },
);

test("the 64-hex and uppercase errors say what was expected and quote the input", () => {
  const id = "a".repeat(64);
  let error = assertThrows(
    () => parseNormalizedReference(id),
    InvalidArgumentError,
  ) as OciStoreError;
  assertEquals(error.reason, "REFERENCE_INVALID_FORMAT");
  assertStringIncludes(error.message, `"${id}"`);
  assertStringIncludes(error.message, "hexadecimal");
  error = assertThrows(
    () => parseNormalizedReference("docker/Docker:Tag"),
    InvalidArgumentError,
  ) as OciStoreError;
  assertEquals(error.reason, "NAME_CONTAINS_UPPERCASE");
  assertEquals(
    error.message,
    'Cannot parse reference "docker/Docker:Tag": repository name "docker/Docker" must be ' +
      "lowercase",
  );
});

test("parse errors from a normalized reference quote what the caller wrote", () => {
  const error = assertThrows(() => parseNormalizedReference("foo/-bar"), InvalidArgumentError);
  assertStringIncludes(error.message, '"foo/-bar"');
  assertEquals(error.message.includes("docker.io"), false);
});

test("a digest-only reference has no familiar name and prints as its digest", () => {
  const digest = `sha512:${"c".repeat(128)}`;
  const ref = parseAnyReference(digest);
  assertEquals(ref, { domain: "", path: "", digest });
  assertEquals([familiarName(ref), familiarString(ref), formatReference(ref)], [
    "",
    digest,
    digest,
  ]);
});

test("only the literal docker.io domain is familiarized", () => {
  assertEquals(familiarString(parseNormalizedReference("index.docker.io/library/foo:1")), "foo:1");
  const strict: Reference = { domain: "index.docker.io", path: "library/foo" };
  assertEquals(familiarName(strict), "index.docker.io/library/foo");
  assertEquals(familiarName({ domain: "docker.io", path: "library/a/b" }), "library/a/b");
});

// ---- property tests -------------------------------------------------------------------------

const alnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789");
const word = (min: number, max: number) =>
  fc.array(alnum, { minLength: min, maxLength: max }).map((a) => a.join(""));
const component = fc.tuple(word(1, 6), fc.constantFrom("", ".", "_", "__", "-", "--"), word(1, 6))
  .map(([a, s, b]) => (s === "" ? a : a + s + b));
const tag = fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/), { nil: undefined });
const digest = fc.option(
  fc.array(fc.constantFrom(..."0123456789abcdef"), { minLength: 64, maxLength: 64 })
    .map((h) => `sha256:${h.join("")}`),
  { nil: undefined },
);

test("property: familiarString() of a Docker Hub reference normalizes back to it", () => {
  const hubPath = fc.array(component, { minLength: 1, maxLength: 3 }).map((c) =>
    c.length === 1 ? `library/${c[0]}` : c.join("/")
  ).filter((p) => !/[.]/.test(p.split("/")[0]) && p.split("/")[0] !== "localhost");
  fc.assert(
    fc.property(hubPath, tag, digest, (path, t, d) => {
      const ref: Reference = {
        domain: "docker.io",
        path,
        ...(t === undefined ? {} : { tag: t }),
        ...(d === undefined ? {} : { digest: d }),
      };
      const familiar = familiarString(ref);
      assertEquals(familiar.startsWith("docker.io/"), false);
      assertEquals(parseNormalizedReference(familiar), ref);
      assertEquals(parseNormalizedReference(formatReference(ref), { requireCanonical: true }), ref);
      const docker = parseDockerRef(familiar);
      assertEquals(docker.tag, d === undefined ? (t ?? "latest") : undefined);
      assertEquals(docker.digest, d);
    }),
    { numRuns: 300 },
  );
});

test("property: a reference whose domain looks like one normalizes to itself", () => {
  const domain = fc.oneof(
    fc.constant("localhost"),
    fc.tuple(word(1, 5), word(1, 5)).map(([a, b]) => `${a}.${b}`),
    fc.tuple(word(1, 5), fc.nat(65535)).map(([a, p]) => `${a}:${p}`),
    fc.constant("[::1]:5000"),
    fc.constantFrom("Registry", "LOCALDOMAIN", "My-Host"),
  );
  fc.assert(
    fc.property(domain, fc.array(component, { minLength: 1, maxLength: 3 }), tag, (d, c, t) => {
      const ref: Reference = {
        domain: d,
        path: c.join("/"),
        ...(t === undefined ? {} : { tag: t }),
      };
      assertEquals(parseNormalizedReference(formatReference(ref)), ref);
      assertEquals(familiarString(ref), formatReference(ref));
    }),
    { numRuns: 300 },
  );
});

test("property: uppercase in the repository part is NAME_CONTAINS_UPPERCASE", () => {
  fc.assert(
    fc.property(word(1, 6), word(1, 6), fc.constantFrom("", "example.com/"), (a, b, d) => {
      const upper = `${a}${b.toUpperCase()}`;
      fc.pre(upper !== upper.toLowerCase());
      const error = assertThrows(
        () => parseNormalizedReference(`${d}${a}/${upper}:TAG`),
        InvalidArgumentError,
      ) as OciStoreError;
      assertEquals(error.reason, "NAME_CONTAINS_UPPERCASE");
    }),
    { numRuns: 200 },
  );
});
