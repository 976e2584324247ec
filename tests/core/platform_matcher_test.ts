import { assert, assertEquals, assertFalse } from "@std/assert";
import fc from "fast-check";
import { test, testEach } from "../harness.ts";
import { formatPlatformAll, parsePlatform } from "../../src/core/platform.ts";
import {
  all,
  any,
  defaultMatcher,
  type MatchComparer,
  only,
  onlyOS,
  onlyStrict,
  ordered,
} from "../../src/core/platform_matcher.ts";
import type { Platform } from "../../src/core/types.ts";
import { casesOf, HOST, platformVectors, sortBy } from "./_platform_vectors.ts";

const options = { host: HOST };
const SEED = "9e819fb4a8";
const parse = (specifier: string): Platform => parsePlatform(specifier, options);

const FACTORIES: Record<string, (p: Platform) => MatchComparer> = {
  Only: (p) => only(p, options),
  OnlyStrict: (p) => onlyStrict(p, options),
  OnlyOS: (p) => onlyOS(p, options),
  Ordered: (p) => ordered([p], options),
  Any: (p) => any([p], options),
};

const MATCH_GROUPS: [string, string[]][] = [
  ["Only", ["HEAD", SEED]],
  ["OnlyStrict", ["HEAD", SEED]],
  ["OnlyOS", ["HEAD"]],
];
for (const [name, versions] of MATCH_GROUPS) {
  for (const version of versions) {
    testEach(
      `${name}() matches exactly the candidates: ${version} Test${name}`,
      casesOf(`match.${name}`, version),
      (c) => JSON.stringify(c.platform),
      (c) => {
        const matcher = FACTORIES[name](parse(c.platform));
        for (const s of c.shouldMatch) assert(matcher.match(parse(s)), `${c.platform} ~ ${s}`);
        for (const s of c.shouldNotMatch) {
          assertFalse(matcher.match(parse(s)), `${c.platform} !~ ${s}`);
        }
      },
    );
  }
}

for (const group of ["less.OnlyOS", "less.osFeatures"]) {
  testEach(
    `less() orders the inputs as containerd does: ${group}`,
    casesOf(group, "HEAD"),
    (c) => `${c.matcher ?? "OnlyOS"}(${c.platform})`,
    (c) => {
      const matcher = FACTORIES[c.matcher ?? "OnlyOS"](parse(c.platform));
      const sorted = sortBy(c.input.map(parse), matcher.less).map(formatPlatformAll);
      assertEquals(sorted, c.expect, `${c.matcher ?? "OnlyOS"}(${c.platform})`);
    },
  );
}

testEach(
  "defaultMatcher() on Windows prefers matches with the greatest OS version:",
  casesOf("less.windowsMatchComparer", "HEAD"),
  (c) => c.name ?? JSON.stringify(c.host),
  (c) => {
    const sorted = sortBy(c.input as Platform[], defaultMatcher(c.host).less);
    if (c.expect) assertEquals(sorted, c.expect);
    else assertEquals(sorted[0], c.expectFirst, c.name);
  },
);

testEach(
  "a Windows matcher checks OS version compatibility on a Linux host:",
  casesOf("match.windowsVersion", "HEAD"),
  (c) => `${JSON.stringify(c.host)} ~ ${JSON.stringify(c.candidate)}`,
  (c) => {
    const matcher = onlyStrict(c.host, { host: HOST });
    assertEquals(matcher.match(c.candidate), c.expect.match, JSON.stringify(c));
  },
);

testEach(
  "Windows build compatibility follows the LTSC rules of Test_PlatformCompat:",
  casesOf("windowsCompat", "HEAD"),
  (c) => `${c.major}.${c.minor} host ${c.hostBuild} container ${c.containerBuild}`,
  (c) => {
    const version = (build: number) => `${c.major}.${c.minor}.${build}`;
    const host = { os: "windows", architecture: "amd64", "os.version": version(c.hostBuild) };
    const candidate = { ...host, "os.version": version(c.containerBuild) };
    assertEquals(only(host).match(candidate), c.expect.compatible, JSON.stringify(c));
  },
);

