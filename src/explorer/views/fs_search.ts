/** Paths of the image's merged filesystem that contain a text (case-insensitive), page by page. */
import type { FsEntry } from "../../core/image_filesystem.ts";
import { h, table } from "../dom.ts";
import type { ViewState } from "../view_state.ts";
import { showing } from "./lazy.ts";
import type { View } from "./view.ts";
import { fsImage, mergedFilesystem, type Page, pageOf } from "./_fs_load.ts";
import { entryCells, fsSection, pager, pathCell } from "./_fs_render.ts";

/** What the search shows. */
export interface SearchModel {
  /** The state loaded. */
  readonly state: ViewState;
  /** The text looked for (empty: nothing searched yet). */
  readonly query: string;
  /** This page of the matching entries, sorted by path. */
  readonly page: Page<FsEntry>;
}

/**
 * The entries whose path contains `query`, ignoring case (a leading `/` is the root: `/etc`
 * matches paths that start with `etc`).
 *
 * @param entries The merged filesystem.
 * @param query The text.
 * @returns The matches, in the order given.
 * @example
 * ```ts
 * import { searchPaths } from "./fs_search.ts";
 * const found = searchPaths([{ path: "etc/OS-release" }, { path: "usr/etc" }], "/etc/os");
 * console.assert(found.map((e) => e.path).join() === "etc/OS-release");
 * ```
 */
export function searchPaths<T extends { readonly path: string }>(
  entries: readonly T[],
  query: string,
): T[] {
  const text = query.toLowerCase();
  if (text === "") return [];
  if (text.startsWith("/")) {
    const prefix = text.slice(1);
    return entries.filter((entry) => entry.path.toLowerCase().startsWith(prefix));
  }
  return entries.filter((entry) => entry.path.toLowerCase().includes(text));
}

/** The path search. */
export const searchView: View<SearchModel> = {
  applies: showing("search"),
  async load(context, state) {
    const query = state.query ?? "";
    const merged = query === "" ? [] : await mergedFilesystem(await fsImage(context, state.image!));
    return { state, query, page: pageOf(searchPaths(merged, query), state.page) };
  },
  render({ state, query, page }, links) {
    const input = h("input", {
      id: "search-query",
      type: "search",
      name: "q",
      value: query,
      placeholder: "os-release, /etc/",
    });
    const form = h(
      "form",
      {
        id: "search-form",
        role: "search",
        onsubmit: (event: Event) => {
          event.preventDefault();
          links.navigate(
            { ...state, query: input.value || undefined, page: undefined },
            "fs-search-heading",
          );
        },
      },
      h("label", { for: "search-query" }, "Path contains "),
      input,
      h("button", { type: "submit" }, "Search"),
    );
    const rows = page.items.map((entry) => [...entryCells(entry), pathCell(entry, state, links)]);
    return fsSection(
      "fs-search",
      query ? `Paths containing "${query}"` : "Search paths",
      form,
      query ? pager(page, state, links) : null,
      query
        ? table(`${page.total} matches`, ["Mode", "Owner", "Size", "Layer", "Path"], rows)
        : null,
      query && page.pages > 1 ? pager(page, state, links) : null,
    );
  },
};
