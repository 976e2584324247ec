/**
 * The explorer's views, in page order; each one that applies to the URL's state is loaded and drawn.
 * Adding a view is one file and one line here (as `src/cli/commands/mod.ts` for commands).
 */
import { filesView } from "./files.ts";
import { imageView } from "./image.ts";
import { storeView } from "./store.ts";
import type { View } from "./view.ts";

/** Every view. */
// deno-lint-ignore no-explicit-any
export const VIEWS: readonly View<any>[] = [storeView, imageView, filesView];
