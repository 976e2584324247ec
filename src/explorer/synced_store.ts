/** The store a page's views list from, built the one way the page and its tests share. */
import type { ImageSource } from "../core/content.ts";
import { ImageStore } from "../core/image_store.ts";
import { printedName } from "../core/normalize.ts";
import { only } from "../core/platform_matcher.ts";
import type { Platform } from "../core/types.ts";
import type { SyncedStore } from "./views/view.ts";

/**
 * A store over `source` for `platform`, synced once. Its failures name an image as
 * `ocistore images` prints it (`docker.io/library/bb:1.35.0`), not as the source stores it.
 *
 * @param source The opened source.
 * @param platform The platform the views are seen for.
 * @returns The store and the messages of the records it could not list.
 * @example
 * ```ts
 * import { syncedStore } from "./synced_store.ts";
 * import { memorySource } from "../adapters/memory.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["a"] });
 * source.setRecord("bb:1.35.0", image.manifest);
 * source.deleteBlob(image.config.digest);
 * const { failures } = await syncedStore(source, { os: "linux", architecture: "amd64" });
 * assertEquals(failures[0].startsWith("Cannot read the config of docker.io/library/bb:1.35.0: "), true);
 * ```
 */
export async function syncedStore(source: ImageSource, platform: Platform): Promise<SyncedStore> {
  const store = new ImageStore(source, {
    platform: only(platform),
    nameImage: (name) => printedName(name) ?? name,
  });
  const { failures } = await store.sync();
  return { store, failures: failures.map((f) => f.error.message) };
}
