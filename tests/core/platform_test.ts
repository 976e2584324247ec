import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import fc from "fast-check";
import { test, testEach } from "../harness.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";
import {
  formatPlatform,
  formatPlatformAll,
  normalizePlatform,
  parsePlatform,
} from "../../src/core/platform.ts";
import { onlyStrict } from "../../src/core/platform_matcher.ts";
import type { Platform } from "../../src/core/types.ts";
import { type Case, casesOf, HOST, platformVectors } from "./_platform_vectors.ts";

const options = { host: HOST };
const SEED = "9e819fb4a8";

function assertRejected(input: string): void {
  const error = assertThrows(() => parsePlatform(input, options), InvalidArgumentError);
  assertEquals(error.reason, "PLATFORM_INVALID");
  assertStringIncludes(error.message, JSON.stringify(input));
}

function checkParseCase(c: Case): void {
  if (c.skip) {
    // The peer skips these wildcard rows: Parse rejects wildcards at HEAD and in the seed.
    assertRejected(c.input);
    return;
  }
  const parsed = parsePlatform(c.input, options);
  assertEquals(parsed, c.expect, c.input);
  for (const candidate of c.matchesViaNewMatcher) {
    assert(
      onlyStrict(parsed, options).match(candidate),
      `${c.input} ~ ${JSON.stringify(candidate)}`,
    );
  }
  const format = c.formatFn === "FormatAll" ? formatPlatformAll : formatPlatform;
  assertEquals(format(parsed), c.format, c.input);
  assertEquals(format(parsePlatform(c.format, options)), c.format, `reparse ${c.format}`);
}

const json = (c: Case) => JSON.stringify(c.input);

for (const version of ["HEAD", SEED]) {
  testEach(
    `parsePlatform() ${version} TestParseSelector`,
    casesOf("parse", version),
    json,
    checkParseCase,
  );
  testEach(
    `parsePlatform() rejects ${version} TestParseSelectorInvalid`,
    casesOf("parseInvalid", version),
    json,
    (c) => assertRejected(c.input),
  );
}

testEach(
  "formatPlatformAll() percent-encodes OS options and parsePlatform() decodes them: HEAD formatAll",
  casesOf("formatAll", "HEAD"),
  (c) => JSON.stringify(c.platform),
  (c) => {
    assertEquals(formatPlatformAll(c.platform), c.expect);
    const back = parsePlatform(c.expect, options);
    assertEquals(back["os.version"], c.platform["os.version"]);
    const features = (c.platform["os.features"] as string[] | undefined)?.filter((f) => f);
    assertEquals(back["os.features"], features?.length ? features : undefined);
  },
);

test("formatPlatformAll() sorts and deduplicates features and prints unknown without an OS", () => {
  const platform = { os: "linux", architecture: "arm64", "os.features": ["b", "a", "b"] };
  assertEquals(formatPlatformAll(platform), "linux(+a+b)/arm64");
  assertEquals(platform["os.features"], ["b", "a", "b"]);
  assertEquals(formatPlatformAll({ os: "", architecture: "amd64" }), "unknown");
  assertEquals(formatPlatform({ os: "", architecture: "amd64" }), "unknown");
  assertEquals(
    formatPlatformAll({ os: "windows", architecture: "amd64", "os.version": "" }),
    "windows/amd64",
  );
});

testEach(
  "normalizePlatform() HEAD derived normalize",
  platformVectors().derived.HEAD.normalize,
  json,
  (c) => assertEquals(normalizePlatform(c.input, options), c.output, JSON.stringify(c.input)),
);

testEach("parsePlatform() HEAD derived parse", platformVectors().derived.HEAD.parse, json, (c) => {
  if (c.error) {
    assertRejected(c.input);
  } else {
    assertEquals(parsePlatform(c.input, options), c.output, c.input);
    assertEquals(formatPlatform(c.output), c.format);
  }
});

