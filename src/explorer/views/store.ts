/** The store's images table: one row per reference, as `ocistore images` lists them. */
import { formatPlatform } from "../../core/platform.ts";
import { parseAnyReference } from "../../core/normalize.ts";
import { formatReference } from "../../core/reference.ts";
import { humanSize, shortId } from "../../core/format.ts";
import { type Child, h, table } from "../dom.ts";
import type { ViewState } from "../view_state.ts";
import type { View, ViewLinks } from "./view.ts";

/** One row of the table. */
export interface StoreRow {
  /** The reference, as the source names it (what links open). */
  readonly reference: string;
  /** The reference as `ocistore images` prints it (the CRI's normalized repo tag). */
  readonly name: string;
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
  /** Why some records could not be listed, after what opening the source warned of. */
  readonly warnings: readonly string[];
}

/** `busybox:1` as the CLI prints it, `docker.io/library/busybox:1`; unparsable names as they are. */
function printedName(reference: string): string {
  try {
    return formatReference(parseAnyReference(reference));
  } catch {
    return reference;
  }
}

/** The images table. */
export const storeView: View<StoreModel> = {
  applies: (state) => state.source !== undefined,
  async load(context, state) {
    const { store, failures } = await context.store();
    const rows = store.list().flatMap((image) =>
      image.references.map((reference) => ({
        reference,
        name: printedName(reference),
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
      warnings: [...context.warnings, ...failures],
    };
  },
  render(model, links) {
    const rows: Child[][] = model.rows.map((row) => [
      links.link(
        {
          ...model.state,
          image: row.reference,
          layer: undefined,
          path: undefined,
          page: undefined,
        },
        row.name,
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
      model.warnings.length > 0
        ? h("ul", { class: "warnings" }, model.warnings.map((f) => h("li", {}, f)))
        : null,
      model.state.source?.kind === "registry" ? null : baseNameForm(model, links),
    );
  },
};

/** The CLI's `--base-name` on the page: the repository tag-only names are listed under. */
function baseNameForm(model: StoreModel, links: ViewLinks): HTMLElement {
  const input = h("input", {
    id: "base-name",
    type: "text",
    placeholder: "example.com/team/app",
    value: model.state.baseName,
  });
  return h(
    "form",
    {
      id: "base-name-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const baseName = input.value.trim();
        links.navigate({ source: model.state.source, ...(baseName ? { baseName } : {}) });
      },
    },
    h("label", { for: "base-name" }, "Base name for tag-only names"),
    h("div", { class: "row" }, input, h("button", { type: "submit" }, "Rename")),
  );
}
