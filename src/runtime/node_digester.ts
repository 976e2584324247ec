/** A native incremental digester over `node:crypto`, which Deno, Bun and Node all provide. */
import { createHash } from "node:crypto";
import type { DigestAlgorithm } from "../core/digest.ts";
import type { Digester } from "../core/digester.ts";

/**
 * Makes a `node:crypto` digester (OpenSSL or BoringSSL underneath, several times faster than the
 * portable `@noble/hashes` one). Hand it to the core as the `digester` option (`readBlob`,
 * `readBlobStream`, `ImageStore`, `cachedContent`, `createDigester`).
 *
 * @param algorithm sha256, sha384 or sha512.
 * @returns A fresh digester whose `digest()` is `<algorithm>:<hex>`.
 * @example
 * ```ts
 * import { nodeDigester } from "@ocistore/ocistore/runtime";
 * import { digestOf } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const digester = nodeDigester("sha256");
 * digester.update(new TextEncoder().encode("hello"));
 * assertEquals(digester.digest(), await digestOf("hello"));
 * ```
 */
export function nodeDigester(algorithm: DigestAlgorithm): Digester {
  const hash = createHash(algorithm);
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => `${algorithm}:${hash.digest("hex")}`,
  };
}
