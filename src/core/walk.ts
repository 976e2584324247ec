/** Walking an image's content graph: children, handlers, sequential and concurrent walks. */
import { pool } from "./_pool.ts";
import { _readIndex, _readManifest } from "./_read_document.ts";
import type { ReadDocumentOptions } from "./document_cache.ts";
import type { ContentProvider } from "./content.ts";
import { NotFoundError } from "./errors.ts";
import { isIndexType, isManifestType } from "./media_types.ts";
import type { MatchComparer } from "./platform_matcher.ts";
import type { Descriptor } from "./types.ts";

/** Visits a descriptor and returns the children to visit next (an empty array skips the subtree). */
export type Handler = (descriptor: Descriptor) => Promise<readonly Descriptor[]>;

/**
 * The children of a descriptor, as containerd's `images.Children`: a manifest's config then its
 * layers, an index's manifests, nothing for anything else (layers, configs, unknown types).
 *
 * @param provider The content provider.
 * @param descriptor The descriptor whose children to list.
 * @param options A document cache and size limit.
 * @returns The children, in document order.
 * @throws {NotFoundError} When a manifest or index blob is missing.
 * @throws {InvalidArgumentError} When a manifest or index is malformed or contradicts its media type.
 * @example
 * ```ts
 * import { children } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["one", "two"] });
 * const found = await children(source.content, image.manifest);
 * assertEquals(found.map((d) => d.digest), [image.config.digest, ...image.layers.map((l) => l.digest)]);
 * ```
 */
export async function children(
  provider: ContentProvider,
  descriptor: Descriptor,
  options: ReadDocumentOptions = {},
): Promise<Descriptor[]> {
  if (isManifestType(descriptor.mediaType)) {
    const manifest = await _readManifest(provider, descriptor, options);
    return [manifest.config, ...manifest.layers];
  }
  if (isIndexType(descriptor.mediaType)) {
    return [...(await _readIndex(provider, descriptor, options)).manifests];
  }
  return [];
}

/**
 * Walks depth-first, one descriptor at a time, as containerd's `images.Walk`; repeated descriptors
 * are visited every time they appear.
 *
 * @param descriptors Where to start.
 * @param handler Visits each descriptor and returns its children.
 * @throws Whatever the handler throws; the walk stops at the first error.
 * @example
 * ```ts
 * import { children, walk } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["a"] });
 * const seen: string[] = [];
 * await walk([image.manifest], (d) => {
 *   seen.push(d.mediaType.split(".").at(-1)!);
 *   return children(source.content, d);
 * });
 * assertEquals(seen.length, 3);
 * ```
 */
export async function walk(
  descriptors: readonly Descriptor[],
  handler: Handler,
): Promise<void> {
  for (const descriptor of descriptors) {
    const next = await handler(descriptor);
    if (next.length > 0) await walk(next, handler);
  }
}

/** Options of {@link dispatch}. */
export interface DispatchOptions {
  /** At most this many handlers run at once (default 8). */
  readonly limit?: number;
}

/**
 * Walks like {@link walk}, but visits siblings concurrently, at most `limit` handlers at a time, as
 * containerd's `images.Dispatch`. The first error rejects the walk and no new handler starts.
 *
 * @param descriptors Where to start.
 * @param handler Visits each descriptor and returns its children.
 * @param options The concurrency limit.
 * @throws Whatever a handler throws first.
 * @example
 * ```ts
 * import { children, dispatch } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["a", "b", "c"] });
 * let visited = 0;
 * await dispatch([image.manifest], (d) => {
 *   visited++;
 *   return children(source.content, d);
 * }, { limit: 2 });
 * assertEquals(visited, 5);
 * ```
 */
export async function dispatch(
  descriptors: readonly Descriptor[],
  handler: Handler,
  options: DispatchOptions = {},
): Promise<void> {
  const slots = pool(options.limit ?? 8);
  let failed = false;
  const visit = async (descriptor: Descriptor): Promise<void> => {
    const next = await slots.run(async () => {
      if (failed) return [];
      try {
        return await handler(descriptor);
      } catch (error) {
        failed = true;
        throw error;
      }
    });
    if (next.length > 0) await Promise.all(next.map(visit));
  };
  await Promise.all(descriptors.map(visit));
}

