import fc from "fast-check";
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { test, testEach } from "../harness.ts";
import {
  assertFields,
  assertUpstreamError,
  casesOf,
  headExpect,
  type ReferenceCase,
  testDerived,
  vectors,
} from "./_reference_vectors.ts";
import {
  isDomainAndPort,
  isIdentifier,
  matchName,
  matchReference,
  MAX_REFERENCE_LENGTH,
  parseName,
} from "../../src/core/_reference_grammar.ts";
import { InvalidArgumentError, type OciStoreError } from "../../src/core/errors.ts";
import { parseNormalizedReference } from "../../src/core/normalize.ts";
import {
  formatReference,
  parseReference,
  type Reference,
  withDigest,
  withTag,
} from "../../src/core/reference.ts";

const label = (c: ReferenceCase) => JSON.stringify(c.input ?? c.name);

testEach("parseReference() Parse at HEAD", casesOf("parse"), label, (c) => {
  const input = c.input as string;
  let expected = headExpect(c);
  // The peer test binary links only sha256; containerd has sha384 and sha512 too, and the
  // vector's note records the result with them.
  const note = c.note as string | undefined;
  if (note?.includes("With sha512 registered")) {
    expected = JSON.parse(note.slice(note.indexOf("{")));
  }
  if (typeof expected.error === "string") {
    assertUpstreamError(() => parseReference(input), expected.error, input);
  } else {
    const ref = parseReference(input);
    assertFields(ref, expected);
    assertEquals(parseReference(formatReference(ref)), ref);
  }
});

testEach("parseName() WithName at HEAD", casesOf("withName"), label, (c) => {
  const input = c.input as string;
  const expected = headExpect(c);
  if (typeof expected.error === "string") {
    assertUpstreamError(() => parseName(input), expected.error, input);
  } else {
    assertEquals(parseName(input), expected);
  }
});

testEach(
  "parseReference() from JSON text prints back like Go's reference field:",
  casesOf("fieldJSON"),
  label,
  (c) => {
    const input = JSON.parse(JSON.stringify(c.input)) as string;
    const expected = c.expect;
    if (typeof expected.error === "string") {
      assertUpstreamError(() => parseReference(input), expected.error);
      return;
    }
    const ref = parseReference(input);
    assertFields(ref, { name: expected.name, tag: expected.tag, digest: expected.digest });
    assertEquals(JSON.stringify(formatReference(ref)), JSON.stringify(expected.marshalsTo));
  },
);

function startingName(c: ReferenceCase): Reference {
  const name = c.name as string;
  return c.normalizeNameFirst ? parseNormalizedReference(name) : parseName(name);
}

testEach("withTag() WithTag", casesOf("withTag"), label, (c) => {
  let ref = startingName(c);
  if (c.digest) ref = withDigest(ref, c.digest as string);
  const result = () => withTag(ref, c.tag as string);
  if (typeof c.expect.error === "string") assertUpstreamError(result, c.expect.error);
  else assertEquals(formatReference(result()), c.expect.string);
});

testEach("withDigest() WithDigest", casesOf("withDigest"), label, (c) => {
  let ref = startingName(c);
  if (c.tag) ref = withTag(ref, c.tag as string);
  const result = () => withDigest(ref, c.digest as string);
  if (typeof c.expect.error === "string") assertUpstreamError(result, c.expect.error);
  else assertEquals(formatReference(result()), c.expect.string);
});

testEach(
  "the domain-and-port pattern TestDomainRegexp",
  casesOf("regexp.domainAndPort"),
  label,
  (c) => {
    assertEquals(isDomainAndPort(c.input as string), c.expect.match);
  },
);

testEach(
  "the identifier pattern TestIdentifierRegexp",
  casesOf("regexp.identifier"),
  label,
  (c) => {
    assertEquals(isIdentifier(c.input as string), c.expect.match);
  },
);

testEach(
  "the anchored name pattern captures domain and path: TestFullNameRegexp",
  casesOf("regexp.anchoredName"),
  label,
  (c) => {
    const match = matchName(c.input as string);
    const { match: matches, ...groups } = c.expect;
    assertEquals(match !== undefined, matches);
    if (match) assertEquals(match, groups);
  },
);

testEach(
  "the reference pattern captures name, tag and digest: TestReferenceRegexp",
  casesOf("regexp.reference"),
  label,
  (c) => {
    const match = matchReference(c.input as string);
    const { match: matches, ...groups } = c.expect;
    assertEquals(match !== undefined, matches);
    if (match) {
      assertEquals({ name: match.name, tag: match.tag ?? "", digest: match.digest ?? "" }, groups);
    }
  },
);

