/** Links from an image to its filesystem views (their code loads when one is opened). */
import { h } from "../dom.ts";
import type { FsViewName, ViewState } from "../view_state.ts";
import type { View } from "./view.ts";

/** What the links need. */
export interface ExploreModel {
  /** The state loaded. */
  readonly state: ViewState;
  /** How many layers the image has. */
  readonly layers: number;
}

/** The filesystem views of the state's image. */
export const exploreView: View<ExploreModel> = {
  applies: (state) => state.source !== undefined && state.image !== undefined,
  async load(context, state) {
    const { resolved } = await context.image(state.image!);
    return { state, layers: resolved.manifest.layers.length };
  },
  render({ state, layers }, links) {
    const { source, baseName, platform, image } = state;
    const base: ViewState = { source, baseName, platform, image };
    const to = (show: FsViewName, label: string, extra: Partial<ViewState> = {}) => {
      const current = state.show === show &&
        (extra.layer === undefined || state.layer === extra.layer);
      return links.link(
        { ...base, show, ...extra },
        label,
        current ? { "aria-current": "page" } : {},
        `fs-${show}-heading`,
      );
    };
    return h(
      "nav",
      { id: "explore", "aria-label": "The image's filesystem" },
      h(
        "ul",
        { class: "plain inline" },
        h("li", {}, to("tree", "Merged filesystem")),
        h("li", {}, to("size", "Files by size")),
        h("li", {}, to("search", "Search paths")),
        h("li", {}, to("diff", "Compare with another image")),
        h(
          "li",
          {},
          "Changes of layer ",
          Array.from({ length: layers }, (_, i) => [
            i > 0 ? " " : "",
            to("changes", String(i + 1), { layer: i }),
          ]).flat(),
        ),
      ),
    );
  },
};
