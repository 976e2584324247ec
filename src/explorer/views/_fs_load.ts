/**
 * What the filesystem views share: an image's layers read through the page's cache and listed
 * from seek indexes kept in IndexedDB, its merged filesystem kept for the next view of the same
 * manifest, and the pages of long lists.
 */
import { type ContentProvider, readBlob, readBlobStream } from "../../core/content.ts";
import type { FsEntry } from "../../core/image_filesystem.ts";
import { type ImageLayers, imageLayers, layersFilesystem } from "../../core/image_layers.ts";
import type { BlobStore } from "../../core/cached_content.ts";
import type { LayerFileReader } from "../../core/image_file.ts";
import { indexedLayers } from "../../core/seek_index.ts";
import type { TarEntry } from "../../core/tar_entries.ts";
import type { Descriptor } from "../../core/types.ts";
import { pageDecompressors } from "../layer_stream.ts";
import type { ResolvedImage, ViewContext } from "./view.ts";

/** Layers up to this size are read whole (verified and cached by digest); bigger ones are streamed. */
export const WHOLE_LAYER_LIMIT: number = 64 * 1024 * 1024;
/** Rows on one page of a long list: the page draws these only, however long the list. */
export const PAGE_SIZE: number = 1000;

/**
 * A layer's stored bytes as a stream: read whole through the page's cache when small enough (so
 * the IndexedDB cache keeps it, verified), else streamed and verified as it goes.
 */
export async function layerStream(
  content: ContentProvider,
  layer: Descriptor,
): Promise<ReadableStream<Uint8Array>> {
  if (layer.size <= WHOLE_LAYER_LIMIT) {
    const bytes = await readBlob(content, layer);
    return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
  }
  return await readBlobStream(content, layer);
}

/** `content` whose streams are {@link layerStream}'s: what the core's layer readers get. */
export function cachingLayers(content: ContentProvider): ContentProvider {
  return {
    info: (digest, options) => content.info(digest, options),
    read: (descriptor, options) => content.read(descriptor, options),
    stream: (descriptor) => layerStream(content, descriptor),
  };
}

/** An image opened for the filesystem views. */
export interface FsImage {
  /** The reference. */
  readonly reference: string;
  /** Its manifest and config for the view's platform. */
  readonly image: ResolvedImage;
  /** Its layers, each streamed through the cache, decompressed by the page. */
  readonly layers: ImageLayers;
  /** Reads one file through its layer's seek index (a registry's layers, once listed). */
  readonly reader?: LayerFileReader;
}

/**
 * Opens the image `reference` for the context's platform. With `context.indexes`, the first
 * listing of a layer reads it whole once (verified) and keeps its seek index there; later listings
 * read no layer, and one file is one ranged read (a `Range` request to a registry or a layout).
 *
 * @param context The view's context.
 * @param reference The image.
 * @returns The image and its layers.
 */
export async function fsImage(context: ViewContext, reference: string): Promise<FsImage> {
  const image = await context.image(reference);
  const content = cachingLayers(context.source.content);
  const { manifest } = image.resolved;
  const options = { decompressors: pageDecompressors };
  if (context.indexes) {
    const layers = indexedLayers(content, manifest, {
      ...options,
      store: tolerant(context.indexes),
    });
    return { reference, image, layers, reader: layers.reader };
  }
  return { reference, image, layers: imageLayers(content, manifest, options) };
}

/** `store` whose failures are misses and lost writes: a broken IndexedDB costs an index, not a view. */
function tolerant(store: BlobStore): BlobStore {
  return {
    get: (key) => store.get(key).catch(() => undefined),
    set: (key, bytes) => store.set(key, bytes).catch(() => {}),
    delete: (key) => store.delete(key).catch(() => {}),
  };
}

/**
 * The entries of layer `index` as stored, in stream order, kept for the next view.
 *
 * @param image The opened image.
 * @param index The layer, base first from 0.
 * @returns The entries.
 */
