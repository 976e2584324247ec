/** A view context over any source, as the page builds one (without its caches). */
import type { ImageSource } from "../../src/core/content.ts";
import { parsePlatform } from "../../src/core/platform.ts";
import { syncedStore } from "../../src/explorer/synced_store.ts";
import { resolveImage } from "../../src/explorer/views/image.ts";
import type { ViewContext } from "../../src/explorer/views/view.ts";

/** The context views load from, for `platform`. */
export function contextFor(source: ImageSource, platform = "linux/amd64"): ViewContext {
  const parsed = parsePlatform(platform);
  return {
    source,
    label: "memory",
    warnings: ["opening warned"],
    platform: parsed,
    image: (reference) => resolveImage(source, parsed, reference),
    store: () => syncedStore(source, parsed),
  };
}
