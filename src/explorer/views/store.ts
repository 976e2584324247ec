/** The store's images table: one row per reference, as `ocistore images` lists them. */
import { formatPlatform } from "../../core/platform.ts";
import { humanSize, shortId } from "../../core/format.ts";
import { type Child, h, table } from "../dom.ts";
import type { ViewState } from "../view_state.ts";
import type { View } from "./view.ts";

/** One row of the table. */
export interface StoreRow {
  /** The reference. */
  readonly reference: string;
  /** The image ID (config digest). */
  readonly id: string;
  /** The chain ID of the layers. */
  readonly chainId: string;
  /** The unpacked size in bytes, as the CRI reports it. */
  readonly size: number;
  /** Whether the image is pinned. */
  readonly pinned: boolean;
}

/** What the table shows. */
export interface StoreModel {
  /** The state the table was loaded for (its links keep it). */
  readonly state: ViewState;
  /** The source's name on the page. */
  readonly label: string;
  /** The platform the store was computed for, `os/arch[/variant]`. */
  readonly platform: string;
  /** The rows, sorted by reference. */
  readonly rows: readonly StoreRow[];
  /** Why some records could not be listed. */
  readonly failures: readonly string[];
}

/** The images table. */
export const storeView: View<StoreModel> = {
  applies: (state) => state.source !== undefined,
  async load(context, state) {
    const { store, failures } = await context.store();
    const rows = store.list().flatMap((image) =>
      image.references.map((reference) => ({
        reference,
        id: image.id,
        chainId: image.chainId,
        size: image.size,
        pinned: image.pinned,
      }))
    ).sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
    return {
      state,
      label: context.label,
      platform: formatPlatform(context.platform),
      rows,
      failures,
    };
  },
  render(model, links) {
    const rows: Child[][] = model.rows.map((row) => [
      links.link(
        { source: model.state.source, image: row.reference, platform: model.state.platform },
        row.reference,
        row.reference === model.state.image ? { "aria-current": "page" } : {},
        "image-heading",
      ),
      h("code", { title: row.id, "data-id": row.id }, shortId(row.id)),
      h("code", { title: row.chainId }, shortId(row.chainId)),
      h("span", { "data-bytes": row.size }, humanSize(row.size)),
      String(row.pinned),
    ]);
    return h(
      "section",
      { id: "store", "aria-labelledby": "store-heading", "data-platform": model.platform },
      h("h2", { id: "store-heading" }, "Images"),
      h("p", {}, `${model.label}, seen for ${model.platform}`),
      rows.length > 0
        ? table("The store's images, one row per reference", [
          "Reference",
          "Image ID",
          "Chain ID",
          "Size",
          "Pinned",
        ], rows)
        : h("p", {}, "No images."),
      model.failures.length > 0
        ? h("ul", { class: "warnings" }, model.failures.map((f) => h("li", {}, f)))
        : null,
    );
  },
};
