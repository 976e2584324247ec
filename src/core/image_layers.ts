/** An image's layers as entry streams, and what needs them: merged views, layer and image diffs. */
import { type ContentProvider, readBlobStream } from "./content.ts";
import { type Decompressors, layerEntries } from "./compression.ts";
import { createDigester, type DigesterFactory } from "./digester.ts";
import { InvalidArgumentError } from "./errors.ts";
import { diffFilesystems, type FsDiff } from "./filesystem_diff.ts";
import { type FsEntry, imageFilesystem } from "./image_filesystem.ts";
import type { TarEntryWithData } from "./tar_entries.ts";
import type { Descriptor, Manifest } from "./types.ts";

/** Options of {@link imageLayers}. */
export interface ImageLayersOptions {
  /** The decoders the host provides (gzip, zstd). */
  readonly decompressors: Decompressors;
  /** Hashes with this instead of the portable digester (layer verification and content hashes). */
  readonly digester?: DigesterFactory;
  /** Aborts the reads. */
  readonly signal?: AbortSignal;
}

/** An image's layers, each streamed afresh whenever its entries are asked for. */
export interface ImageLayers {
  /** The layer descriptors, base first. */
  readonly layers: readonly Descriptor[];
  /** The digester content hashes use. */
  readonly digester?: DigesterFactory;
  /** The entries of layer `index`, streamed and verified against its digest as they are read. */
  entries(index: number): AsyncGenerator<TarEntryWithData>;
}

/**
 * The layers of a manifest over a content provider: each `entries(i)` call streams the layer's
 * blob (verified by size and digest as it streams, so a complete read proves it), decompresses it
 * with what the host hands in and yields its tar entries. Nothing is held beyond one entry.
 *
 * @param content Where the blobs are.
 * @param manifest The image's manifest (only its `layers` are read).
 * @param options Decompressors, digester, signal.
 * @returns The layers.
 * @example
 * ```ts
 * import { imageLayers } from "./image_layers.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * const layers = imageLayers(source.content, { layers: [layer] }, { decompressors: {} });
 * for await (const _ of layers.entries(0)) throw new Error("an empty tar has no entries");
 * ```
 */
export function imageLayers(
  content: ContentProvider,
  manifest: Pick<Manifest, "layers">,
  options: ImageLayersOptions,
): ImageLayers {
  const layers = manifest.layers;
  return {
    layers,
    ...(options.digester ? { digester: options.digester } : {}),
    async *entries(index) {
      const layer = layers[index];
      if (!layer) {
        throw new InvalidArgumentError(
          `Cannot read layer ${index}: expected 0 to ${
            layers.length - 1
          }, the image has ${layers.length} layers`,
        );
      }
      const stream = await readBlobStream(content, layer, options);
      yield* layerEntries(stream, options.decompressors, `layer ${index} (${layer.digest})`);
    },
  };
}

/**
 * The merged filesystem of the first `count` layers (all by default).
 *
 * @param layers The image's layers.
 * @param count How many layers, from the base, to merge.
 * @returns The merged entries sorted by path.
 * @example
 * ```ts
 * import { imageLayers, layersFilesystem } from "./image_layers.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * const fs = await layersFilesystem(imageLayers(source.content, { layers: [layer] }, { decompressors: {} }));
 * console.assert(fs.length === 0);
 * ```
 */
export function layersFilesystem(
  layers: ImageLayers,
  count: number = layers.layers.length,
): Promise<FsEntry[]> {
  return imageFilesystem(Array.from({ length: count }, (_, i) => layers.entries(i)));
}

/**
 * What layer `index` changes in the filesystem of the layers below it: the merged view before
 * and after it, compared as {@link diffFilesystems} does (content hashed only when sizes match).
 *
 * @param layers The image's layers.
 * @param index The layer (0 is the base, whose every path is added).
 * @returns The added, modified and removed paths.
 * @throws {InvalidArgumentError} When `index` is not one of the image's layers.
 * @example
 * ```ts
 * import { diffLayer, imageLayers } from "./image_layers.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * const diff = await diffLayer(imageLayers(source.content, { layers: [layer] }, { decompressors: {} }), 0);
 * console.assert(diff.added.length === 0);
 * ```
 */
