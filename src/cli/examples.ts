/** Where the example images shipped with ocistore are: the layout `images` opens without a SOURCE. */
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/**
 * The places the example layout may be, nearest first, relative to this module: `examples/layout`
 * at the repository root (from `src/cli/`), then beside the built `esm/` tree and at the npm
 * package root (from `esm/src/cli/`).
 */
export const EXAMPLE_LAYOUT_CANDIDATES: readonly string[] = [
  "../../examples/layout",
  "../../../examples/layout",
];

/**
 * Finds the example OCI layout: the first candidate directory holding an `oci-layout` file.
 *
 * @param base The module URL candidates are relative to (default: this module).
 * @returns The layout directory, or `undefined` when none is shipped.
 * @example
 * ```ts
 * import { findExampleLayout } from "./examples.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(await findExampleLayout("file:///no/such/dir/src/cli/x.ts"), undefined);
 * ```
 */
export async function findExampleLayout(
  base: string | URL = import.meta.url,
): Promise<string | undefined> {
  for (const candidate of EXAMPLE_LAYOUT_CANDIDATES) {
    const dir = fileURLToPath(new URL(candidate, base));
    const found = await stat(`${dir}/oci-layout`).then((s) => s.isFile(), (error) => {
      // Deno without --allow-read: say which permission is missing, not that nothing is shipped.
      if (error?.name === "NotCapable" || error?.name === "PermissionDenied") throw error;
      return false;
    });
    if (found) return dir;
  }
  return undefined;
}
