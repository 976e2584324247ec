/** Bytes read by range, checked against the digest an index recorded for them. */
import { tryParseDigest } from "./digest.ts";
import { createDigester, type DigesterFactory } from "./digester.ts";
import { DigestMismatchError, InvalidArgumentError } from "./errors.ts";

/**
 * Throws unless `bytes` hash to `expected` (in the algorithm it names).
 *
 * @param bytes The bytes read.
 * @param expected The digest recorded for them.
 * @param what What was read, for the error: `Cannot read <what>: expected …, found …`.
 * @param factory A native digester.
 * @throws {DigestMismatchError} When the bytes hash to another digest.
 * @throws {InvalidArgumentError} When `expected` is not a supported digest.
 * @example
 * ```ts
 * import { checkBytesDigest } from "./_bytes_digest.ts";
 * checkBytesDigest(new Uint8Array(0), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "an empty file");
 * ```
 */
export function checkBytesDigest(
  bytes: Uint8Array,
  expected: string,
  what: string,
  factory?: DigesterFactory,
): void {
  const algorithm = tryParseDigest(expected)?.algorithm;
  if (!algorithm) {
    throw new InvalidArgumentError(
      `Cannot verify ${what}: expected a sha256, sha384 or sha512 digest, found "${expected}"`,
    );
  }
  const digester = createDigester(algorithm, factory);
  digester.update(bytes);
  const found = digester.digest();
  if (found !== expected) {
    throw new DigestMismatchError(
      `Cannot read ${what}: expected digest ${expected}, found ${found}`,
      {
        expected,
        actual: found,
      },
    );
  }
}
