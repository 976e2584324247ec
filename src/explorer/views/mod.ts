/**
 * The explorer's views, in page order; each one that applies to the URL's state is loaded and drawn.
 * Adding a view is one file and one line here (as `src/cli/commands/mod.ts` for commands). The
 * views that read layers are imported when first shown (lazy.ts), so the first view stays small.
 */
import { exploreView } from "./explore.ts";
import { imageView } from "./image.ts";
import { lazyView, showing } from "./lazy.ts";
import { storeView } from "./store.ts";
import type { View } from "./view.ts";

/** Every view. */
// deno-lint-ignore no-explicit-any
export const VIEWS: readonly View<any>[] = [
  storeView,
  imageView,
  exploreView,
  lazyView(showing(undefined, "layer"), async () => (await import("./files.ts")).filesView),
  lazyView(showing("tree"), async () => (await import("./fs_tree.ts")).treeView),
  lazyView(showing("changes", "layer"), async () => (await import("./fs_changes.ts")).changesView),
  lazyView(showing("diff"), async () => (await import("./fs_diff.ts")).diffView),
  lazyView(showing("size"), async () => (await import("./fs_size.ts")).sizeView),
  lazyView(showing("search"), async () => (await import("./fs_search.ts")).searchView),
  lazyView(showing("file", "path"), async () => (await import("./fs_file.ts")).fileView),
];
