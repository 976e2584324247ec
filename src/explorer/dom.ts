/** A tiny element builder: the explorer's markup stays plain, semantic HTML without a framework. */

/** A child: an element, text, or nothing. */
export type Child = Node | string | number | false | null | undefined;

/**
 * Creates an element with attributes (`on…` keys become listeners) and children.
 *
 * @param tag The element name.
 * @param attributes Attributes; `false`/`undefined` values are left out.
 * @param children Nested content.
 * @returns The element.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | undefined | ((event: Event) => void)> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "object" ? child : String(child));
  }
  return element;
}

/**
 * A table with a caption, a header row and body rows.
 *
 * @param caption What the table shows.
 * @param header Column names.
 * @param rows Cells, one array per row.
 * @returns The table in a scrolling, focusable region (wide tables scroll instead of widening the page).
 */
export function table(
  caption: string,
  header: readonly string[],
  rows: readonly Child[][],
): HTMLElement {
  const element = h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, header.map((name) => h("th", { scope: "col" }, name)))),
    h(
      "tbody",
      {},
      // Each cell names its column, so a narrow screen can stack a row's cells under their names.
      rows.map((row) =>
        h("tr", {}, row.map((cell, i) => h("td", { "data-label": header[i] }, cell)))
      ),
    ),
  );
  return h("div", { class: "scroll", role: "region", "aria-label": caption, tabindex: 0 }, element);
}
