/** The image's merged filesystem as a tree, each entry with the layer it came from, page by page. */
import { NotFoundError } from "../../core/errors.ts";
import type { FsEntry } from "../../core/image_filesystem.ts";
import { h, table } from "../dom.ts";
import type { ViewState } from "../view_state.ts";
import { showing } from "./lazy.ts";
import type { View } from "./view.ts";
import { fsImage, mergedFilesystem, type Page, pageOf, treeOrder } from "./_fs_load.ts";
import { entryCells, fsSection, pager, pathCell } from "./_fs_render.ts";

/** What the tree shows. */
export interface TreeModel {
  /** The state loaded (its links keep it). */
  readonly state: ViewState;
  /** The subtree shown (`""` for the whole filesystem). */
  readonly root: string;
  /** This page of the entries, in tree order. */
  readonly page: Page<FsEntry>;
}

/** Tree orders of merged filesystems already sorted (paging re-sorts nothing). */
const _trees = new WeakMap<readonly FsEntry[], FsEntry[]>();

/** The merged filesystem, or the subtree at `state.path`. */
export const treeView: View<TreeModel> = {
  applies: showing("tree"),
  async load(context, state) {
    const merged = await mergedFilesystem(await fsImage(context, state.image!));
    let ordered = _trees.get(merged);
    if (!ordered) _trees.set(merged, ordered = treeOrder(merged));
    const root = (state.path ?? "").replace(/^\/+|\/+$/g, "");
    let shown: readonly FsEntry[] = ordered;
    if (root !== "") {
      const start = ordered.findIndex((entry) => entry.path === root);
      if (start < 0) {
        throw new NotFoundError(
          `Cannot show "${root}" of ${state.image}: expected a path of its filesystem, found none`,
        );
      }
      let end = start + 1;
      while (end < ordered.length && ordered[end].path.startsWith(`${root}/`)) end++;
      shown = ordered.slice(start, end);
    }
    return { state, root, page: pageOf(shown, state.page) };
  },
  render({ state, root, page }, links) {
    const depthOf = (path: string) =>
      path.split("/").length - (root === "" ? 1 : root.split("/").length);
    const rows = page.items.map((entry) => [
      ...entryCells(entry),
      h(
        "span",
        { class: "tree-path", style: `padding-inline-start: ${depthOf(entry.path) * 2}ch` },
        pathCell(entry, state, links, entry.path.slice(entry.path.lastIndexOf("/") + 1)),
      ),
    ]);
    const parts = root.split("/");
    const crumbs = root === "" ? null : h(
      "p",
      { class: "crumbs" },
      links.link({ ...state, path: undefined, page: undefined }, "/"),
      parts.flatMap((part, i) => [
        " / ",
        links.link({ ...state, path: parts.slice(0, i + 1).join("/"), page: undefined }, part),
      ]),
    );
    return fsSection(
      "fs-tree",
      root === "" ? "Merged filesystem" : `Merged filesystem: /${root}`,
      crumbs,
      pager(page, state, links),
      table(
        `${page.total} entries, in tree order`,
        ["Mode", "Owner", "Size", "Layer", "Path"],
        rows,
      ),
      page.pages > 1 ? pager(page, state, links) : null,
    );
  },
};