testDerived("parseReference() at HEAD", "Parse", parseReference);

testDerived("parseName() at HEAD", "WithName", parseName);

test("the vectors file holds only groups these tests know", () => {
  const known = new Set([
    "parse",
    "withName",
    "fieldJSON",
    "withTag",
    "withDigest",
    "parseNamed",
    "parseNormalizedNamed",
    "parseAnyReference",
    "parseDockerRef",
    "familiarMatch",
    "sort",
    "regexp.domainAndPort",
    "regexp.identifier",
    "regexp.anchoredName",
    "regexp.reference",
  ]);
  assertEquals(vectors().cases.filter((c) => !known.has(c.group)), []);
  assertEquals(vectors().cases.length, 246);
  assertEquals(Object.keys(vectors().derived).length, 202);
});

test("withTag() keeps the digest and replaces a tag; withDigest() keeps the tag", () => {
  const digest = `sha256:${"e".repeat(64)}`;
  const ref = parseReference(`example.com/app:1@${digest}`);
  assertEquals(withTag(ref, "2"), { domain: "example.com", path: "app", tag: "2", digest });
  const other = `sha512:${"f".repeat(128)}`;
  assertEquals(withDigest(ref, other), {
    domain: "example.com",
    path: "app",
    tag: "1",
    digest: other,
  });
});

test("withTag() rejects a bad tag and withDigest() a bad digest, quoting both", () => {
  const ref = parseReference("app");
  for (const tag of ["", ".x", "-x", "a~b", "a".repeat(129), "a:b"]) {
    const error = assertThrows(() => withTag(ref, tag), InvalidArgumentError) as OciStoreError;
    assertEquals(error.reason, "TAG_INVALID_FORMAT");
    assertStringIncludes(error.message, '"app"');
  }
  assertEquals(withTag(ref, "_".repeat(128)).tag, "_".repeat(128));
  for (
    const digest of ["foo", "sha256:abc", "sha256:" + "g".repeat(64), "1sha:" + "a".repeat(32)]
  ) {
    const error = assertThrows(
      () => withDigest(ref, digest),
      InvalidArgumentError,
    ) as OciStoreError;
    assertEquals(error.reason, "DIGEST_INVALID_FORMAT");
  }
});

test("withTag() and withDigest() refuse a digest-only reference", () => {
  const digestOnly: Reference = { domain: "", path: "", digest: `sha256:${"a".repeat(64)}` };
  assertEquals(formatReference(digestOnly), digestOnly.digest);
  const error = assertThrows(() => withTag(digestOnly, "x"), InvalidArgumentError) as OciStoreError;
  assertEquals(error.reason, "NAME_EMPTY");
  assertThrows(() => withDigest(digestOnly, digestOnly.digest!), InvalidArgumentError);
});

test("parseReference() wraps digest errors, keeping the go-digest reason and class", () => {
  const error = assertThrows(
    () => parseReference(`app@sha256:${"A".repeat(64)}`),
    InvalidArgumentError,
  ) as OciStoreError;
  assertEquals(error.reason, "DIGEST_INVALID_FORMAT");
  assertStringIncludes(error.message, '"app@sha256:');
  assertInstanceOf(error.cause, InvalidArgumentError);
});

test("parseReference() refuses absurdly long input quickly instead of backtracking", () => {
  const huge = [
    "a".repeat(200_000),
    "a-".repeat(100_000) + "!",
    "a/".repeat(100_000),
    "x@" + "a".repeat(100_000) + ":" + "0".repeat(100_000),
  ];
  for (const text of huge) {
    const error = assertThrows(() => parseReference(text), InvalidArgumentError) as OciStoreError;
    assertEquals(error.reason, "REFERENCE_INVALID_FORMAT");
    assert(error.message.length < 400);
  }
  // Just under the cap the patterns still finish (each in about a millisecond).
  const near = MAX_REFERENCE_LENGTH - 10;
  const adversarial = [
    "a".repeat(near) + "!",
    "a-".repeat(near / 2) + "!",
    "a.".repeat(near / 2) + "!",
    "a__".repeat(near / 3) + "!",
    "A".repeat(near) + "/a!",
    "[" + ":".repeat(near) + "/a",
    "a:" + "a".repeat(near),
    "a@" + "a".repeat(near / 2) + ":" + "f".repeat(near / 2 - 10) + "!",
    "a/".repeat(near / 2) + "!",
  ];
  for (const text of adversarial) assertThrows(() => parseReference(text), InvalidArgumentError);
});

