/** One file's bytes from an image's merged filesystem. */
import type { ContentProvider } from "./content.ts";
import type { Decompressors } from "./compression.ts";
import type { DigesterFactory } from "./digester.ts";
import { InvalidArgumentError, NotFoundError } from "./errors.ts";
import type { FsEntry } from "./image_filesystem.ts";
import { type ImageLayers, imageLayers, layersFilesystem } from "./image_layers.ts";
import type { Descriptor, Manifest } from "./types.ts";

/**
 * Reads one file of one layer another way than streaming the layer (a seek index, a table of
 * contents): resolves to the file's bytes, or `undefined` when it cannot, and the layer is then
 * streamed up to the file. `entry.path` is the path as stored in that layer.
 */
export type LayerFileReader = (
  layer: Descriptor,
  entry: FsEntry,
  index: number,
) => Promise<Uint8Array | undefined>;

/** Options of {@link readFile}. */
export interface ReadFileOptions {
  /** The decoders the host provides (gzip, zstd). */
  readonly decompressors: Decompressors;
  /** The image's layers, when the caller has them (e.g. `indexedLayers`, listed from indexes). */
  readonly layers?: ImageLayers;
  /** The seam for a seek index: tried first for the layer that holds the file. */
  readonly layerReader?: LayerFileReader;
  /** Hashes with this instead of the portable digester. */
  readonly digester?: DigesterFactory;
  /** Aborts the reads. */
  readonly signal?: AbortSignal;
}

/** How many symbolic links one lookup follows, as Linux's `MAXSYMLINKS`. */
const _MAX_LINKS = 40;

/**
 * The bytes of the regular file at `path` in an image's merged filesystem. Symbolic links are
 * followed inside the image (an absolute target is the image's root, `..` stops at it), in every
 * component as a chroot would (`lib → usr/lib`); a hard link reads its target. Streaming reads the
 * whole layer that holds the file, so the bytes are returned only once that layer verified
 * against its digest.
 *
 * @param content Where the blobs are.
 * @param image The image's manifest (only its `layers` are read).
 * @param path The file, absolute or relative (`/etc/os-release`, `etc/os-release`).
 * @param options Decompressors, an optional {@link LayerFileReader}, digester, signal.
 * @returns The file's bytes.
 * @throws {NotFoundError} When nothing is at `path`, or a link leads nowhere.
 * @throws {InvalidArgumentError} When `path` is a directory or another non-file, or links loop.
 * @example
 * ```ts
 * import { readFile } from "./image_file.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertRejects } from "@std/assert";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * await assertRejects(() => readFile(source.content, { layers: [layer] }, "/etc/passwd", { decompressors: {} }));
 * ```
 */
export async function readFile(
  content: ContentProvider,
  image: Pick<Manifest, "layers">,
  path: string,
  options: ReadFileOptions,
): Promise<Uint8Array> {
  const layers = options.layers ?? imageLayers(content, image, options);
  const merged = await layersFilesystem(layers);
  const byPath = new Map(merged.map((entry) => [entry.path, entry]));
  const entry = resolvePath(byPath, path);
  if (entry.type === "hardlink") return _hardLinkData(layers, entry, options.layerReader);
  if (entry.type !== "file") {
    throw new InvalidArgumentError(
      `Cannot read "${path}": expected a regular file, found a ${
        entry.type === "dir" ? "directory" : entry.type
      }`,
    );
  }
  return _layerData(layers, entry, options.layerReader);
}

