/** Reading one image record into the store's `Image` (containerd CRI's `getImage`). */
import { _readConfig } from "./_read_document.ts";
import type { DigesterFactory } from "./digester.ts";
import type { Image } from "./types.ts";
import { DigestMismatchError, wrapError } from "./errors.ts";
import { chainId } from "./chain_id.ts";
import type { ContentProvider, ImageRecord } from "./content.ts";
import type { DocumentCache } from "./document_cache.ts";
import { manifestFor } from "./image.ts";
import type { MatchComparer } from "./platform_matcher.ts";
import type { ImageConfig, Manifest, Platform } from "./types.ts";
import { imageUsage } from "./usage.ts";
import { isIndexType } from "./media_types.ts";
import { printedName } from "./normalize.ts";
import type { Descriptor } from "./types.ts";

/** The label that pins an image (kept from garbage collection), with the value `pinned`. */
export const PINNED_LABEL = "io.cri-containerd.pinned";

/** What loading needs: the platform chosen from indexes, the host, and the shared document cache. */
export interface _LoadOptions {
  readonly platform: MatchComparer;
  readonly host?: Platform;
  readonly cache: DocumentCache;
  readonly digester?: DigesterFactory;
}

/** The image a record names: config digest as ID, chain ID, declared size for the platform, pin. */
export async function _loadImage(
  content: ContentProvider,
  record: ImageRecord,
  options: _LoadOptions,
): Promise<Image> {
  // Named as `images` prints it, so a warning points at a line the user has seen.
  const name = printedName(record.name) ?? record.name;
  const target = record.target;
  let manifest: Manifest;
  try {
    manifest = (await manifestFor(content, target, options)).manifest;
  } catch (error) {
    const role = isIndexType(target.mediaType) ? "index" : "manifest";
    throw _blobFailure(error, target, `the ${role} of ${name}`) ??
      wrapError(error, `Cannot read image "${name}"`);
  }
  let imageSpec: ImageConfig;
  try {
    imageSpec = await _readConfig(content, manifest.config, options);
  } catch (error) {
    const what = `the config of ${name}`;
    throw _blobFailure(error, manifest.config, what) ??
      wrapError(error, `Cannot read ${what} (${manifest.config.digest})`);
  }
  let size: number;
  try {
    size = await imageUsage(content, target, { ...options, manifestLimit: 1, manifestUsage: true });
  } catch (error) {
    throw wrapError(error, `Cannot add up the size of image "${name}"`);
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

/**
 * A blob whose bytes are not the ones `descriptor` names, said of what it is (`the config of
 * docker.io/library/bb:1.35.0`); `undefined` for any other failure, or another blob's.
 */
function _blobFailure(
  error: unknown,
  descriptor: Descriptor,
  what: string,
): DigestMismatchError | undefined {
  if (!(error instanceof DigestMismatchError)) return undefined;
  const { expected, actual } = error;
  const action = `Cannot read ${what} (${descriptor.digest})`;
  const found = expected === descriptor.digest
    ? `it does not match its digest (its bytes hash to ${actual})`
    : expected === String(descriptor.size)
    ? `expected ${expected} bytes, found ${actual}`
    : undefined;
  return found === undefined
    ? undefined
    : new DigestMismatchError(`${action}: ${found}`, { expected, actual, cause: error });
}
