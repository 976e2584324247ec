/** Layer chain IDs (image-spec `identity`): the identity of a stack of diff IDs. */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { DigesterFactory } from "./digester.ts";

/**
 * Computes the chain ID of every prefix of a layer stack: the first is the first diff ID, each next
 * one is the SHA-256 of `"<previous chain ID> <diff ID>"`. Inputs are not validated, as upstream.
 *
 * @param diffIds The diff IDs, bottom layer first; `null`/`undefined` count as empty.
 * @param digester A native SHA-256 to hash with (the portable one otherwise): `sync()` computes a
 *   chain ID per image, a quarter of a CLI run with the portable hash.
 * @returns One chain ID per diff ID (a new array).
 *
 * @example
 * ```ts
 * import { chainIds } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(chainIds(["sha256:a", "sha256:b"]), [
 *   "sha256:a",
 *   "sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8",
 * ]);
 * ```
 */
export function chainIds(
  diffIds: readonly string[] | null | undefined,
  digester?: DigesterFactory,
): string[] {
  const result: string[] = [];
  for (const diffId of diffIds ?? []) {
    const previous = result.at(-1);
    if (previous === undefined) result.push(diffId);
    else result.push(_sha256(utf8ToBytes(`${previous} ${diffId}`), digester));
  }
  return result;
}

function _sha256(bytes: Uint8Array, digester: DigesterFactory | undefined): string {
  if (digester === undefined) return `sha256:${bytesToHex(sha256(bytes))}`;
  const hash = digester("sha256");
  hash.update(bytes);
  return hash.digest();
}

/**
 * Computes the chain ID of a whole layer stack (the last of {@link chainIds}).
 *
 * @param diffIds The diff IDs, bottom layer first.
 * @param digester A native SHA-256 to hash with (the portable one otherwise).
 * @returns The chain ID, or `""` for no layers.
 *
 * @example
 * ```ts
 * import { chainId } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(chainId([]), "");
 * assertEquals(chainId(["sha256:a"]), "sha256:a");
 * ```
 */
export function chainId(
  diffIds: readonly string[] | null | undefined,
  digester?: DigesterFactory,
): string {
  return chainIds(diffIds, digester).at(-1) ?? "";
}