/**
 * Finds the entry `path` names in a merged filesystem, following symbolic links in every
 * component (not in the last one when it is a hard link or other non-symlink).
 *
 * @param byPath The merged entries by path.
 * @param path The path, absolute or relative.
 * @returns The entry at the end of the lookup (never a symbolic link).
 * @throws {NotFoundError} When a component is missing.
 * @throws {InvalidArgumentError} When links loop or a component is not a directory.
 * @example
 * ```ts
 * import { resolvePath } from "./image_file.ts";
 * const dir = { type: "dir", size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, layer: 0 } as const;
 * const byPath = new Map([
 *   ["usr", { ...dir, path: "usr" }],
 *   ["usr/lib", { ...dir, path: "usr/lib" }],
 *   ["lib", { ...dir, path: "lib", type: "symlink" as const, link: "usr/lib" }],
 * ]);
 * console.assert(resolvePath(byPath, "/lib").path === "usr/lib");
 * ```
 */
export function resolvePath(byPath: ReadonlyMap<string, FsEntry>, path: string): FsEntry {
  let pending = path.split("/");
  const done: string[] = [];
  let links = 0;
  let current: FsEntry | undefined;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      done.pop();
      current = undefined;
      continue;
    }
    if (current && current.type !== "dir") {
      throw new InvalidArgumentError(
        `Cannot read "${path}": "${current.path}" is not a directory`,
      );
    }
    const at = [...done, segment].join("/");
    const entry = byPath.get(at);
    if (!entry) {
      throw new NotFoundError(`Cannot read "${path}": no "${at}" in the image's filesystem`);
    }
    if (entry.type === "symlink") {
      if (++links > _MAX_LINKS) {
        throw new InvalidArgumentError(
          `Cannot read "${path}": more than ${_MAX_LINKS} symbolic links on the way`,
        );
      }
      const target = entry.link ?? "";
      if (target.startsWith("/")) done.length = 0;
      pending = [...target.split("/"), ...pending];
      current = undefined;
      continue;
    }
    done.push(segment);
    current = entry;
  }
  if (!current) {
    const at = done.join("/");
    if (at === "") {
      throw new InvalidArgumentError(`Cannot read "${path}": it is the root directory`);
    }
    current = byPath.get(at);
    if (!current) {
      throw new NotFoundError(`Cannot read "${path}": no "${at}" in the image's filesystem`);
    }
  }
  return current;
}

/** A hard link's bytes: its target's as the link's layer saw it (in that layer, else the layers below). */
async function _hardLinkData(
  layers: ImageLayers,
  link: FsEntry,
  reader: LayerFileReader | undefined,
): Promise<Uint8Array> {
  let found: Uint8Array | undefined;
  let passed = false;
  // Read to the end, so the bytes come from a layer that verified.
  for await (const entry of layers.entries(link.layer)) {
    if (entry.path === link.path) passed = true;
    if (!passed && entry.path === link.link && entry.type === "file") found = await entry.bytes();
  }
  if (found) return found;
  const below = await layersFilesystem(layers, link.layer);
  const target = below.find((entry) => entry.path === link.link);
  if (!target || (target.type !== "file" && target.type !== "hardlink")) {
    throw new NotFoundError(
      `Cannot read "${link.path}": its hard link target "${link.link}" is not a file in the layers`,
    );
  }
  return target.type === "hardlink"
    ? _hardLinkData(layers, target, reader)
    : _layerData(layers, target, reader);
}

/** The bytes of `entry` in its layer: through the reader if it answers, else by streaming. */
async function _layerData(
  layers: ImageLayers,
  entry: FsEntry,
  reader: LayerFileReader | undefined,
): Promise<Uint8Array> {
  const descriptor = layers.layers[entry.layer];
  const direct = reader ? await reader(descriptor, entry, entry.layer) : undefined;
  if (direct) return direct;
  let found: Uint8Array | undefined;
  // Read to the end: the last copy of a path wins, and the end proves the layer's digest.
  for await (const stored of layers.entries(entry.layer)) {
    if (stored.path === entry.path && stored.type === "file") found = await stored.bytes();
  }
  if (!found) {
    throw new NotFoundError(
      `Cannot read "${entry.path}": layer ${entry.layer} (${descriptor.digest}) does not hold it`,
    );
  }
  return found;
}
