/** The size of an image, as containerd's `usage.CalculateImageUsage` counts it for the CRI. */
import type { ReadDocumentOptions } from "./document_cache.ts";
import type { ContentProvider } from "./content.ts";
import { isNotFound } from "./errors.ts";
import type { MatchComparer } from "./platform_matcher.ts";
import type { Descriptor } from "./types.ts";
import { children, dispatch, type Handler, limitManifests } from "./walk.ts";

/** Options of {@link imageUsage}. */
export interface ImageUsageOptions extends ReadDocumentOptions {
  /** Ranks an index's manifests when `manifestLimit` is set. */
  readonly platform?: MatchComparer;
  /** Follow at most this many manifests per index (the CRI uses 1). */
  readonly manifestLimit?: number;
  /**
   * Sum the sizes the descriptors declare instead of asking the provider (the CRI's choice):
   * config and layer blobs are then never touched.
   */
  readonly manifestUsage?: boolean;
  /** Concurrent reads while walking (default 8). */
  readonly concurrency?: number;
}

/**
 * The size of an image. With `manifestUsage`, the sum of the declared sizes of the root, the one
 * chosen entry of each index, the manifest, its config and every layer entry (duplicates count
 * twice) — the "compressed size" `crictl images` shows. Without it, the stored sizes of the blobs
 * the provider has, each distinct blob counted once; missing blobs count nothing.
 *
 * @param provider The content provider.
 * @param target The image's root descriptor.
 * @param options The platform, manifest limit, accounting mode, cache and concurrency.
 * @returns The size in bytes.
 * @throws {NotFoundError} When an index or manifest on the walked path is missing, or an index is empty under a limit.
 * @throws {InvalidArgumentError} When a document is malformed.
 * @example
 * ```ts
 * import { imageUsage, only } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["layer one", "layer two"] });
 * const size = await imageUsage(source.content, image.manifest, {
 *   platform: only({ os: "linux", architecture: "amd64" }),
 *   manifestLimit: 1,
 *   manifestUsage: true,
 * });
 * const declared = [image.manifest, image.config, ...image.layers].reduce((n, d) => n + d.size, 0);
 * assertEquals(size, declared);
 * ```
 */
export async function imageUsage(
  provider: ContentProvider,
  target: Descriptor,
  options: ImageUsageOptions = {},
): Promise<number> {
  let handler: Handler = (descriptor) => children(provider, descriptor, options);
  if (options.manifestLimit !== undefined && options.platform) {
    handler = limitManifests(handler, options.platform, { limit: options.manifestLimit });
  }
  let total = 0;
  const counted = new Set<string>();
  await dispatch([target], async (descriptor) => {
    if (options.manifestUsage) {
      if (descriptor.size > 0) total += descriptor.size;
    } else if (!counted.has(descriptor.digest)) {
      counted.add(descriptor.digest);
      try {
        // Read first, then add: `total += await …` would add to a stale total.
        const { size } = await provider.info(descriptor.digest);
        total += size;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return handler(descriptor);
  }, { limit: options.concurrency });
  return total;
}
