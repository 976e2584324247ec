/** Layer chain IDs (image-spec `identity`): the identity of a stack of diff IDs. */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * Computes the chain ID of every prefix of a layer stack: the first is the first diff ID, each next
 * one is the SHA-256 of `"<previous chain ID> <diff ID>"`. Inputs are not validated, as upstream.
 *
 * @param diffIds The diff IDs, bottom layer first; `null`/`undefined` count as empty.
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
export function chainIds(diffIds: readonly string[] | null | undefined): string[] {
  const result: string[] = [];
  for (const diffId of diffIds ?? []) {
    const previous = result.at(-1);
    result.push(
      previous === undefined
        ? diffId
        : `sha256:${bytesToHex(sha256(utf8ToBytes(`${previous} ${diffId}`)))}`,
    );
  }
  return result;
}

/**
 * Computes the chain ID of a whole layer stack (the last of {@link chainIds}).
 *
 * @param diffIds The diff IDs, bottom layer first.
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
export function chainId(diffIds: readonly string[] | null | undefined): string {
  return chainIds(diffIds).at(-1) ?? "";
}
