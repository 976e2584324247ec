import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { test } from "../harness.ts";
import { readTestData } from "../testdata.ts";
import {
  digestOf,
  formatDigest,
  isDigestAlgorithm,
  parseDigest,
  tryParseDigest,
  validateDigest,
} from "../../src/core/digest.ts";
import { InvalidArgumentError, UnsupportedError } from "../../src/core/errors.ts";

interface ParseCase {
  group: string;
  test: string;
  input: string;
  expect: { algorithm?: string; encoded?: string; string?: string; error?: string; valid?: true };
}

const vectors = readTestData<{ cases: ParseCase[] }>("digestset.json");
// Every digest.parse row applies to go-digest v1.0.0 (containerd's pin): rows noted "HEAD table
// only" give the same result there, and the blake3 rows carry v1.0.0's result in `expect` (HEAD's
// in `head`). The HEAD-only digest.registerAlgorithm rows are another group and are not read.
const parseCases = vectors.cases.filter((c) => c.group === "digest.parse");

// go-digest error names -> our class and reason.
const errors = {
  ErrDigestInvalidFormat: [InvalidArgumentError, "DIGEST_INVALID_FORMAT"],
  ErrDigestInvalidLength: [InvalidArgumentError, "DIGEST_INVALID_LENGTH"],
  ErrDigestUnsupported: [UnsupportedError, "DIGEST_UNSUPPORTED"],
} as const;

test("digestset.json holds the 28 go-digest parse vectors", () => {
  assertEquals(parseCases.length, 28);
});

for (const { test: label, input, expect } of parseCases) {
  const outcome = expect.error ?? "parses";
  test(`parseDigest() vector ${JSON.stringify(input)} (${label}): ${outcome}`, () => {
    if (expect.error !== undefined) {
      const [ErrorClass, reason] = errors[expect.error as keyof typeof errors];
      const error = assertThrows(() => parseDigest(input), ErrorClass, `"${input}"`, input);
      assertEquals(error.reason, reason, input);
      assertEquals(validateDigest(input), reason, input);
      assertEquals(tryParseDigest(input), undefined, input);
      return;
    }
    const digest = parseDigest(input);
    if (expect.valid) assertEquals(formatDigest(digest), input);
    else {
      assertEquals(
        digest,
        { algorithm: expect.algorithm, encoded: expect.encoded } as never,
        input,
      );
      assertEquals(formatDigest(digest), expect.string);
    }
    assertEquals(tryParseDigest(input), digest);
    assertEquals(validateDigest(input), undefined);
  });
}

for (const [algorithm, length] of [["sha256", 64], ["sha384", 96], ["sha512", 128]] as const) {
  test(`parseDigest() accepts ${algorithm} at exactly ${length} hex characters only`, () => {
    assertEquals(parseDigest(`${algorithm}:${"a".repeat(length)}`).algorithm, algorithm);
    for (const wrong of [length - 1, length + 1]) {
      const error = assertThrows(
        () => parseDigest(`${algorithm}:${"a".repeat(wrong)}`),
        InvalidArgumentError,
        `expected ${length} lowercase hex characters, found ${wrong}`,
      );
      assertEquals(error.reason, "DIGEST_INVALID_LENGTH");
    }
  });
}

test("parseDigest() measures the encoded part in UTF-8 bytes, as Go does", () => {
  // 32 two-byte characters are 64 bytes: the length passes, the alphabet fails.
  const error = assertThrows(() => parseDigest(`sha256:${"é".repeat(32)}`), InvalidArgumentError);
  assertEquals(error.reason, "DIGEST_INVALID_FORMAT");
  const short = assertThrows(() => parseDigest(`sha256:${"é".repeat(64)}`), InvalidArgumentError);
  assertEquals(short.reason, "DIGEST_INVALID_LENGTH");
});

test("parseDigest() splits at the first colon and rejects a trailing newline", () => {
  const error = assertThrows(() => parseDigest(`sha256:${"a".repeat(63)}:`), InvalidArgumentError);
  assertEquals(error.reason, "DIGEST_INVALID_FORMAT");
  const newline = assertThrows(() => parseDigest(`md5:abc\n`), InvalidArgumentError);
  assertEquals(newline.reason, "DIGEST_INVALID_FORMAT");
  assertThrows(() => parseDigest(`sha256:${"a".repeat(64)}\n`), InvalidArgumentError);
});

test("parseDigest() rejects a non-string with a TypeError", () => {
  assertThrows(() => parseDigest(42 as unknown as string), TypeError);
  assertThrows(() => tryParseDigest(null as unknown as string), TypeError);
});

test("isDigestAlgorithm() knows exactly the three algorithms containerd pins", () => {
  assertEquals(
    ["sha256", "sha384", "sha512", "md5", "SHA256", "", undefined].map(isDigestAlgorithm),
    [true, true, true, false, false, false, false],
  );
});

const known: [string, "sha256" | "sha384" | "sha512", string][] = [
  ["", "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", "sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  [
    "",
    "sha384",
    "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
  ],
  [
    "abc",
    "sha384",
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
  ],
  [
    "",
    "sha512",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" +
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
  ],
  [
    "abc",
    "sha512",
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" +
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
  ],
];

for (const [text, algorithm, hex] of known) {
  test(`digestOf() vector ${algorithm} of ${JSON.stringify(text)}, from a string and from bytes`, async () => {
    assertEquals(await digestOf(text, algorithm), `${algorithm}:${hex}`);
    assertEquals(await digestOf(new TextEncoder().encode(text), algorithm), `${algorithm}:${hex}`);
  });
}

test("digestOf() defaults to sha256", async () => {
  assertEquals(await digestOf("abc"), `sha256:${known[1][2]}`);
});

test("digestOf() encodes strings as UTF-8 and its result parses", async () => {
  const digest = await digestOf("é");
  assertEquals(digest, await digestOf(new Uint8Array([0xc3, 0xa9])));
  assertEquals(formatDigest(parseDigest(digest)), digest);
});

test("digestOf() rejects unknown algorithms and non-byte input", async () => {
  const error = await assertRejects(
    () => digestOf("x", "md5" as "sha256"),
    UnsupportedError,
    `found "md5"`,
  );
  assertEquals(error.reason, "DIGEST_UNSUPPORTED");
  await assertRejects(() => digestOf(42 as unknown as string), TypeError);
});