test("parseReference() takes a long domain but measures only the path against 255", () => {
  const domain = "d".repeat(300) + ".example.com";
  assertEquals(parseReference(`${domain}/${"p".repeat(255)}`).path.length, 255);
  const error = assertThrows(
    () => parseReference(`${domain}/${"p".repeat(256)}`),
    InvalidArgumentError,
  ) as OciStoreError;
  assertEquals(error.reason, "NAME_TOO_LONG");
});

test("parseReference() rejects a value that is not a string with a TypeError", () => {
  assertThrows(() => parseReference(42 as unknown as string), TypeError);
});

// ---- property tests -------------------------------------------------------------------------

const alnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789");
const mixedAlnum = fc.constantFrom(..."abcXYZ0189");
const word = (chars: fc.Arbitrary<string>, min: number, max: number) =>
  fc.array(chars, { minLength: min, maxLength: max }).map((a) => a.join(""));

const domainComponent = fc.oneof(
  word(mixedAlnum, 1, 1),
  fc.tuple(
    word(mixedAlnum, 1, 1),
    word(fc.constantFrom("a", "Z", "9", "-"), 0, 6),
    word(mixedAlnum, 1, 1),
  )
    .map((p) => p.join("")),
);
const port = fc.option(fc.integer({ min: 0, max: 99999 }).map((n) => `:${n}`), { nil: undefined });
const hostName = fc.array(domainComponent, { minLength: 1, maxLength: 4 }).map((c) => c.join("."));
const ipv6 = word(fc.constantFrom(..."0123456789abcdefABCDEF:"), 1, 39).map((h) => `[${h}]`);
const domain = fc.tuple(fc.oneof(hostName, ipv6), port).map(([h, p]) => h + (p ?? ""));
const separator = fc.constantFrom(".", "_", "__", "-", "--", "---");
const pathComponent = fc.tuple(
  word(alnum, 1, 8),
  fc.array(fc.tuple(separator, word(alnum, 1, 8)).map((p) => p.join("")), { maxLength: 3 }),
).map(([head, rest]) => head + rest.join(""));
const path = fc.array(pathComponent, { minLength: 1, maxLength: 5 }).map((c) => c.join("/"));
const tagChars = fc.constantFrom(..."aZ09_.-");
const tag = fc.tuple(fc.constantFrom(..."aZ09_"), word(tagChars, 0, 127)).map((p) => p.join(""));
const hex = (n: number) => word(fc.constantFrom(..."0123456789abcdef"), n, n);
const digest = fc.oneof(
  hex(64).map((h) => `sha256:${h}`),
  hex(96).map((h) => `sha384:${h}`),
  hex(128).map((h) => `sha512:${h}`),
);
// Without a domain the path is one component: with more, Parse reads the first as a domain.
const reference: fc.Arbitrary<Reference> = fc.record({
  domain: fc.option(domain, { nil: undefined }),
  path,
  tag: fc.option(tag, { nil: undefined }),
  digest: fc.option(digest, { nil: undefined }),
}).map(({ domain, path, tag, digest }) => ({
  domain: domain ?? "",
  path: domain === undefined ? path.split("/")[0] : path,
  ...(tag === undefined ? {} : { tag }),
  ...(digest === undefined ? {} : { digest }),
}));

test("property: every grammatical reference prints and parses back to itself", () => {
  fc.assert(
    fc.property(reference, (ref) => {
      assertEquals(parseReference(formatReference(ref)), ref);
      assertEquals(parseName(formatReference({ domain: ref.domain, path: ref.path })), {
        domain: ref.domain,
        path: ref.path,
      });
    }),
    { numRuns: 500 },
  );
});

test("property: withTag() and withDigest() build what parseReference() reads", () => {
  fc.assert(
    fc.property(reference, tag, digest, (ref, t, d) => {
      const built = withDigest(withTag({ domain: ref.domain, path: ref.path }, t), d);
      assertEquals(parseReference(formatReference(built)), built);
    }),
    { numRuns: 200 },
  );
});

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    assertInstanceOf(error, InvalidArgumentError);
    return error.reason;
  }
  return undefined;
}

