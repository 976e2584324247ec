/** Content digests: go-digest v1.0.0 validation and one-shot hashing over WebCrypto. */
import { bytesToHex } from "@noble/hashes/utils.js";
import { InvalidArgumentError, UnsupportedError } from "./errors.ts";

/** The digest algorithms containerd accepts (go-digest v1.0.0 with every hash linked). */
export type DigestAlgorithm = "sha256" | "sha384" | "sha512";

/** A validated digest, `<algorithm>:<encoded>` split at the first colon. */
export interface Digest {
  /** The hash algorithm. */
  readonly algorithm: DigestAlgorithm;
  /** The lowercase hex of the hash, 64, 96 or 128 characters. */
  readonly encoded: string;
}

const _hexLength: Readonly<Record<DigestAlgorithm, number>> = {
  sha256: 64,
  sha384: 96,
  sha512: 128,
};
const _webCryptoName: Readonly<Record<DigestAlgorithm, string>> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};
const _grammar = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const _lowerHex = /^[a-f0-9]+$/;

/**
 * Whether `name` is one of the supported algorithms.
 *
 * @param name A candidate algorithm name.
 * @returns True for sha256, sha384 and sha512.
 *
 * @example
 * ```ts
 * import { isDigestAlgorithm } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(["sha384", "md5"].map(isDigestAlgorithm), [true, false]);
 * ```
 */
export function isDigestAlgorithm(name: unknown): name is DigestAlgorithm {
  return name === "sha256" || name === "sha384" || name === "sha512";
}

// Go measures the encoded part in bytes; this only differs from `.length` for non-ASCII text.
function _byteLength(text: string): number {
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text.length : new TextEncoder().encode(text).length;
}

/** Why a text is not a valid digest, named after go-digest's errors. */
export type DigestProblem =
  | "DIGEST_INVALID_FORMAT"
  | "DIGEST_INVALID_LENGTH"
  | "DIGEST_UNSUPPORTED";

/**
 * Checks a digest exactly as go-digest v1.0.0 `Validate` does, without throwing: split at the
 * first colon; an unknown algorithm is unsupported when the text fits the digest grammar and
 * malformed otherwise; for a known algorithm the length is checked before the lowercase-hex
 * alphabet.
 *
 * @param text The candidate digest.
 * @returns The problem, or `undefined` for a valid, supported digest.
 *
 * @example
 * ```ts
 * import { validateDigest } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(validateDigest(`sha256:${"a".repeat(64)}`), undefined);
 * assertEquals(validateDigest("sha256:zz"), "DIGEST_INVALID_LENGTH");
 * assertEquals(validateDigest("md5:0"), "DIGEST_UNSUPPORTED");
 * assertEquals(validateDigest("SHA256:0"), "DIGEST_INVALID_FORMAT");
 * ```
 */
export function validateDigest(text: string): DigestProblem | undefined {
  if (typeof text !== "string") throw new TypeError(`Cannot parse digest: expected a string`);
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1) return "DIGEST_INVALID_FORMAT";
  const algorithm = text.slice(0, colon);
  if (!isDigestAlgorithm(algorithm)) {
    return _grammar.test(text) ? "DIGEST_UNSUPPORTED" : "DIGEST_INVALID_FORMAT";
  }
  const encoded = text.slice(colon + 1);
  // Lowercase hex is ASCII, so its length is its byte length: one pattern test for valid text.
  if (_lowerHex.test(encoded)) {
    return encoded.length === _hexLength[algorithm] ? undefined : "DIGEST_INVALID_LENGTH";
  }
  return _byteLength(encoded) !== _hexLength[algorithm]
    ? "DIGEST_INVALID_LENGTH"
    : "DIGEST_INVALID_FORMAT";
}

/**
 * Parses and validates a digest with the rules of {@link validateDigest}.
 *
 * @param text The digest, e.g. `sha256:<64 hex>`.
 * @returns The algorithm and encoded parts.
 * @throws {InvalidArgumentError} With reason `DIGEST_INVALID_FORMAT` or `DIGEST_INVALID_LENGTH`.
 * @throws {UnsupportedError} With reason `DIGEST_UNSUPPORTED` for a well-formed, unknown algorithm.
 *
 * @example
 * ```ts
 * import { InvalidArgumentError, parseDigest } from "@ocistore/ocistore";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * const digest = parseDigest(`sha256:${"ab".repeat(32)}`);
 * assertEquals(digest, { algorithm: "sha256", encoded: "ab".repeat(32) });
 * assertThrows(() => parseDigest("sha256:zz"), InvalidArgumentError, "expected 64");
 * ```
 */
