/**
 * How tag-only names of an OCI layout or archive are shown, as `ctr images import` names them:
 * shared by the CLI and the explorer so both list the same images under the same names.
 */

/**
 * ctr's default repository for tag-only names: `import-<YYYY-MM-DD>`, the local date.
 *
 * @param now The moment of the import.
 * @returns The base name, e.g. `import-2026-12-07`.
 * @example
 * ```ts
 * import { importBaseName } from "./import_naming.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(importBaseName(new Date(2026, 11, 7)), "import-2026-12-07");
 * ```
 */
export function importBaseName(now: Date): string {
  const date = [now.getFullYear(), now.getMonth() + 1, now.getDate()]
    .map((n) => String(n).padStart(2, "0")).join("-");
  return `import-${date}`;
}

/**
 * The warning for entries named under {@link importBaseName}, or nothing when there are none.
 *
 * @param names The names of the source's records.
 * @param defaultBaseName The base name they were given.
 * @param option How the user sets a base name (`--base-name`, or the page's field).
 * @returns The warning, or `undefined`.
 * @example
 * ```ts
 * import { tagOnlyNamesWarning } from "./import_naming.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   tagOnlyNamesWarning(["import-2026-12-07:latest", "example.com/app:1"], "import-2026-12-07", "--base-name"),
 *   "1 entry has a tag-only name; listed as import-2026-12-07:…; use --base-name to name it",
 * );
 * ```
 */
export function tagOnlyNamesWarning(
  names: readonly string[],
  defaultBaseName: string,
  option: string,
): string | undefined {
  const prefix = `${defaultBaseName}:`;
  const count = names.filter((name) => name.startsWith(prefix)).length;
  if (count === 0) return undefined;
  return `${count} ${
    count === 1 ? "entry has a tag-only name" : "entries have tag-only names"
  }; listed as ${prefix}…; use ${option} to name ${count === 1 ? "it" : "them"}`;
}