// Seed-derived rows run unless HEAD contradicts them: arm64 v8.0, 9.0 and v9.0 now normalize
// (41c2c97..364665a), the OS element takes options (38a74d2, 5b124ef), and later elements may
// contain "." (arm64 minor variants). Error messages differ too; only the failure is compared.
const SEED_CONTRADICTED = new Set([
  JSON.stringify({ architecture: "arm64", os: "linux", variant: "v8.0" }),
  JSON.stringify({ architecture: "arm64", os: "linux", variant: "9.0" }),
  JSON.stringify({ architecture: "arm64", os: "linux", variant: "v9.0" }),
  JSON.stringify("windows(10.0.17763)/amd64"),
  JSON.stringify("linux(+gpu)/amd64"),
  JSON.stringify("linux/amd64.x"),
]);

function seedRows(table: "normalize" | "parse"): Case[] {
  const rows = platformVectors().derived[SEED][table];
  return rows.filter((c) => !SEED_CONTRADICTED.has(JSON.stringify(c.input)));
}

for (const table of ["normalize", "parse"] as const) {
  test(`HEAD contradicts exactly 3 seed derived ${table} rows`, () => {
    assertEquals(seedRows(table).length, platformVectors().derived[SEED][table].length - 3);
  });
}

testEach(
  "normalizePlatform() agrees with seed derived normalize",
  seedRows("normalize"),
  json,
  (c) => {
    assertEquals(normalizePlatform(c.input, options), c.output);
  },
);

testEach("parsePlatform() agrees with seed derived parse", seedRows("parse"), json, (c) => {
  if (c.error) assertRejected(c.input);
  else assertEquals(parsePlatform(c.input, options), c.output, c.input);
});

test("parsePlatform() fills a lone OS or architecture from the given host", () => {
  const arm = { os: "freebsd", architecture: "arm", variant: "v6" };
  assertEquals(parsePlatform("linux", { host: arm }), { ...arm, os: "linux" });
  assertEquals(
    parsePlatform("linux", { host: { ...arm, variant: "v7" } }),
    { os: "linux", architecture: "arm" },
  );
  assertEquals(parsePlatform("arm64", { host: arm }), { os: "freebsd", architecture: "arm64" });
  assertEquals(parsePlatform("windows"), { os: "windows", architecture: "amd64" });
});

const explained: [string, string][] = [
  ["foo", "known operating system or architecture"],
  ["linux/arm/v7/x", 'at most 3 "/"-separated parts, found 4'],
  ["linux/arm/v7/x/y", '"x/y"'],
  ["linux/&arm", '"&arm"'],
  ["linux(1.0", "OS part"],
  ["windows(50%zz)/amd64", "%XX"],
  ["linux/*", "wildcards"],
];

testEach(
  "parsePlatform() explains what it expected:",
  explained,
  ([input]) => JSON.stringify(input),
  ([input, detail]) => {
    const error = assertThrows(() => parsePlatform(input), InvalidArgumentError);
    assertStringIncludes(error.message, `Cannot parse platform ${JSON.stringify(input)}`);
    assertStringIncludes(error.message, detail);
  },
);

test("parsePlatform() rejects a non-string with a TypeError", () => {
  assertThrows(() => parsePlatform(42 as unknown as string), TypeError);
});

test("normalizePlatform() sorts and deduplicates features and keeps the OS version", () => {
  const platform: Platform = {
    os: "Windows",
    architecture: "AMD64",
    "os.version": "10.0.17763.1",
    "os.features": ["win32k", "b", "win32k"],
  };
  assertEquals(normalizePlatform(platform), {
    os: "windows",
    architecture: "amd64",
    "os.version": "10.0.17763.1",
    "os.features": ["b", "win32k"],
  });
  assertEquals(
    normalizePlatform({ os: "", architecture: "arm" }, {
      host: { os: "darwin", architecture: "arm64" },
    }),
    {
      os: "darwin",
      architecture: "arm",
      variant: "v7",
    },
  );
});

test("formatPlatformAll() output parses back to the same OS options", () => {
  const option = fc.string({ unit: fc.constantFrom(..."aZ09_.-%+()/".split("")), maxLength: 8 });
  fc.assert(
    fc.property(
      option,
      fc.array(option.filter((s) => s !== ""), { maxLength: 4 }),
      (version, features) => {
        const platform: Platform = {
          os: "windows",
          architecture: "amd64",
          ...(version ? { "os.version": version } : {}),
          ...(features.length ? { "os.features": features } : {}),
        };
        const back = parsePlatform(formatPlatformAll(platform));
        assertEquals(back, normalizePlatform(platform));
      },
    ),
  );
});