export function parseDigest(text: string): Digest {
  const problem = validateDigest(text);
  const colon = text.indexOf(":");
  const algorithm = colon > 0 ? text.slice(0, colon) : "";
  const encoded = colon > 0 ? text.slice(colon + 1) : text;
  if (problem === undefined) return { algorithm: algorithm as DigestAlgorithm, encoded };
  const action = `Cannot parse digest "${text}"`;
  if (problem === "DIGEST_UNSUPPORTED") {
    throw new UnsupportedError(
      `${action}: expected algorithm sha256, sha384 or sha512, found "${algorithm}"`,
      { reason: problem },
    );
  }
  const known = isDigestAlgorithm(algorithm) && encoded !== "";
  const expected = known
    ? `${_hexLength[algorithm]} lowercase hex characters`
    : "<algorithm>:<hex>";
  const found = problem === "DIGEST_INVALID_LENGTH"
    ? `${_byteLength(encoded)}`
    : known
    ? "other characters"
    : "malformed text";
  throw new InvalidArgumentError(`${action}: expected ${expected}, found ${found}`, {
    reason: problem,
  });
}

/**
 * Parses a digest like {@link parseDigest}, returning `undefined` instead of throwing.
 *
 * @param text The digest text.
 * @returns The digest, or `undefined` when the text is not a valid, supported digest.
 *
 * @example
 * ```ts
 * import { tryParseDigest } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(tryParseDigest("md5:d41d8cd98f00b204e9800998ecf8427e"), undefined);
 * assertEquals(tryParseDigest(`sha512:${"0".repeat(128)}`)?.algorithm, "sha512");
 * ```
 */
export function tryParseDigest(text: string): Digest | undefined {
  try {
    return parseDigest(text);
  } catch (error) {
    if (error instanceof TypeError) throw error;
    return undefined;
  }
}

/**
 * Prints a digest as `<algorithm>:<encoded>`.
 *
 * @param digest The digest.
 * @returns The digest string.
 *
 * @example
 * ```ts
 * import { formatDigest } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const encoded = "1".repeat(64);
 * assertEquals(formatDigest({ algorithm: "sha256", encoded }), `sha256:${encoded}`);
 * ```
 */
export function formatDigest(digest: Digest): string {
  return `${digest.algorithm}:${digest.encoded}`;
}

/**
 * Hashes bytes (or the UTF-8 encoding of a string) in one go with WebCrypto.
 *
 * @param data The content.
 * @param algorithm The hash algorithm; sha256 (go-digest's canonical) when omitted.
 * @returns The digest string, e.g. `sha256:<64 lowercase hex>`.
 * @throws {UnsupportedError} For an algorithm other than sha256, sha384 or sha512.
 * @throws {TypeError} When `data` is neither a `Uint8Array` nor a string.
 *
 * @example
 * ```ts
 * import { digestOf } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   await digestOf(""),
 *   "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 */
export async function digestOf(
  data: Uint8Array | string,
  algorithm: DigestAlgorithm = "sha256",
): Promise<string> {
  if (!isDigestAlgorithm(algorithm)) {
    throw new UnsupportedError(
      `Cannot compute digest: expected algorithm sha256, sha384 or sha512, found "${algorithm}"`,
      { reason: "DIGEST_UNSUPPORTED" },
    );
  }
  let bytes: Uint8Array<ArrayBuffer>;
  if (typeof data === "string") bytes = new TextEncoder().encode(data);
  else if (data instanceof Uint8Array) bytes = data as Uint8Array<ArrayBuffer>;
  else throw new TypeError("Cannot compute digest: expected a Uint8Array or a string");
  const hash = await crypto.subtle.digest(_webCryptoName[algorithm], bytes);
  return `${algorithm}:${bytesToHex(new Uint8Array(hash))}`;
}