test("Windows version matching accepts empty versions and rejects other major versions", () => {
  const [c] = casesOf("windowsHostOnly", "HEAD");
  assertEquals(defaultMatcher(c.host).match(c.candidate), c.expect.match);
  const host = { os: "windows", architecture: "amd64", "os.version": "10.0.26100.1" };
  assert(onlyStrict({ ...host, "os.version": "not a version" }).match(host));
  assertFalse(onlyStrict(host).match({ ...host, "os.version": "6.3.26100" }));
  assertFalse(onlyStrict(host).match({ ...host, "os.version": "10.0" }));
  // After Windows Server 2025, hosts run containers back to 2025 only.
  const next = { ...host, "os.version": "10.0.27000.1" };
  assert(onlyStrict(next).match({ ...host, "os.version": "10.0.26100.5" }));
  assertFalse(onlyStrict(next).match({ ...host, "os.version": "10.0.20348.5" }));
});

test("the win32k feature is ignored when matching Windows platforms only", () => {
  assert(only(parse("windows/amd64")).match(parse("windows(10.0.20348+win32k)/amd64")));
  assertFalse(only(parse("linux/amd64")).match(parse("linux(+win32k)/amd64")));
  assertFalse(only(parse("windows/amd64")).match(parse("windows(+gpu)/amd64")));
});

testEach(
  "only() accepts the platform vector, in its order: HEAD derived onlyVectors",
  platformVectors().derived.HEAD.onlyVectors,
  (c) => c.platform,
  (c) => {
    const matcher = only(parse(c.platform), options);
    const vector = (c.vector as string[]).map(parse);
    for (const p of vector) assert(matcher.match(p), `${c.platform} ~ ${formatPlatformAll(p)}`);
    const sorted = sortBy([...vector].reverse(), matcher.less);
    assertEquals(sorted.map(formatPlatformAll), vector.map(formatPlatformAll), c.platform);
    for (
      const other of ["linux/amd64", "linux/arm64", "linux/arm/v7", "windows/amd64"].map(parse)
    ) {
      const inVector = vector.some((p) => onlyStrict(p, options).match(other));
      assertEquals(matcher.match(other), inVector, `${c.platform} vs ${formatPlatformAll(other)}`);
    }
  },
);

testEach(
  "only() agrees with the seed vectors HEAD did not change:",
  // HEAD: arm64/v8.2 also accepts v8.1, v8 and arm/v8..v5 (the seed tried arm/v8.2).
  platformVectors().derived[SEED].onlyVectors.filter((c) => c.platform !== "linux/arm64/v8.2"),
  (c) => c.platform,
  (c) => {
    const matcher = only(parse(c.platform), options);
    for (const p of c.vector) assert(matcher.match(parse(p)), `${c.platform} ~ ${p}`);
  },
);

testEach(
  "only() of an arm64 revision containerd does not know matches nothing:",
  ["linux/arm64/v10", "linux/arm64/v8.10", "linux/arm64/v9.8"],
  (specifier) => specifier,
  (specifier) => {
    assertFalse(only(parse(specifier)).match(parse(specifier)), specifier);
    assert(onlyStrict(parse(specifier)).match(parse(specifier)), specifier);
  },
);

test("only() of an arm64 revision matches the revisions it includes", () => {
  assert(only(parse("linux/arm64/v9.7")).match(parse("linux/arm64/v8.9")));
  assert(only(parse("linux/arm64/v9")).match(parse("linux/arm64/v8.5")));
  assertFalse(only(parse("linux/arm64/v9")).match(parse("linux/arm64/v8.6")));
});

testEach(
  "only().less stable-sorts the index platforms: HEAD derived onlySortStable",
  platformVectors().derived.HEAD.onlySortStable,
  (c) => c.matcher,
  (c) => {
    const matcher = only(parse(c.matcher.slice("Only(".length, -1)), options);
    const sorted = sortBy(c.input as Platform[], matcher.less);
    assertEquals(
      sorted.map((platform) => ({ match: matcher.match(platform), platform })),
      c.sortedStable,
      c.matcher,
    );
  },
);