export function layerEntries(image: FsImage, index: number): Promise<readonly TarEntry[]> {
  return kept(`${image.layers.layers[index].digest}:entries`, async () => {
    const entries: TarEntry[] = [];
    for await (const { bytes: _, offset: __, ...entry } of image.layers.entries(index)) {
      entries.push(entry);
    }
    return entries;
  });
}

/**
 * What the views computed, by manifest digest (a manifest names its bytes, so any source's
 * serve), most recent last: moving between pages and views of a few images reads their layers once.
 */
const _kept = new Map<string, Promise<unknown>>();
/** How many results stay in memory. */
const _KEPT = 6;

/**
 * `make()`'s result under `key`, computed once while it stays among the last few asked for.
 *
 * @param key The manifest's digest and what was computed.
 * @param make Computes it (a failure is not kept).
 * @returns The result.
 */
export function kept<T>(key: string, make: () => Promise<T>): Promise<T> {
  let result = _kept.get(key) as Promise<T> | undefined;
  if (result) {
    _kept.delete(key);
  } else {
    result = make();
    result.catch(() => _kept.delete(key));
  }
  _kept.set(key, result);
  while (_kept.size > _KEPT) _kept.delete(_kept.keys().next().value!);
  return result;
}

/**
 * The merged filesystem of the image's first `count` layers (all by default), kept for the next
 * view: paging through 50,000 entries reads the layers once.
 *
 * @param image The opened image.
 * @param count How many layers from the base.
 * @returns The entries sorted bytewise by path.
 */
export function mergedFilesystem(
  image: FsImage,
  count: number = image.layers.layers.length,
): Promise<readonly FsEntry[]> {
  return kept(
    `${image.image.resolved.descriptor.digest}:merged:${count}`,
    () => layersFilesystem(image.layers, count),
  );
}

/** One page of a long list. */
export interface Page<T> {
  /** The rows of this page. */
  readonly items: readonly T[];
  /** This page, from 1. */
  readonly page: number;
  /** How many pages there are (at least 1). */
  readonly pages: number;
  /** How many rows the whole list has. */
  readonly total: number;
  /** The index in the whole list of this page's first row. */
  readonly first: number;
}

/**
 * Page `page` (from 1; past the end means the last) of `all`.
 *
 * @param all The whole list.
 * @param page The page asked for.
 * @param size Rows per page.
 * @returns The page.
 * @example
 * ```ts
 * import { pageOf } from "./_fs_load.ts";
 * const page = pageOf([1, 2, 3, 4, 5], 2, 2);
 * console.assert(page.items.join() === "3,4" && page.pages === 3 && page.first === 2);
 * ```
 */
export function pageOf<T>(all: readonly T[], page = 1, size: number = PAGE_SIZE): Page<T> {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const shown = Math.min(Math.max(1, page), pages);
  const first = (shown - 1) * size;
  return { items: all.slice(first, first + size), page: shown, pages, total: all.length, first };
}

/**
 * Entries in the order of a tree walk: a directory, then everything under it, before its next
 * sibling (`a`, `a/b`, `a-c`; a bytewise sort would put `a-c` before `a/b`).
 *
 * @param entries Entries with paths.
 * @returns A sorted copy.
 * @example
 * ```ts
 * import { treeOrder } from "./_fs_load.ts";
 * const order = treeOrder([{ path: "a-c" }, { path: "a/b" }, { path: "a" }]);
 * console.assert(order.map((e) => e.path).join() === "a,a/b,a-c");
 * ```
 */
export function treeOrder<T extends { readonly path: string }>(entries: readonly T[]): T[] {
  const encoder = new TextEncoder();
  // "/" as byte 0 sorts a directory's contents before any sibling that shares its name's prefix.
  const keyed = entries.map((entry) => ({
    entry,
    key: encoder.encode(entry.path).map((byte) => (byte === 0x2f ? 0 : byte)),
  }));
  keyed.sort((a, b) => {
    const length = Math.min(a.key.length, b.key.length);
    for (let i = 0; i < length; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i];
    return a.key.length - b.key.length;
  });
  return keyed.map(({ entry }) => entry);
}
