/** The files of one layer, as `tar tv` lists them. */
import { readBlob, readBlobStream } from "../../core/content.ts";
import type { ContentProvider } from "../../core/content.ts";
import { humanSize } from "../../core/format.ts";
import type { Descriptor } from "../../core/types.ts";
import { h, table } from "../dom.ts";
import { layerTarStream } from "../layer_stream.ts";
import { formatMode, listTar, type TarListing } from "../tar_listing.ts";
import type { View } from "./view.ts";

/** Layers up to this size are read whole (verified and cached); bigger ones are streamed. */
const WHOLE_LAYER_LIMIT = 64 * 1024 * 1024;
/** At most this many files of a layer are listed. */
export const FILE_LIMIT = 2000;

/** What the listing shows. */
export interface FilesModel {
  /** The layer's index, base first from 0. */
  readonly index: number;
  /** The entries, at most {@link FILE_LIMIT}. */
  readonly listing: TarListing;
}

async function layerStream(
  content: ContentProvider,
  layer: Descriptor,
): Promise<ReadableStream<Uint8Array>> {
  if (layer.size <= WHOLE_LAYER_LIMIT) {
    const bytes = await readBlob(content, layer);
    return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
  }
  return await readBlobStream(content, layer);
}

/** The files of the state's layer. */
export const filesView: View<FilesModel> = {
  applies: (state) =>
    state.source !== undefined && state.image !== undefined && state.layer !== undefined,
  async load(context, state) {
    const index = state.layer!;
    const { resolved } = await context.image(state.image!);
    const layer = resolved.manifest.layers[index];
    if (!layer) {
      throw new RangeError(
        `Cannot list layer ${index + 1}: the image has ${resolved.manifest.layers.length}`,
      );
    }
    const stream = await layerTarStream(await layerStream(context.source.content, layer));
    return { index, listing: await listTar(stream, { limit: FILE_LIMIT }) };
  },
  render({ index, listing }) {
    const rows = listing.entries.map((entry) => [
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
      table(`${listing.entries.length} entries`, ["Mode", "Owner", "Size", "Path"], rows),
      listing.truncated
        ? h("p", { class: "note" }, `Only the first ${FILE_LIMIT} entries are listed.`)
        : null,
    );
  },
};
