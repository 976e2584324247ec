/** The entries of one layer as stored, as `tar tv` lists them, page by page. */
import { humanSize } from "../../core/format.ts";
import { h, table } from "../dom.ts";
import { layerTarStream } from "../layer_stream.ts";
import { formatMode, listTar, type TarEntry } from "../tar_listing.ts";
import type { ViewState } from "../view_state.ts";
import { showing } from "./lazy.ts";
import type { View } from "./view.ts";
import { kept, layerStream, type Page, pageOf } from "./_fs_load.ts";
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
    const { resolved } = await context.image(state.image!);
    const layer = resolved.manifest.layers[index];
    if (!layer) {
      throw new RangeError(
        `Cannot list layer ${index + 1}: the image has ${resolved.manifest.layers.length}`,
      );
    }
    const entries = await kept(`${layer.digest}:entries`, async () => {
      const stream = await layerTarStream(await layerStream(context.source.content, layer));
      return (await listTar(stream, { limit: Infinity })).entries;
    });
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
