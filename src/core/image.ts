/** Resolving an image for a platform: its manifest, config, root filesystem, platforms and completeness. */
import { _readConfig, _readIndex, _readManifest } from "./_read_document.ts";
import type { ReadDocumentOptions } from "./document_cache.ts";
import type { ContentProvider } from "./content.ts";
import { isNotFound, NotFoundError } from "./errors.ts";
import { isConfigType, isIndexType, isManifestType } from "./media_types.ts";
import { normalizePlatform } from "./platform.ts";
import type { MatchComparer } from "./platform_matcher.ts";
import type { Descriptor, Manifest, Platform } from "./types.ts";
import { children, sortByPlatform, walk } from "./walk.ts";

/** Options of the image helpers. */
export interface ImageOptions extends ReadDocumentOptions {
  /** Chooses among an index's manifests; without one, the first manifest found wins. */
  readonly platform?: MatchComparer;
  /** The host platform, which fills an empty OS when a config's platform is normalized. */
  readonly host?: Platform;
}

/** A manifest and the descriptor that names it. */
export interface ResolvedManifest {
  /** The descriptor of the chosen manifest (the root itself for a single-manifest image). */
  readonly descriptor: Descriptor;
  /** The parsed manifest. */
  readonly manifest: Manifest;
}

async function _configPlatform(
  provider: ContentProvider,
  config: Descriptor,
  options: ImageOptions,
): Promise<Platform> {
  const image = await _readConfig(provider, config, options);
  return normalizePlatform({
    os: image.os,
    architecture: image.architecture,
    ...(image.variant ? { variant: image.variant } : {}),
    ...(image["os.version"] ? { "os.version": image["os.version"] } : {}),
    ...(image["os.features"]?.length ? { "os.features": image["os.features"] } : {}),
  }, { host: options.host });
}

/**
 * Resolves the manifest of an image for a platform, as containerd's `images.Manifest`: a root
 * manifest is taken as is (never platform-checked); in an index, entries whose platform is rejected
 * are dropped, the rest ordered (platformed first, then by `platform.less`) and only the first one
 * followed; an entry without a platform is checked through its config's platform.
 *
 * @param provider The content provider.
 * @param target The image's root descriptor (manifest or index).
 * @param options The platform matcher, host, document cache and size limit.
 * @returns The chosen manifest and its descriptor.
 * @throws {NotFoundError} When a blob is missing, nothing matches the platform, or an entry has an unexpected media type.
 * @throws {InvalidArgumentError} When a document is malformed.
 * @throws {UnsupportedError} When a manifest is Docker schema 1.
 * @example
 * ```ts
 * import { manifestFor, only } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const amd64 = await source.addImage({ platform: { os: "linux", architecture: "amd64" } });
 * const arm64 = await source.addImage({ platform: { os: "linux", architecture: "arm64" } });
 * const index = await source.addIndex([amd64.manifest, arm64.manifest]);
 * const found = await manifestFor(source.content, index, { platform: only({ os: "linux", architecture: "arm64" }) });
 * assertEquals(found.descriptor.digest, arm64.manifest.digest);
 * ```
 */
export async function manifestFor(
  provider: ContentProvider,
  target: Descriptor,
  options: ImageOptions = {},
): Promise<ResolvedManifest> {
  const matcher = options.platform;
  const found: ResolvedManifest[] = [];
  let sawIndex = false;
  await walk([target], async (descriptor) => {
    if (isManifestType(descriptor.mediaType)) {
      const manifest = await _readManifest(provider, descriptor, options);
      if (descriptor.digest !== target.digest && matcher) {
        const platform = descriptor.platform ??
          await _configPlatform(provider, manifest.config, options);
        if (!matcher.match(platform)) return [];
      }
      found.push({ descriptor, manifest });
      return [];
    }
    if (isIndexType(descriptor.mediaType)) {
      const index = await _readIndex(provider, descriptor, options);
      sawIndex = true;
      if (!matcher) return index.manifests;
      const candidates = index.manifests.filter((d) => !d.platform || matcher.match(d.platform));
      return sortByPlatform(candidates, matcher).slice(0, 1);
    }
    throw new NotFoundError(
      `Cannot resolve manifest of ${target.digest}: unexpected media type "${descriptor.mediaType}" for ${descriptor.digest}`,
    );
  });
  if (found.length === 0) {
    throw new NotFoundError(
      sawIndex
        ? `Cannot resolve manifest of ${target.digest}: no manifest matches the platform`
        : `Cannot resolve manifest of ${target.digest}: expected a manifest, found none`,
    );
  }
  return found[0];
}

