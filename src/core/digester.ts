/**
 * Incremental digests for verifying streamed content: `@noble/hashes` everywhere, or a native
 * hash a composition root hands in as the `digester` option of the functions and the store that
 * hash (the runtime's `node:crypto`); the core keeps no global state.
 */
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
 * Creates an incremental digester: `factory`'s when one is handed in (e.g. `nodeDigester` from
 * `@ocistore/ocistore/runtime`, over `node:crypto`, several times faster), else the portable one
 * in pure JavaScript (works in every runtime, synchronously).
 *
 * @param algorithm The hash algorithm; sha256 when omitted.
 * @param factory A native digester to use instead of the portable one.
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
 * @example A native digester handed in
 * ```ts
 * import { createDigester, digestOf } from "@ocistore/ocistore";
 * import { nodeDigester } from "@ocistore/ocistore/runtime";
 * import { assertEquals } from "@std/assert";
 *
 * const digester = createDigester("sha256", nodeDigester);
 * digester.update(new TextEncoder().encode("hello"));
 * assertEquals(digester.digest(), await digestOf("hello"));
 * ```
 */
export function createDigester(
  algorithm: DigestAlgorithm = "sha256",
  factory?: DigesterFactory,
): Digester {
  if (!isDigestAlgorithm(algorithm)) {
    throw new UnsupportedError(
      `Cannot create digester: expected algorithm sha256, sha384 or sha512, found "${algorithm}"`,
      { reason: "DIGEST_UNSUPPORTED" },
    );
  }
  const hash = factory ? factory(algorithm) : _portable(algorithm);
  let result: string | undefined;
  return {
    update(chunk: Uint8Array): void {
      if (result !== undefined) throw new TypeError("Cannot update digester: digest() was called");
      hash.update(chunk);
    },
    digest(): string {
      return (result ??= hash.digest());
    },
  };
}

function _portable(algorithm: DigestAlgorithm): Digester {
  const hash = _hashes[algorithm].create();
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => `${algorithm}:${bytesToHex(hash.digest())}`,
  };
}
