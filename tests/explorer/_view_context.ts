/** A view context over any source, as the page builds one (without its caches). */
import type { ImageSource } from "../../src/core/content.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { parsePlatform } from "../../src/core/platform.ts";
import { only } from "../../src/core/platform_matcher.ts";
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
    async store() {
      const store = new ImageStore(source, { platform: only(parsed) });
      const { failures } = await store.sync();
      return { store, failures: failures.map((f) => f.error.message) };
    },
  };
}