/**
 * The config descriptor of an image for a platform (containerd's `images.Config`).
 *
 * @param provider The content provider.
 * @param target The image's root descriptor.
 * @param options As {@link manifestFor}.
 * @returns The config descriptor; its digest is the image ID.
 * @throws As {@link manifestFor}.
 * @example
 * ```ts
 * import { configFor } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({});
 * assertEquals((await configFor(source.content, image.manifest)).digest, image.config.digest);
 * ```
 */
export async function configFor(
  provider: ContentProvider,
  target: Descriptor,
  options: ImageOptions = {},
): Promise<Descriptor> {
  return (await manifestFor(provider, target, options)).manifest.config;
}

/**
 * The uncompressed layer digests (`rootfs.diff_ids`) of an image for a platform, as written in its
 * config (containerd's `image.RootFS`); not validated.
 *
 * @param provider The content provider.
 * @param target The image's root descriptor.
 * @param options As {@link manifestFor}.
 * @returns The diff IDs, base layer first.
 * @throws As {@link manifestFor}, and for a missing or malformed config.
 * @example
 * ```ts
 * import { rootFs } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["a", "b"] });
 * assertEquals((await rootFs(source.content, image.manifest)).length, 2);
 * ```
 */
export async function rootFs(
  provider: ContentProvider,
  target: Descriptor,
  options: ImageOptions = {},
): Promise<string[]> {
  const config = await configFor(provider, target, options);
  return [...(await _readConfig(provider, config, options)).rootfs.diff_ids];
}

/**
 * The platforms an image offers, in walk order with duplicates kept (containerd's
 * `images.Platforms`): an entry's own platform as written, or its config's platform normalized;
 * attestation entries (`unknown` OS or architecture) are skipped.
 *
 * @param provider The content provider.
 * @param target The image's root descriptor.
 * @param options The host (for normalizing), document cache and size limit.
 * @returns The platforms.
 * @throws {NotFoundError} When a manifest, index or config blob is missing.
 * @example
 * ```ts
 * import { platformsOf } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const a = await source.addImage({ platform: { os: "linux", architecture: "amd64" } });
 * const b = await source.addImage({ platform: { os: "linux", architecture: "arm64", variant: "v8" } });
 * const index = await source.addIndex([a.manifest, b.manifest]);
 * const platforms = await platformsOf(source.content, index);
 * assertEquals(platforms.map((p) => p.architecture), ["amd64", "arm64"]);
 * ```
 */
export async function platformsOf(
  provider: ContentProvider,
  target: Descriptor,
  options: ImageOptions = {},
): Promise<Platform[]> {
  const platforms: Platform[] = [];
  await walk([target], async (descriptor) => {
    const platform = descriptor.platform;
    if (platform) {
      if (platform.os !== "unknown" && platform.architecture !== "unknown") {
        platforms.push(platform);
      }
      return [];
    }
    if (isConfigType(descriptor.mediaType)) {
      platforms.push(await _configPlatform(provider, descriptor, options));
      return [];
    }
    return children(provider, descriptor, options);
  });
  return platforms;
}

/** What {@link check} found. */
export interface CheckResult {
  /** Whether the manifest for the platform resolved (even when blobs are missing). */
  readonly available: boolean;
  /** The config and layers the image needs (or the root, when nothing resolved). */
  readonly required: readonly Descriptor[];
  /** The required blobs the provider has. */
  readonly present: readonly Descriptor[];
  /** The required blobs the provider lacks. */
  readonly missing: readonly Descriptor[];
}

/**
 * Checks which of an image's blobs are present (containerd's `images.Check`). `available` is
 * true whenever the manifest resolves, even with missing layers, as in containerd.
 *
 * @param provider The content provider.
 * @param target The image's root descriptor.
 * @param options As {@link manifestFor}.
 * @returns Availability and the required, present and missing blobs.
 * @throws Errors other than "not found" while resolving the manifest or probing blobs.
 * @example
 * ```ts
 * import { check } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["a"] });
 * source.deleteBlob(image.layers[0].digest);
 * const result = await check(source.content, image.manifest);
 * assertEquals([result.available, result.missing.length, result.present.length], [true, 1, 1]);
 * ```
 */
export async function check(
  provider: ContentProvider,
  target: Descriptor,
  options: ImageOptions = {},
): Promise<CheckResult> {
  let manifest: Manifest;
  try {
    manifest = (await manifestFor(provider, target, options)).manifest;
  } catch (error) {
    if (isNotFound(error)) {
      return { available: false, required: [target], present: [], missing: [target] };
    }
    throw error;
  }
  const required = [manifest.config, ...manifest.layers];
  const present: Descriptor[] = [];
  const missing: Descriptor[] = [];
  for (const descriptor of required) {
    try {
      await provider.info(descriptor.digest);
      present.push(descriptor);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      missing.push(descriptor);
    }
  }
  return { available: true, required, present, missing };
}
