/**
 * Views whose code is loaded when first shown (a dynamic import, its own chunk), so the page's first
 * view does not carry the filesystem views, the tar reader or the zstd decoder.
 */
import type { FsViewName, ViewState } from "../view_state.ts";
import type { View } from "./view.ts";

/**
 * Whether `state` shows filesystem view `name` of an image (`undefined`: no such view, as a layer's
 * listing), when the state names what the view `needs`.
 */
export function showing(
  name: FsViewName | undefined,
  needs?: "layer" | "path",
): (state: ViewState) => boolean {
  return (state) =>
    state.source !== undefined && state.image !== undefined && state.show === name &&
    (needs === undefined || state[needs] !== undefined);
}

/** A loaded view and its model. */
export interface Loaded<Model> {
  /** The view, once imported. */
  readonly view: View<Model>;
  /** What it loaded. */
  readonly model: Model;
}

/**
 * A view that imports its code on first load.
 *
 * @param applies When it is shown (known before its code is loaded).
 * @param importer Imports the view's module and returns the view.
 * @returns The view.
 */
export function lazyView<Model>(
  applies: (state: ViewState) => boolean,
  importer: () => Promise<View<Model>>,
): View<Loaded<Model>> {
  return {
    applies,
    async load(context, state) {
      const view = await importer();
      return { view, model: await view.load(context, state) };
    },
    render: ({ view, model }, links) => view.render(model, links),
  };
}