test("property: an uppercase letter in the path is NAME_CONTAINS_UPPERCASE", () => {
  const withDomain = reference.filter((r) => r.domain !== "" && /[a-z]/.test(r.path));
  fc.assert(
    fc.property(withDomain, fc.nat(), (ref, at) => {
      const letters = [...ref.path.matchAll(/[a-z]/g)].map((m) => m.index);
      const i = letters[at % letters.length];
      const path = ref.path.slice(0, i) + ref.path[i].toUpperCase() + ref.path.slice(i + 1);
      assertEquals(
        reasonOf(() => parseReference(formatReference({ ...ref, path }))),
        "NAME_CONTAINS_UPPERCASE",
      );
    }),
    { numRuns: 300 },
  );
});

test("property: a bad separator or empty component is REFERENCE_INVALID_FORMAT", () => {
  const breakers = fc.constantFrom("..", "._", "_.", "___", "-.", ".-", "//", "/.", "/-", "/_");
  fc.assert(
    fc.property(reference, breakers, fc.nat(), fc.boolean(), (ref, bad, at, atEnd) => {
      const text = formatReference({ domain: ref.domain, path: ref.path });
      const cut = atEnd ? text.length : text.length - ref.path.length + (at % ref.path.length);
      const broken = text.slice(0, cut) + bad + text.slice(cut);
      const tail = (ref.tag ? `:${ref.tag}` : "") + (ref.digest ? `@${ref.digest}` : "");
      assertEquals(reasonOf(() => parseReference(broken + tail)), "REFERENCE_INVALID_FORMAT");
      assertEquals(reasonOf(() => parseName(broken)), "REFERENCE_INVALID_FORMAT");
    }),
    { numRuns: 300 },
  );
});

test("property: a path over 255 characters is NAME_TOO_LONG, up to 255 is fine", () => {
  const longPath = fc.array(pathComponent, { minLength: 30, maxLength: 80 }).map((c) => c.join("/"))
    .filter((p) => p.length > 255);
  fc.assert(
    fc.property(domain, longPath, fc.option(tag, { nil: undefined }), (d, p, t) => {
      const tail = t === undefined ? "" : `:${t}`;
      assertEquals(reasonOf(() => parseReference(`${d}/${p}${tail}`)), "NAME_TOO_LONG");
      const fits = p.slice(0, 255).replace(/[^a-z0-9]+$/, "");
      assertEquals(parseReference(`${d}/${fits}${tail}`).path, fits);
    }),
    { numRuns: 100 },
  );
});

test("property: a malformed tag is REFERENCE_INVALID_FORMAT in parse, TAG_INVALID_FORMAT in withTag", () => {
  const badTag = fc.oneof(
    fc.tuple(fc.constantFrom(".", "-"), word(tagChars, 0, 10)).map((p) => p.join("")),
    fc.tuple(word(tagChars, 0, 5), fc.constantFrom("~", "!", "+", "é", " "), word(tagChars, 0, 5))
      .map(([a, b, c]) => `a${a}${b}${c}`),
    word(tagChars, 128, 140).map((t) => `a${t}`),
  );
  fc.assert(
    fc.property(domain, path, badTag, (d, p, t) => {
      assertEquals(reasonOf(() => parseReference(`${d}/${p}:${t}`)), "REFERENCE_INVALID_FORMAT");
      assertEquals(reasonOf(() => withTag({ domain: d, path: p }, t)), "TAG_INVALID_FORMAT");
    }),
    { numRuns: 300 },
  );
});

test("a parse error keeps its problem apart from the action, for callers that word it their way", () => {
  const problem = (text: string) =>
    (assertThrows(() => parseReference(text), InvalidArgumentError) as OciStoreError).problem;
  assertEquals(problem("Example.com/App"), "repository name must be lowercase");
  assertEquals(problem(""), "expected a repository name, found nothing");
  assertEquals(
    problem("a b"),
    "expected [domain[:port]/]path[:tag][@digest] with lowercase path components, found path " +
      'component "a b" (a path component is lowercase letters and digits, separated by ".", "_", ' +
      '"__" or "-")',
  );
  assertStringIncludes(problem("app:bad tag!")!, 'found tag "bad tag!" (a tag is 1 to 128');
  assertStringIncludes(
    problem("app@md5:abc")!,
    'found digest "md5:abc" (a digest is ALGORITHM:HEX',
  );
  assertEquals(
    problem(`app@sha256:${"a".repeat(63)}`),
    `Cannot parse digest "sha256:${
      "a".repeat(63)
    }": expected 64 lowercase hex characters, found 63`,
  );
});
