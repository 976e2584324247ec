/** How the filesystem views draw entries and the pager of long lists. */
import { humanSize } from "../../core/format.ts";
import type { FsEntry } from "../../core/image_filesystem.ts";
import { type Child, h } from "../dom.ts";
import { formatMode } from "../tar_listing.ts";
import type { ViewState } from "../view_state.ts";
import type { ViewLinks } from "./view.ts";
import type { Page } from "./_fs_load.ts";

/** A size cell: human figures, the exact bytes in `data-bytes` and the tooltip. */
export function sizeCell(bytes: number): HTMLElement {
  return h("span", { "data-bytes": bytes, title: `${bytes} bytes` }, humanSize(bytes));
}

/**
 * The path of an entry: a link to the file viewer for what has bytes, to the subtree for a
 * directory; `data-path` holds the path for scripts.
 */
export function pathCell(
  entry: Pick<FsEntry, "path" | "type" | "link">,
  state: ViewState,
  links: ViewLinks,
  label: Child = entry.path,
): HTMLElement {
  const code = h("code", { "data-path": entry.path, title: entry.path }, label);
  const base = { ...state, page: undefined, query: undefined, format: undefined };
  const target: ViewState | undefined = entry.type === "dir"
    ? { ...base, show: "tree", path: entry.path }
    : entry.type === "file" || entry.type === "hardlink" || entry.type === "symlink"
    ? { ...base, show: "file", path: entry.path }
    : undefined;
  return h(
    "span",
    {},
    target ? links.link(target, code) : code,
    entry.link !== undefined ? (entry.type === "symlink" ? " -> " : " link to ") + entry.link : "",
  );
}

/** The `ls -l`-like cells of an entry: mode, owner, size, layer (from 1). */
export function entryCells(entry: FsEntry): Child[] {
  return [
    h("code", {}, formatMode(entry)),
    `${entry.uid}/${entry.gid}`,
    entry.type === "file" || entry.type === "hardlink" ? sizeCell(entry.size) : "",
    h("span", { "data-layer": entry.layer }, String(entry.layer + 1)),
  ];
}

/** "Previous · rows 1,001–2,000 of 50,050 · Next", links that keep the rest of the state. */
export function pager(page: Page<unknown>, state: ViewState, links: ViewLinks): HTMLElement {
  const last = page.first + page.items.length;
  const text = page.total === 0
    ? "No entries"
    : `${(page.first + 1).toLocaleString("en")}–${last.toLocaleString("en")} of ${
      page.total.toLocaleString("en")
    }`;
  return h(
    "nav",
    {
      class: "pager",
      "aria-label": "Pages",
      "data-page": page.page,
      "data-pages": page.pages,
      "data-total": page.total,
    },
    page.page > 1
      ? links.link({ ...state, page: page.page - 1 }, "Previous", { rel: "prev" })
      : null,
    h("span", {}, ` ${text} (page ${page.page} of ${page.pages}) `),
    page.page < page.pages
      ? links.link({ ...state, page: page.page + 1 }, "Next", { rel: "next" })
      : null,
  );
}

/** A section of a filesystem view with its heading (focused after navigation). */
export function fsSection(
  id: string,
  heading: string,
  ...children: (Child | Child[])[]
): HTMLElement {
  return h(
    "section",
    { id, "aria-labelledby": `${id}-heading` },
    h("h3", { id: `${id}-heading`, tabindex: -1 }, heading),
    ...children,
  );
}
