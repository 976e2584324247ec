/** The entries of one layer as stored, as `tar tv` lists them, page by page. */
import { humanSize } from "../../core/format.ts";
import { h, table } from "../dom.ts";
import { formatMode, type TarEntry } from "../tar_listing.ts";
import type { ViewState } from "../view_state.ts";
import { showing } from "./lazy.ts";
import type { View } from "./view.ts";
import { fsImage, layerEntries, type Page, pageOf } from "./_fs_load.ts";
import { pager } from "./_fs_render.ts";

/** What the listing shows. */
export interface FilesModel {
  /** The state loaded. */
  readonly state: ViewState;
  /** The layer's index, base first from 0. */
  readonly index: number;
  /** This page of the layer's entries, in stream order. */
  readonly page: Page<TarEntry>;
}

/** The files of the state's layer. */
export const filesView: View<FilesModel> = {
  applies: showing(undefined, "layer"),
  async load(context, state) {
    const index = state.layer!;
    const image = await fsImage(context, state.image!);
    const count = image.layers.layers.length;
    if (!(index < count)) {
      throw new RangeError(`Cannot list layer ${index + 1}: the image has ${count}`);
    }
    // A registry's layer: read once to build its seek index, listed from the index after that.
    const entries = await layerEntries(image, index);
    return { state, index, page: pageOf(entries, state.page) };
  },
  render({ state, index, page }, links) {
    const rows = page.items.map((entry) => [
      h("code", {}, formatMode(entry)),
      `${entry.uid}/${entry.gid}`,
      entry.type === "file"
        ? h(
          "span",
          { "data-bytes": entry.size, title: `${entry.size} bytes` },
          humanSize(entry.size),
        )
        : "",
      h(
        "code",
        {},
        entry.name,
        entry.link !== undefined
          ? (entry.type === "symlink" ? " -> " : " link to ") + entry.link
          : "",
      ),
    ]);
    return h(
      "section",
      { id: "files", "aria-labelledby": "files-heading" },
      h("h3", { id: "files-heading", tabindex: -1 }, `Files of layer ${index + 1}`),
      page.pages > 1 ? pager(page, state, links) : null,
      table(`${page.total} entries`, ["Mode", "Owner", "Size", "Path"], rows),
      page.pages > 1 ? pager(page, state, links) : null,
    );
  },
};
