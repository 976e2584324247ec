/** Incremental digests for verifying streamed content, over `@noble/hashes`. */
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { type DigestAlgorithm, isDigestAlgorithm } from "./digest.ts";
import { UnsupportedError } from "./errors.ts";

/** Hashes content chunk by chunk. */
export interface Digester {
  /** Feeds the next chunk; must not be called after {@link Digester.digest}. */
  update(chunk: Uint8Array): void;
  /** Finishes (once; later calls return the same value) and returns `<algorithm>:<hex>`. */
  digest(): string;
}

/** Makes a digester for an algorithm; adapters may pass a native one instead of {@link createDigester}. */
export type DigesterFactory = (algorithm: DigestAlgorithm) => Digester;

const _hashes = { sha256, sha384, sha512 } as const;

/**
 * Creates an incremental digester in pure JavaScript (works in every runtime, synchronously).
 *
 * @param algorithm The hash algorithm; sha256 when omitted.
 * @returns A fresh digester.
 * @throws {UnsupportedError} For an algorithm other than sha256, sha384 or sha512.
 *
 * @example
 * ```ts
 * import { createDigester, digestOf } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const digester = createDigester();
 * digester.update(new TextEncoder().encode("hello "));
 * digester.update(new TextEncoder().encode("world"));
 * assertEquals(digester.digest(), await digestOf("hello world"));
 * ```
 */
export function createDigester(algorithm: DigestAlgorithm = "sha256"): Digester {
  if (!isDigestAlgorithm(algorithm)) {
    throw new UnsupportedError(
      `Cannot create digester: expected algorithm sha256, sha384 or sha512, found "${algorithm}"`,
      { reason: "DIGEST_UNSUPPORTED" },
    );
  }
  const hash = _hashes[algorithm].create();
  let result: string | undefined;
  return {
    update(chunk: Uint8Array): void {
      if (result !== undefined) throw new TypeError("Cannot update digester: digest() was called");
      hash.update(chunk);
    },
    digest(): string {
      return (result ??= `${algorithm}:${bytesToHex(hash.digest())}`);
    },
  };
}
