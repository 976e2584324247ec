import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { test } from "../harness.ts";
import { readTestData } from "../testdata.ts";
import { createDigester, portableDigester } from "../../src/core/digester.ts";
import { type DigestAlgorithm, digestOf } from "../../src/core/digest.ts";
import { UnsupportedError } from "../../src/core/errors.ts";

interface FlagCase {
  group: string;
  input: string | null;
  expect: { algorithm?: string; error?: string };
}

const algorithms: DigestAlgorithm[] = ["sha256", "sha384", "sha512"];

test("createDigester() (sha256) and portableDigester match digestOf() for any chunking of any content", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 600 }),
      fc.array(fc.nat({ max: 600 }), { maxLength: 8 }),
      fc.constantFrom(...algorithms),
      async (bytes, cuts, algorithm) => {
        const digester = algorithm === "sha256"
          ? createDigester()
          : createDigester(algorithm, portableDigester);
        let start = 0;
        for (const cut of [...cuts.map((c) => Math.min(c, bytes.length)).sort((a, b) => a - b)]) {
          digester.update(bytes.subarray(start, Math.max(start, cut)));
          start = Math.max(start, cut);
        }
        digester.update(bytes.subarray(start));
        assertEquals(digester.digest(), await digestOf(bytes, algorithm));
      },
    ),
    { numRuns: 200 },
  );
});

test("createDigester() hashes the empty input to the well-known digests", () => {
  assertEquals(
    createDigester().digest(),
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assertEquals(
    createDigester("sha384", portableDigester).digest(),
    "sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
  );
});

test("digest() can be read twice but ends the digester", () => {
  const digester = createDigester("sha512", portableDigester);
  digester.update(new Uint8Array([1, 2, 3]));
  const first = digester.digest();
  assertEquals(digester.digest(), first);
  assertThrows(() => digester.update(new Uint8Array([4])), TypeError);
});

test("createDigester() without a digester handed in refuses sha384 and sha512, naming what to hand in", () => {
  for (const algorithm of ["sha384", "sha512"] as const) {
    const error = assertThrows(
      () => createDigester(algorithm),
      UnsupportedError,
      `the default one is sha256 only, found "${algorithm}"; hand in a digester for it (portableDigester`,
    );
    assertEquals(error.reason, "DIGEST_UNSUPPORTED");
  }
});

const flags = readTestData<{ cases: FlagCase[] }>("digestset.json").cases
  .filter((c) => c.group === "digest.algorithmFlag");

test("digestset.json holds go-digest's 2 algorithm flag vectors", () => {
  assertEquals(flags.length, 2);
});

for (const { input, expect } of flags) {
  test(`createDigester() flag vector ${JSON.stringify(input)}: ${expect.error ?? expect.algorithm}`, () => {
    const name = (input ?? undefined) as DigestAlgorithm | undefined;
    if (expect.error !== undefined) {
      assertEquals(expect.error, "ErrDigestUnsupported");
      const error = assertThrows(() => createDigester(name), UnsupportedError, `"${input}"`);
      assertEquals(error.reason, "DIGEST_UNSUPPORTED");
    } else {
      assert(createDigester(name, portableDigester).digest().startsWith(`${expect.algorithm}:`));
    }
  });
}

test('createDigester() defaults to sha256, as Go\'s flag does for Set("")', () => {
  assert(createDigester(undefined).digest().startsWith("sha256:"));
});
