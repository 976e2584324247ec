/**
 * Incremental digests for verifying streamed content: `@noble/hashes` everywhere, or a native
 * hash a composition root hands in as the `digester` option of the functions and the store that
 * hash (the runtime's `node:crypto`); the core keeps no global state. The default is sha256 only,
 * as nearly every image is: sha384 and sha512 in pure JavaScript cost an app 2.6 kB min+gzip of
 * its 25 kB budget (issue 23), so they come with {@link portableDigester}, handed in like a
 * native one, and only an app that names it ships them.
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

/**
 * Creates an incremental digester: `factory`'s when one is handed in (e.g. `nodeDigester` from
 * `@ocistore/ocistore/runtime`, over `node:crypto`, several times faster, or
 * {@link portableDigester}), else the portable sha256 one in pure JavaScript (works in every
 * runtime, synchronously).
 *
 * @param algorithm The hash algorithm; sha256 when omitted.
 * @param factory A native digester to use instead of the portable one.
 * @returns A fresh digester.
 * @throws {UnsupportedError} For an algorithm other than sha256, sha384 or sha512, and for
 * sha384 or sha512 without a `factory`.
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
  if (!factory && algorithm !== "sha256") {
    throw new UnsupportedError(
      `Cannot create digester: the default one is sha256 only, found "${algorithm}"; hand in a ` +
        "digester for it (portableDigester, or nodeDigester from @ocistore/ocistore/runtime)",
      { reason: "DIGEST_UNSUPPORTED" },
    );
  }
  const hash = factory ? factory(algorithm) : _hashing(sha256.create(), algorithm);
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

/**
 * The pure-JavaScript digester for every algorithm (`@noble/hashes`): hand it in as the
 * `digester` option where sha384 or sha512 content must be verified and no native digester is
 * at hand (a browser). {@link createDigester}'s default covers sha256 alone.
 *
 * @param algorithm The hash algorithm.
 * @returns A fresh digester whose `digest()` is `<algorithm>:<hex>`.
 *
 * @example
 * ```ts
 * import { createDigester, digestOf, portableDigester } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const digester = createDigester("sha512", portableDigester);
 * digester.update(new TextEncoder().encode("hello"));
 * assertEquals(digester.digest(), await digestOf("hello", "sha512"));
 * ```
 */
export function portableDigester(algorithm: DigestAlgorithm): Digester {
  return _hashing(
    (algorithm === "sha512" ? sha512 : algorithm === "sha384" ? sha384 : sha256).create(),
    algorithm,
  );
}

function _hashing(
  hash: { update(chunk: Uint8Array): unknown; digest(): Uint8Array },
  algorithm: DigestAlgorithm,
): Digester {
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => `${algorithm}:${bytesToHex(hash.digest())}`,
  };
}
