/** A diff of two images (or two tags) of the source: the paths added, modified and removed. */
import { diffImages } from "../../core/image_layers.ts";
import { h } from "../dom.ts";
import type { ViewState } from "../view_state.ts";
import { showing } from "./lazy.ts";
import type { View } from "./view.ts";
import { fsImage, kept, mergedFilesystem, pageOf } from "./_fs_load.ts";
import { type ChangesModel, changesOf, countsOf, renderChanges } from "./fs_changes.ts";

/** What the diff shows. */
export interface DiffModel {
  /** The state loaded. */
  readonly state: ViewState;
  /** The images the diff may compare with (the source's references). */
  readonly candidates: readonly string[];
  /** The changes from the state's image to `other`, when one is chosen. */
  readonly changes?: ChangesModel;
}

/** The state's image against `state.other`. */
export const diffView: View<DiffModel> = {
  applies: showing("diff"),
  async load(context, state) {
    const candidates = (await context.source.images.list()).map((record) => record.name).sort();
    if (!state.other) return { state, candidates };
    const first = await fsImage(context, state.image!);
    const second = await fsImage(context, state.other);
    const key =
      `${first.image.resolved.descriptor.digest}:diff:${second.image.resolved.descriptor.digest}`;
    const changes = await kept(key, async () =>
      changesOf(
        await diffImages(first.layers, second.layers),
        await mergedFilesystem(first),
        await mergedFilesystem(second),
      ));
    return {
      state,
      candidates,
      changes: {
        state,
        title: `From ${state.image} to ${state.other}`,
        counts: countsOf(changes),
        page: pageOf(changes, state.page),
      },
    };
  },
  render({ state, candidates, changes }, links) {
    const select = h(
      "select",
      {
        id: "diff-other",
        onchange: (event: Event) =>
          links.navigate({
            ...state,
            other: (event.target as HTMLSelectElement).value || undefined,
            page: undefined,
          }, "diff-other"),
      },
      h("option", { value: "" }, "Choose an image"),
      candidates.map((name) => h("option", { value: name, selected: name === state.other }, name)),
    );
    const chooser = h("p", {}, h("label", { for: "diff-other" }, "Compare with "), select);
    if (!changes) {
      return h(
        "section",
        { id: "fs-diff", "aria-labelledby": "fs-diff-heading" },
        h("h3", { id: "fs-diff-heading", tabindex: -1 }, "Compare images"),
        chooser,
      );
    }
    const section = renderChanges("fs-diff", changes, links);
    section.querySelector("h3")!.after(chooser);
    return section;
  },
};