/**
 * Wraps a handler so that children whose platform is set and rejected by `matcher` are dropped,
 * as containerd's `images.FilterPlatforms`; children without a platform are kept.
 *
 * @param handler The handler to wrap.
 * @param matcher Decides which platforms to keep.
 * @returns The filtering handler.
 * @example
 * ```ts
 * import { filterPlatforms, only } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const child = (architecture: string) => ({
 *   mediaType: "application/vnd.oci.image.manifest.v1+json",
 *   digest: "sha256:" + "0".repeat(64),
 *   size: 1,
 *   platform: { os: "linux", architecture },
 * });
 * const handler = filterPlatforms(() => Promise.resolve([child("amd64"), child("s390x")]), only({ os: "linux", architecture: "amd64" }));
 * const kept = await handler(child("amd64"));
 * assertEquals(kept.map((d) => d.platform?.architecture), ["amd64"]);
 * ```
 */
export function filterPlatforms(handler: Handler, matcher: MatchComparer): Handler {
  return async (descriptor) =>
    (await handler(descriptor)).filter((child) =>
      child.platform === undefined || matcher.match(child.platform)
    );
}

/**
 * Orders an index's children as containerd's `LimitManifests` and `Manifest` do: children with a
 * platform first, ordered by `matcher.less`, then those without; stable otherwise.
 *
 * @param descriptors The index's children.
 * @param matcher Ranks platforms.
 * @returns A sorted copy.
 * @example
 * ```ts
 * import { only, sortByPlatform } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const d = (architecture?: string) => ({
 *   mediaType: "m", digest: "sha256:" + "0".repeat(64), size: 1,
 *   ...(architecture ? { platform: { os: "linux", architecture } } : {}),
 * });
 * const sorted = sortByPlatform([d(), d("arm64"), d("amd64")], only({ os: "linux", architecture: "amd64" }));
 * assertEquals(sorted.map((x) => x.platform?.architecture), ["amd64", "arm64", undefined]);
 * ```
 */
export function sortByPlatform(
  descriptors: readonly Descriptor[],
  matcher: MatchComparer,
): Descriptor[] {
  // Array.prototype.sort is stable (ES2019), as Go's sort.SliceStable.
  return [...descriptors].sort((a, b) => {
    if (a.platform === undefined || b.platform === undefined) {
      return (a.platform === undefined ? 1 : 0) - (b.platform === undefined ? 1 : 0);
    }
    if (matcher.less(a.platform, b.platform)) return -1;
    if (matcher.less(b.platform, a.platform)) return 1;
    return 0;
  });
}

/**
 * Wraps a handler so that, for index descriptors only, children are ordered by
 * {@link sortByPlatform} and cut to the first `limit` (containerd's `images.LimitManifests`). It
 * does not filter: with no matching child the best-ranked one is still chosen.
 *
 * @param handler The handler to wrap.
 * @param matcher Ranks platforms.
 * @param options `limit`: how many children to keep (0 keeps all).
 * @returns The limiting handler.
 * @throws {NotFoundError} (from the returned handler) When an index has no children and a limit is set.
 * @example
 * ```ts
 * import { limitManifests, only } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const d = (architecture: string) => ({
 *   mediaType: "application/vnd.oci.image.manifest.v1+json",
 *   digest: "sha256:" + "0".repeat(64), size: 1, platform: { os: "linux", architecture },
 * });
 * const index = { mediaType: "application/vnd.oci.image.index.v1+json", digest: "sha256:" + "1".repeat(64), size: 1 };
 * const handler = limitManifests(() => Promise.resolve([d("arm64"), d("amd64")]), only({ os: "linux", architecture: "amd64" }), { limit: 1 });
 * assertEquals((await handler(index)).map((x) => x.platform?.architecture), ["amd64"]);
 * ```
 */
export function limitManifests(
  handler: Handler,
  matcher: MatchComparer,
  options: { readonly limit?: number } = {},
): Handler {
  const limit = options.limit ?? 0;
  return async (descriptor) => {
    const found = await handler(descriptor);
    if (!isIndexType(descriptor.mediaType)) return found;
    const sorted = sortByPlatform(found, matcher);
    if (limit <= 0) return sorted;
    if (sorted.length === 0) {
      throw new NotFoundError(
        `Cannot choose a manifest in index ${descriptor.digest}: expected at least one entry, found none`,
      );
    }
    return sorted.slice(0, limit);
  };
}
