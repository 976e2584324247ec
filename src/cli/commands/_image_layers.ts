/** Shared by files, diff, efficiency and cat: an image's manifest and layers from the operands. */
import { manifestFor } from "../../core/image.ts";
import { type ImageLayers, imageLayers } from "../../core/image_layers.ts";
import type { Manifest } from "../../core/types.ts";
import type { LayerFileReader } from "../../core/image_file.ts";
import { indexedLayers, SEEK_INDEX_SPACING, type SeekIndex } from "../../core/seek_index.ts";
import type { ContentProvider } from "../../core/content.ts";
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext, OpenedStore } from "../context.ts";
import { cliDecompressors } from "../decompressors.ts";
import { findInStore, foundRecord } from "./_find_image.ts";

/** An image found in SOURCE, ready to read. */
export interface OpenedImage {
  /** Where its blobs are. */
  readonly content: ContentProvider;
  /** Its manifest for the chosen platform. */
  readonly manifest: Manifest;
  /** Its layers as entry streams. */
  readonly layers: ImageLayers;
  /** Reads one file through a layer's seek index (when the layers are indexed). */
  readonly layerReader?: LayerFileReader;
  /** Layer `i`'s seek index, when the layers are indexed and it has one. */
  readonly index?: (i: number) => Promise<SeekIndex | undefined>;
}

/**
 * Finds `wanted` in the opened SOURCE and resolves its manifest for the store's platform;
 * `indexed` lists a registry's layers through seek indexes kept in its blob cache.
 */
export async function openImage(
  ctx: CommandContext,
  opened: OpenedStore,
  wanted: string,
  options: { readonly indexed?: boolean } = {},
): Promise<OpenedImage> {
  const found = await findInStore(ctx, opened, wanted);
  const record = await foundRecord(opened, found);
  const { manifest } = await manifestFor(opened.source.content, record.target, {
    platform: opened.platform,
    host: opened.host,
    ...(ctx.io.digester ? { digester: ctx.io.digester } : {}),
  });
  const content = opened.source.content;
  const layerOptions = {
    decompressors: cliDecompressors,
    ...(ctx.io.digester ? { digester: ctx.io.digester } : {}),
  };
  // A registry layer is listed once in full, then from its seek index kept in the blob cache.
  if (options.indexed && opened.indexCache) {
    const layers = indexedLayers(content, manifest, { ...layerOptions, store: opened.indexCache });
    return { content, manifest, layers, layerReader: layers.reader, index: layers.index };
  }
  return { content, manifest, layers: imageLayers(content, manifest, layerOptions) };
}

/** Checks the operand count against the command's usage. */
export function expectOperands(
  ctx: CommandContext,
  command: Command,
  min: number,
  max: number = min,
): void {
  const count = ctx.operands.length;
  if (count < min || count > max || ctx.operands.some((operand) => operand === "")) {
    throw new UsageError(
      `${command.name} takes ${command.usage}, found ${count} operand${count === 1 ? "" : "s"}`,
      command.name,
    );
  }
}

/** `--layer N` as a number, or `undefined` without the flag. */
export function layerFlag(
  ctx: CommandContext,
  command: Command,
  count: number,
): number | undefined {
  const text = ctx.options.layer;
  if (text === undefined) return undefined;
  const layer = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(layer < count)) {
    throw new UsageError(
      `invalid --layer "${text}": expected a layer index from 0 to ${count - 1}`,
      command.name,
    );
  }
  return layer;
}

/** A path operand as the filesystem stores it: relative, no `./`, no trailing `/`. */
export function relativePath(path: string): string {
  return path.split("/").filter((segment) => segment !== "" && segment !== ".").join("/");
}

/**
 * Says so for each indexed layer that is one zstd frame bigger than a gzip span (4 MiB): zstd
 * can be entered only at a frame's start, so every file read from it reads all of it.
 */
export async function warnWholeLayerReads(ctx: CommandContext, image: OpenedImage): Promise<void> {
  for (const [i, layer] of image.manifest.layers.entries()) {
    const index = await image.index?.(i);
    if (index?.compression !== "zstd" || index.frames?.length !== 1) continue;
    if (layer.size <= SEEK_INDEX_SPACING) continue;
    ctx.warn(
      `layer ${i} (${layer.digest}) is one zstd frame: it is seekable only as a whole, so reading one of its files reads all ${layer.size} bytes`,
    );
  }
}