export async function diffLayer(layers: ImageLayers, index: number): Promise<FsDiff> {
  if (!Number.isInteger(index) || index < 0 || index >= layers.layers.length) {
    throw new InvalidArgumentError(
      `Cannot diff layer ${index}: expected 0 to ${
        layers.layers.length - 1
      }, the image has ${layers.layers.length} layers`,
    );
  }
  const before = await layersFilesystem(layers, index);
  const after = await layersFilesystem(layers, index + 1);
  return diffFilesystems(before, after, _sameContent(layers, before, layers, after));
}

/**
 * What differs between two images' merged filesystems (content hashed only when sizes match;
 * a path both take from the same layer blob is the same without hashing).
 *
 * @param first The first image's layers.
 * @param second The second image's layers.
 * @returns The paths added, modified and removed going from the first to the second.
 * @example
 * ```ts
 * import { diffImages, imageLayers } from "./image_layers.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * const image = imageLayers(source.content, { layers: [layer] }, { decompressors: {} });
 * const diff = await diffImages(image, image);
 * console.assert(diff.modified.length === 0);
 * ```
 */
export async function diffImages(first: ImageLayers, second: ImageLayers): Promise<FsDiff> {
  const before = await layersFilesystem(first);
  const after = await layersFilesystem(second);
  return diffFilesystems(before, after, _sameContent(first, before, second, after));
}

/**
 * Where an entry's bytes are stored: a hard link's are its target's (taken from the same merged
 * view, which is right unless a later layer replaced the target after the link was made).
 */
function _dataOf(entry: FsEntry, byPath: ReadonlyMap<string, FsEntry>): FsEntry {
  if (entry.type !== "hardlink") return entry;
  return byPath.get(entry.link!) ?? entry;
}

function _sameContent(
  first: ImageLayers,
  before: readonly FsEntry[],
  second: ImageLayers,
  after: readonly FsEntry[],
) {
  const firstPaths = new Map(before.map((e) => [e.path, e]));
  const secondPaths = new Map(after.map((e) => [e.path, e]));
  return async (pairs: readonly (readonly [FsEntry, FsEntry])[]): Promise<boolean[]> => {
    const sources = pairs.map(([a, b]) =>
      [_dataOf(a, firstPaths), _dataOf(b, secondPaths)] as const
    );
    const blob = (layers: ImageLayers, entry: FsEntry) => layers.layers[entry.layer]?.digest;
    // The same path in the same layer blob: the same bytes, whichever image it is in.
    const unknown = sources.map(([a, b]) =>
      a.path !== b.path || blob(first, a) === undefined || blob(first, a) !== blob(second, b)
    );
    const firstHashes = await _hashes(first, sources.filter((_, i) => unknown[i]).map(([a]) => a));
    const secondHashes = await _hashes(
      second,
      sources.filter((_, i) => unknown[i]).map(([, b]) => b),
    );
    return sources.map(([a, b], i) =>
      !unknown[i] ||
      firstHashes.get(_key(a.layer, a.path)) === secondHashes.get(_key(b.layer, b.path))
    );
  };
}

function _key(layer: number, path: string): string {
  return `${layer}\0${path}`;
}

/** The sha256 of each entry's bytes, reading each layer that holds one once. */
async function _hashes(
  layers: ImageLayers,
  entries: readonly FsEntry[],
): Promise<Map<string, string>> {
  const wanted = new Map<number, Set<string>>();
  for (const entry of entries) {
    const paths = wanted.get(entry.layer) ?? new Set();
    wanted.set(entry.layer, paths.add(entry.path));
  }
  const hashes = new Map<string, string>();
  for (const [layer, paths] of wanted) {
    // A path stored twice in one layer: the last copy is the one the merged view shows.
    for await (const entry of layers.entries(layer)) {
      if (!paths.has(entry.path) || entry.type !== "file") continue;
      const digester = createDigester("sha256", layers.digester);
      digester.update(await entry.bytes());
      hashes.set(_key(layer, entry.path), digester.digest());
    }
  }
  return hashes;
}
