/** Tables as crictl prints them: Go's `text/tabwriter` with minimum width 20, padding 3, spaces. */

/** Column layout of {@link formatTable} (crictl's `newDefaultTableDisplay`). */
export interface TableOptions {
  /** Narrowest column, padding included (default 20). */
  readonly minWidth?: number;
  /** Spaces added after the widest cell of a column (default 3). */
  readonly padding?: number;
}

/**
 * Lays out rows the way crictl's tabwriter does: every column but the last is padded with
 * spaces to the width of its widest cell plus 3, and at least 20; the last cell of a row is
 * printed as is. Widths count code points, as Go counts runes.
 *
 * @param rows The rows, header first; every row should have the same number of cells.
 * @param options The minimum width and the padding.
 * @returns The lines, each ending in `\n`.
 * @example
 * ```ts
 * import { formatTable } from "./table.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const text = formatTable([["IMAGE", "SIZE"], ["docker.io/library/busybox", "2.16MB"]]);
 * assertEquals(text, "IMAGE                       SIZE\ndocker.io/library/busybox   2.16MB\n");
 * ```
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const minWidth = options.minWidth ?? 20;
  const padding = options.padding ?? 3;
  const length = (cell: string) => [...cell].length;
  const widths: number[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length - 1; i++) {
      widths[i] = Math.max(widths[i] ?? minWidth, length(row[i]) + padding);
    }
  }
  let out = "";
  for (const row of rows) {
    const cells = row.map((cell, i) =>
      i === row.length - 1 ? cell : cell + " ".repeat(widths[i] - length(cell))
    );
    out += cells.join("") + "\n";
  }
  return out;
}