test("defaultMatcher() follows containerd's Default() for Linux, macOS and FreeBSD hosts", () => {
  const linux = defaultMatcher({ os: "linux", architecture: "amd64" });
  assert(linux.match(parse("linux/386")));
  assertFalse(linux.match(parse("windows/amd64")));
  const mac = defaultMatcher({ os: "darwin", architecture: "arm64", variant: "v8" });
  assert(mac.match(parse("linux/arm64")));
  assertFalse(mac.match(parse("linux/arm/v7")));
  assert(mac.less(parse("darwin/arm64"), parse("linux/arm64")));
  const bsd = defaultMatcher({ os: "freebsd", architecture: "arm", variant: "v6" });
  assert(bsd.match(parse("linux/arm/v6")));
  assertFalse(bsd.match(parse("linux/arm/v7")));
  assertFalse(bsd.match(parse("freebsd/arm/v5")));
});

test("all matches everything without preference and any() matches its platforms", () => {
  assert(all.match({ os: "", architecture: "" }));
  assertFalse(all.less(parse("linux/amd64"), parse("linux/arm64")));
  const matcher = any([parse("linux/arm64"), parse("linux/amd64")]);
  assert(matcher.match(parse("linux/amd64")));
  assertFalse(matcher.match(parse("linux/386")));
  assertFalse(matcher.less(parse("linux/arm64"), parse("linux/amd64")));
  assert(matcher.less(parse("linux/amd64"), parse("linux/386")));
});

test("an empty OS matches the host's OS", () => {
  const host = { os: "freebsd", architecture: "amd64" };
  assert(only({ os: "", architecture: "amd64" }, { host }).match(parse("freebsd/amd64")));
  assert(only(parse("freebsd/amd64"), { host }).match({ os: "", architecture: "amd64" }));
  assertFalse(only({ os: "", architecture: "amd64" }).match(parse("freebsd/amd64")));
});

const platformArbitrary: fc.Arbitrary<Platform> = fc.record({
  os: fc.constantFrom("linux", "windows", "darwin", ""),
  architecture: fc.constantFrom("amd64", "386", "arm", "arm64", "x86_64", "aarch64", "s390x"),
  variant: fc.constantFrom("", "v2", "v5", "v6", "v7", "v8", "8", "v8.2", "v9", "v9.1"),
  "os.version": fc.constantFrom("", "10.0.17763.1", "10.0.20348.5", "10.0.26100.2", "7.1"),
  "os.features": fc.subarray(["gpu", "simd", "win32k"]),
}, { requiredKeys: ["os", "architecture"] });

const comparers: [string, (p: Platform) => MatchComparer][] = [
  ["only", (p) => only(p)],
  ["onlyOS", (p) => onlyOS(p)],
  ["ordered", (p) => ordered([p, parse("linux/arm/v6")])],
  ["any", (p) => any([p, parse("windows/amd64")])],
];
for (const [name, make] of comparers) {
  test(`sorting by ${name}(p).less is consistent and keeps equal platforms in order`, () => {
    fc.assert(
      fc.property(platformArbitrary, fc.array(platformArbitrary, { maxLength: 12 }), (p, list) => {
        const { less } = make(p);
        for (const a of list) {
          assertFalse(less(a, a));
          for (const b of list) {
            assertFalse(less(a, b) && less(b, a));
            for (const c of list) if (less(a, b) && less(b, c)) assert(less(a, c));
          }
        }
        const indexed = list.map((platform, index) => ({ platform, index }));
        const sorted = sortBy(indexed, (a, b) => less(a.platform, b.platform));
        for (let i = 0; i + 1 < sorted.length; i++) {
          const [a, b] = [sorted[i], sorted[i + 1]];
          assertFalse(less(b.platform, a.platform));
          if (!less(a.platform, b.platform)) assert(a.index < b.index, "equal elements kept order");
        }
      }),
      { numRuns: 200 },
    );
  });
}
