/** Reading one image record into the store's `Image` (containerd CRI's `getImage`). */
import { _readConfig, _readManifest } from "./_read_document.ts";
import type { DigesterFactory } from "./digester.ts";
import type { Image } from "./types.ts";
import { wrapError } from "./errors.ts";
import { chainId } from "./chain_id.ts";
import type { ContentProvider, ImageRecord } from "./content.ts";
import type { DocumentCache } from "./document_cache.ts";
import { manifestFor } from "./image.ts";
import type { MatchComparer } from "./platform_matcher.ts";
import type { ImageConfig, Manifest, Platform } from "./types.ts";
import { imageUsage } from "./usage.ts";
import { isIndexType, isManifestType } from "./media_types.ts";
import type { Descriptor } from "./types.ts";

/** The label that pins an image (kept from garbage collection), with the value `pinned`. */
export const PINNED_LABEL = "io.cri-containerd.pinned";

/** What loading needs: the platform chosen from indexes, the host, and the shared document cache. */
export interface _LoadOptions {
  readonly platform: MatchComparer;
  readonly host?: Platform;
  readonly cache: DocumentCache;
  readonly digester?: DigesterFactory;
  readonly nameImage?: (name: string) => string;
}

/** The image a record names: config digest as ID, chain ID, declared size for the platform, pin. */
export async function _loadImage(
  content: ContentProvider,
  record: ImageRecord,
  options: _LoadOptions,
): Promise<Image> {
  const name = options.nameImage?.(record.name) ?? record.name;
  const what = `Cannot read image "${name}"`;
  let manifest: Manifest;
  try {
    // A manifest target is what `manifestFor`'s walk would find, without its promises.
    manifest = isManifestType(record.target.mediaType)
      ? await _readManifest(content, record.target, options)
      : (await manifestFor(content, record.target, options)).manifest;
  } catch (error) {
    throw wrapError(error, `Cannot read the manifest of ${name}`);
  }
  let imageSpec: ImageConfig;
  try {
    imageSpec = await _readConfig(content, manifest.config, options);
  } catch (error) {
    throw wrapError(error, `Cannot read the config of ${name}`);
  }
  let size = _manifestOnlyUsage(record.target, manifest);
  if (size === undefined) {
    try {
      size = await imageUsage(content, record.target, {
        ...options,
        manifestLimit: 1,
        manifestUsage: true,
      });
    } catch (error) {
      throw wrapError(error, what);
    }
  }
  return {
    id: manifest.config.digest,
    references: [record.name],
    chainId: chainId(imageSpec.rootfs.diff_ids, options.digester),
    size,
    imageSpec,
    pinned: record.labels[PINNED_LABEL] === "pinned",
  };
}

// What `imageUsage(…, { manifestUsage: true })` sums for a plain manifest, without its walk (a
// dozen promises per layer): the declared sizes of the manifest and its children. `undefined` when
// the target is an index or a child is itself a document the walk would descend into.
function _manifestOnlyUsage(target: Descriptor, manifest: Manifest): number | undefined {
  const all = [target, manifest.config, ...manifest.layers];
  let total = 0;
  for (const d of all) {
    if (isManifestType(d.mediaType) !== (d === target) || isIndexType(d.mediaType)) return;
    if (d.size > 0) total += d.size;
  }
  return total;
}
