/**
 * A layer's seek index: the tar entries with their data offsets and SHA-256, and inflater
 * checkpoints about every 4 MiB of output with block-start marks about every 64 KiB between them
 * (gzip) or the layer's frames (zstd), so one file is one ranged read of the span that holds it
 * (gzip: from the checkpoint before it to the first block start past it), verified on its own. An
 * annotated eStargz layer's index is its verified TOC instead. A zstd layer can be entered only at
 * a frame's start: one of a single frame, as `zstd` and skopeo write by default, is indexed all the
 * same (the listing costs no read), but its index records one frame and a read of one file costs
 * the whole layer.
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { type ContentProvider, readBlobRange, readBlobStream } from "./content.ts";
import { type ByteTransform, compressionOf, type Decompressors } from "./compression.ts";
import type { BlobStore } from "./cached_content.ts";
import { checkBytesDigest } from "./_bytes_digest.ts";
import { digestOf } from "./digest.ts";
import { createDigester } from "./digester.ts";
import {
  ESTARGZ_FOOTER_SIZE,
  ESTARGZ_TOC_DIGEST,
  type EstargzChunk,
  estargzTocOffset,
  isEstargzOwnEntry,
  joinBytes,
  readEstargzEntry,
  readEstargzToc,
} from "./estargz.ts";
import { InvalidArgumentError } from "./errors.ts";
import type { DigesterFactory } from "./digester.ts";
import { type InflateCheckpoint, type InflateMark, Inflater } from "./inflate.ts";
import { tarEntries, type TarEntry } from "./tar_entries.ts";
import type { Descriptor, Manifest } from "./types.ts";
import { type ImageLayers, imageLayers, type ImageLayersOptions } from "./image_layers.ts";
import type { LayerFileReader } from "./image_file.ts";
import type { TarEntryWithData } from "./tar_entries.ts";
import type { ZstdFrame } from "./zstd_frames.ts";
import { readZstdRange, type ZstdFramesFound, zstdFrameStream } from "./zstd_seek.ts";

export type { EstargzChunk } from "./estargz.ts";
export type { ZstdFrame } from "./zstd_frames.ts";

/** One tar entry of an indexed layer, with where its data starts in the uncompressed tar. */
export interface SeekIndexEntry extends TarEntry {
  /** Offset of the entry's data in the uncompressed tar stream (eStargz: of its first member). */
  readonly offset: number;
  /** A regular file's digest (SHA-256 from the verified full read, or the eStargz TOC's). */
  readonly digest?: string;
  /** eStargz only: a regular file's gzip members, each with its `chunkDigest`. */
  readonly chunks?: readonly EstargzChunk[];
}

/** A layer's seek index (see {@link buildSeekIndex}). */
export interface SeekIndex {
  /** The layer it was built from, and the only one it may be used for. */
  readonly layer: string;
  /** The layer's size in bytes (compressed, as stored). */
  readonly size: number;
  /**
   * `gzip`, `zstd`, `none` for a plain tar (offsets are then blob offsets), or `estargz` (from its
   * TOC).
   */
  readonly compression: "gzip" | "zstd" | "none" | "estargz";
  /** eStargz only: the digest of the TOC it came from (the layer's `toc.digest` annotation). */
  readonly toc?: string;
  /** Block-start checkpoints in stream order (gzip only). */
  readonly checkpoints: readonly InflateCheckpoint[];
  /** Block starts between the checkpoints, in stream order (gzip only): where a span may end. */
  readonly marks?: readonly InflateMark[];
  /**
   * zstd only: the layer's data frames, the only places a read can start. A file is read from the
   * first frame that holds any of it through the last; with one frame (`frames.length === 1`, the
   * default of `zstd` and skopeo) the layer is not seekable below its whole: every file read costs
   * the whole layer.
   */
  readonly frames?: readonly ZstdFrame[];
  /**
   * zstd only: `true` when the layer is in the seekable format and its seek table named every
   * frame as the verified read found it (the table is read from that read's last bytes).
   */
  readonly seekTable?: boolean;
  /** The tar entries in stream order. */
  readonly entries: readonly SeekIndexEntry[];
}

/** Output bytes between checkpoints (the 4 MiB: one read of one file stays under 8 MiB). */
export const SEEK_INDEX_SPACING: number = 4 * 1024 * 1024;
/**
 * Output bytes between block-start marks: a span ends at most this much (and one block) past its
 * file. A mark costs about 20 bytes of the document, a checkpoint 43,700.
 */
export const SEEK_INDEX_MARK_SPACING: number = 64 * 1024;
// v2: files carry digests; v3: block-start marks. Older documents are refused (and kept under
// another key), so a kept index is built again.
const _KIND = "ocistore.seek-index.v3";
// A span read past the next checkpoint's block start: the inflater holds back this much input
// (a block header's margin) before it decodes the last symbols ahead of it.
const _TAIL = 2048;

/**
 * Builds a layer's seek index from one full read: the blob is streamed and verified against its
 * digest (to the last byte, also past the tar's end), inflated with checkpoints and listed, each
 * regular file's SHA-256 kept so a later ranged read is verified on its own. An eStargz layer read
 * this way (one without its annotation) is listed without the format's own entries. A zstd layer
 * is decoded frame by frame through `decompressors.zstd` and its index records the frames (zstd is
 * seekable only at frame boundaries; a single-frame layer's one frame is the whole layer).
 *
 * @param content Where the layer is.
 * @param layer The layer's descriptor.
 * @param options A native digester, a signal, the checkpoint spacing, the zstd decoder.
 * @returns The index, or `undefined` for a zstd layer without a zstd decompressor.
 * @throws {DigestMismatchError} When the layer's bytes do not match its digest.
 * @example
 * ```ts
 * import { buildSeekIndex } from "./seek_index.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * assertEquals((await buildSeekIndex(source.content, layer))?.entries, []);
 * ```
 */
export async function buildSeekIndex(
  content: ContentProvider,
  layer: Descriptor,
  options: {
    digester?: DigesterFactory;
    signal?: AbortSignal;
    spacing?: number;
    decompressors?: Decompressors;
  } = {},
): Promise<SeekIndex | undefined> {
  const reader = (await readBlobStream(content, layer, options)).getReader();
  let first = await reader.read();
  while (!first.done && first.value.length < 4) {
    const next = await reader.read();
    if (next.done) break;
    first = { done: false, value: joinBytes(first.value, next.value) };
  }
  const head = first.done ? new Uint8Array(0) : first.value;
  const kind = compressionOf(head);
  if (kind === "zstd") {
    const zstd = options.decompressors?.zstd;
    if (zstd) return await _zstdIndex(layer, reader, head, zstd, options.digester);
    await reader.cancel();
    return undefined;
  }
  const inflater = kind === "gzip"
    ? new Inflater({
      checkpointEvery: options.spacing ?? SEEK_INDEX_SPACING,
      markEvery: SEEK_INDEX_MARK_SPACING,
    })
    : undefined;
  let pending: Uint8Array | undefined = head;
  let ended = false;
  // The blob's last bytes, to tell an eStargz footer.
  let tail = new Uint8Array(0);
  const next = async (): Promise<Uint8Array[] | undefined> => {
    if (ended) return undefined;
    const chunk = pending ?? (await reader.read()).value;
    pending = undefined;
    if (!chunk) ended = true;
    else tail = joinBytes(tail, chunk.subarray(-ESTARGZ_FOOTER_SIZE)).slice(-ESTARGZ_FOOTER_SIZE);
    if (!inflater) return chunk ? [chunk] : undefined;
    return inflater.push(chunk ?? new Uint8Array(0), !chunk);
  };
  const tar = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const out = await next();
        if (!out) return controller.close();
        for (const chunk of out) controller.enqueue(chunk);
        if (out.length > 0) return;
      }
    },
    // The listing stops at the tar's end blocks; the rest is still read below, for the digest.
    cancel() {},
  });
  const entries = await _listed(tar, layer, options.digester);
  while (await next());
  const estargz = kind === "gzip" && estargzTocOffset(tail) !== undefined;
  return {
    layer: layer.digest,
    size: layer.size,
    compression: kind,
    checkpoints: inflater?.checkpoints ?? [],
    ...(inflater ? { marks: inflater.marks } : {}),
    entries: estargz ? entries.filter((e) => !isEstargzOwnEntry(e.path)) : entries,
  };
}

/** A tar's entries, each regular file with its SHA-256. */
async function _listed(
  tar: ReadableStream<Uint8Array>,
  layer: Descriptor,
  native?: DigesterFactory,
): Promise<SeekIndexEntry[]> {
  const entries: SeekIndexEntry[] = [];
  for await (const entry of tarEntries(tar, `layer ${layer.digest}`)) {
    const { bytes: _bytes, readChunks, ...meta } = entry;
    if (entry.type !== "file") {
      entries.push(meta);
      continue;
    }
    const digester = createDigester("sha256", native);
    await readChunks((chunk) => digester.update(chunk));
    entries.push({ ...meta, digest: digester.digest() });
  }
  return entries;
}

/** A zstd layer's index: decoded frame by frame, listed, and read to its end (the digest). */
async function _zstdIndex(
  layer: Descriptor,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  head: Uint8Array,
  zstd: () => ByteTransform,
  native?: DigesterFactory,
): Promise<SeekIndex> {
  const found: ZstdFramesFound = { frames: [] };
  const decoded = zstdFrameStream(reader, head, zstd, found, `layer ${layer.digest}`).getReader();
  const tar = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await decoded.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    // The listing stops at the tar's end blocks; the rest is still read below, for the digest.
    cancel() {},
  });
  const entries = await _listed(tar, layer, native);
  while (!(await decoded.read()).done);
  return {
    layer: layer.digest,
    size: layer.size,
    compression: "zstd",
    checkpoints: [],
    frames: found.frames,
    ...(found.seekTable ? { seekTable: true } : {}),
    entries,
  };
}

/**
 * Reads one entry's data through the index: one ranged read from the checkpoint before it to the
 * first block start (mark or checkpoint) past its end (to the layer's end for the last span),
 * inflated from there, or (zstd) of the frames that hold it, or (eStargz) of the file's gzip
 * members. A range cannot be verified against the layer digest on its own, so the bytes are
 * checked against the file's digest the index recorded.
 *
 * @param content Where the layer is.
 * @param layer The layer's descriptor (must be the index's layer).
 * @param index The layer's index.
 * @param entry The entry (from `index.entries`).
 * @param signal Aborts the read.
 * @param digester A native digester for the check.
 * @param decompressors The zstd decoder, for a zstd layer.
 * @returns The entry's data.
 * @throws {DigestMismatchError} When the bytes read do not match the file's recorded digest.
 * @throws {InvalidArgumentError} For a zstd index without a zstd decompressor.
 * @example
 * ```ts
 * import { buildSeekIndex, readIndexedEntry } from "./seek_index.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * const index = (await buildSeekIndex(source.content, layer))!;
 * assertEquals(index.entries.length, 0);
 * ```
 */
export async function readIndexedEntry(
  content: ContentProvider,
  layer: Descriptor,
  index: SeekIndex,
  entry: SeekIndexEntry,
  signal?: AbortSignal,
  digester?: DigesterFactory,
  decompressors?: Decompressors,
): Promise<Uint8Array> {
  if (index.layer !== layer.digest) {
    throw new InvalidArgumentError(
      `Cannot read layer ${layer.digest} through a seek index: expected its own, found one of ${index.layer}`,
    );
  }
  if (index.compression === "estargz") {
    return await readEstargzEntry(content, layer, entry, { signal, digester });
  }
  const what = `"${entry.path}" through the seek index of ${layer.digest}`;
  if (entry.digest === undefined) {
    throw new InvalidArgumentError(
      `Cannot read ${what}: expected its digest in the index, found none`,
    );
  }
  const out = index.compression === "none"
    ? await readBlobRange(content, layer, { offset: entry.offset, length: entry.size }, { signal })
    : index.compression === "zstd"
    ? await readZstdRange(
      content,
      layer,
      index.frames ?? [],
      { offset: entry.offset, size: entry.size },
      decompressors?.zstd ?? _noZstd(what),
      signal,
    )
    : await _inflateSpan(content, layer, index, entry, signal);
  checkBytesDigest(out, entry.digest, what, digester);
  return out;
}

function _noZstd(what: string): never {
  throw new InvalidArgumentError(`Cannot read ${what}: expected a zstd decompressor, found none`);
}

/** An entry's data inflated from the checkpoint before it, through the first block start past it. */
async function _inflateSpan(
  content: ContentProvider,
  layer: Descriptor,
  index: SeekIndex,
  entry: SeekIndexEntry,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const { offset, size } = entry;
  const from = index.checkpoints.findLast((c) => c.out <= offset);
  // Checkpoints are block starts too: the span ends at the earlier of the two past the file.
  const past = (c: InflateMark) => c.out >= offset + size;
  const checkpoint = index.checkpoints.find(past);
  const mark = index.marks?.find(past);
  const to = mark && !(checkpoint && checkpoint.out < mark.out) ? mark : checkpoint;
  const start = from ? Math.floor(from.bit / 8) : 0;
  const end = to ? Math.min(layer.size, Math.ceil(to.bit / 8) + _TAIL) : layer.size;
  const span = await readBlobRange(content, layer, { offset: start, length: end - start }, {
    signal,
  });
  const inflater = new Inflater(from ? { resume: from } : {});
  const out = new Uint8Array(size);
  let at = from ? from.out : 0;
  let filled = 0;
  for (const chunk of inflater.push(span, end === layer.size)) {
    const lo = Math.max(offset, at);
    const hi = Math.min(offset + size, at + chunk.length);
    if (hi > lo) {
      out.set(chunk.subarray(lo - at, hi - at), lo - offset);
      filled += hi - lo;
    }
    at += chunk.length;
  }
  if (filled !== size) {
    throw new InvalidArgumentError(
      `Cannot read "${entry.path}" through the seek index of ${layer.digest}: expected ${size} bytes, found ${filled}`,
    );
  }
  return out;
}

/**
 * The index as a small JSON document (checkpoint histories in base64), to keep in a blob cache.
 *
 * @param index The index.
 * @returns The document's bytes.
 * @example
 * ```ts
 * import { decodeSeekIndex, encodeSeekIndex } from "./seek_index.ts";
 * const index = { layer: "sha256:" + "a".repeat(64), size: 1024, compression: "none" as const, checkpoints: [], entries: [] };
 * console.assert(decodeSeekIndex(encodeSeekIndex(index), { digest: index.layer, size: 1024 })?.size === 1024);
 * ```
 */
export function encodeSeekIndex(index: SeekIndex): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    kind: _KIND,
    layer: index.layer,
    size: index.size,
    compression: index.compression,
    ...(index.toc !== undefined ? { toc: index.toc } : {}),
    // A zstd index has frames and no checkpoints array, so a reader from before zstd indexes (which
    // would take it for a plain tar) fails on it and streams the layer instead.
    ...(index.compression === "zstd"
      ? {
        frames: (index.frames ?? []).map((f) => [f.offset, f.length, f.out, f.size]),
        ...(index.seekTable ? { seekTable: true } : {}),
      }
      : {
        checkpoints: index.checkpoints.map((c) => [c.bit, c.out, _base64(c.history)]),
        // Bit and output offsets of each mark, one after another.
        marks: (index.marks ?? []).flatMap((m) => [m.bit, m.out]),
      }),
    // One array per entry, the stored name as a code when it is the path spelled as tar does.
    entries: index.entries.map((e) => {
      const name = _NAMES.findIndex((spell) => spell(e.path) === e.name);
      const row = [e.path, e.type, e.size, e.mode, e.uid, e.gid, e.mtime, e.offset];
      // A file of one chunk has the chunk's digest as its own: written once (null in the chunk).
      const chunks = e.chunks?.map((c) => [
        c.offset,
        c.end,
        c.at,
        c.size,
        c.digest === e.digest ? null : _packDigest(c.digest),
      ]);
      return [
        ...row,
        name >= 0 ? name : e.name,
        e.link ?? null,
        e.digest === undefined ? null : _packDigest(e.digest),
        ...(chunks ? [chunks] : []),
      ];
    }),
  }));
}

const _NAMES = [
  (path: string) => path,
  (path: string) => `./${path}`,
  (path: string) => `./${path}/`,
  (path: string) => `${path}/`,
];

/**
 * Parses a kept index, only for the layer it was built from: another digest or size, another
 * kind, an eStargz TOC other than the one the layer's annotation names, or a malformed document
 * gives `undefined` (the index is then built again).
 *
 * @param bytes The document.
 * @param layer The layer it must be for.
 * @returns The index, or `undefined`.
 * @example
 * ```ts
 * import { decodeSeekIndex } from "./seek_index.ts";
 * console.assert(decodeSeekIndex(new TextEncoder().encode("{}"), { digest: "sha256:00", size: 1 }) === undefined);
 * ```
 */
export function decodeSeekIndex(
  bytes: Uint8Array,
  layer: Pick<Descriptor, "digest" | "size" | "annotations">,
): SeekIndex | undefined {
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes));
    if (doc.kind !== _KIND || doc.layer !== layer.digest || doc.size !== layer.size) {
      return undefined;
    }
    const estargz = doc.compression === "estargz";
    if (estargz && doc.toc !== layer.annotations?.[ESTARGZ_TOC_DIGEST]) return undefined;
    const zstd = doc.compression === "zstd";
    return {
      layer: doc.layer,
      size: doc.size,
      compression: estargz
        ? "estargz"
        : zstd
        ? "zstd"
        : doc.compression === "gzip"
        ? "gzip"
        : "none",
      ...(estargz ? { toc: doc.toc } : {}),
      checkpoints: zstd ? [] : doc.checkpoints.map((
        [bit, out, history]: [number, number, string],
      ) => ({ bit, out, history: _unbase64(history) })),
      ...(doc.compression === "gzip" ? { marks: _marks(doc.marks) } : {}),
      ...(zstd
        ? {
          frames: doc.frames.map(([offset, length, out, size]: number[]) => ({
            offset,
            length,
            out,
            size,
          })),
          ...(doc.seekTable === true ? { seekTable: true } : {}),
        }
        : {}),
      entries: doc.entries.map((row: unknown[]) => {
        const [path, type, size, mode, uid, gid, mtime, offset, name, link, digest, chunks] =
          row as [
            string,
            SeekIndexEntry["type"],
            number,
            number,
            number,
            number,
            number,
            number,
            string | number,
            string | null,
            string | null,
            [number, number, number, number, string | null][] | undefined,
          ];
        const stored = typeof name === "number" ? _NAMES[name](path) : name;
        // A v2 file always has its digest: without one its ranged reads could not be verified.
        if (type === "file" && typeof digest !== "string") throw new TypeError("no digest");
        return {
          path,
          name: stored,
          type,
          size,
          mode,
          uid,
          gid,
          mtime,
          offset,
          ...(link !== null ? { link } : {}),
          ...(digest !== null ? { digest: _unpackDigest(digest) } : {}),
          ...(chunks
            ? {
              chunks: chunks.map(([offset, end, at, size, packed]) => ({
                offset,
                end,
                at,
                size,
                digest: packed === null ? _unpackDigest(digest!) : _unpackDigest(packed),
              })),
            }
            : {}),
        };
      }),
    };
  } catch {
    return undefined;
  }
}

/**
 * Seek indexes kept in a blob cache (disk, IndexedDB): each under a key derived from its layer's
 * digest (the SHA-256 of `ocistore.seek-index.v3 <digest>`, a name no blob has), and checked
 * against that layer when read back, so an index never serves another digest.
 *
 * @param store The blob cache.
 * @returns Get and set by layer.
 * @example
 * ```ts
 * import { seekIndexStore } from "./seek_index.ts";
 * const kept = new Map<string, Uint8Array>();
 * const store = seekIndexStore({
 *   get: (d) => Promise.resolve(kept.get(d)),
 *   set: async (d, b) => void kept.set(d, b),
 *   delete: async (d) => void kept.delete(d),
 * });
 * console.assert(await store.get({ digest: "sha256:" + "a".repeat(64), size: 1 }) === undefined);
 * ```
 */
export function seekIndexStore(store: BlobStore): {
  get(layer: Pick<Descriptor, "digest" | "size">): Promise<SeekIndex | undefined>;
  set(index: SeekIndex): Promise<void>;
} {
  const key = (digest: string) => digestOf(`${_KIND} ${digest}`);
  return {
    async get(layer) {
      const bytes = await store.get(await key(layer.digest));
      return bytes ? decodeSeekIndex(bytes, layer) : undefined;
    },
    async set(index) {
      await store.set(await key(index.layer), encodeSeekIndex(index));
    },
  };
}

/** Options of {@link indexedLayers}. */
export interface IndexedLayersOptions extends ImageLayersOptions {
  /** Where indexes are kept across runs (a blob cache); without one, only for this object's life. */
  readonly store?: BlobStore;
}

/**
 * An image's layers whose listings come from seek indexes: the first listing of a gzip, zstd or
 * plain layer reads it whole once (verified) and keeps its index; later listings cost no read, and
 * an entry's `bytes()` is one ranged read (of a zstd layer: of the frames that hold the file, the
 * whole layer when it is one frame). Without a zstd decompressor zstd layers are streamed as
 * {@link imageLayers} does, which then fails as it does.
 * `reader` is the {@link LayerFileReader} for `readFile`, answering for layers already indexed;
 * `index(i)` is layer `i`'s index when one is kept or was built (it builds none).
 *
 * @param content Where the blobs are.
 * @param manifest The image's manifest (only its `layers` are read).
 * @param options Decompressors (for zstd), digester, signal, and the blob cache for indexes.
 * @returns The layers and a file reader.
 * @example
 * ```ts
 * import { indexedLayers } from "./seek_index.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * const layers = indexedLayers(source.content, { layers: [layer] }, { decompressors: {} });
 * for await (const _ of layers.entries(0)) throw new Error("an empty tar has no entries");
 * ```
 */
export function indexedLayers(
  content: ContentProvider,
  manifest: Pick<Manifest, "layers">,
  options: IndexedLayersOptions,
): ImageLayers & {
  readonly reader: LayerFileReader;
  index(i: number): Promise<SeekIndex | undefined>;
} {
  const plain = imageLayers(content, manifest, options);
  const kept = options.store ? seekIndexStore(options.store) : undefined;
  const known = new Map<string, Promise<SeekIndex | undefined>>();
  const indexOf = (layer: Descriptor, build: boolean) => {
    let found = known.get(layer.digest);
    if (!found) {
      found = (async () => {
        const stored = await kept?.get(layer);
        if (stored || !build) return stored;
        const index = await _tocIndex(content, layer, options) ??
          await buildSeekIndex(content, layer, options);
        if (index) await kept?.set(index);
        return index;
      })();
      // A failed build, or a lookup without a build, is not remembered.
      found.then((index) => index || build || known.delete(layer.digest), () => {
        known.delete(layer.digest);
      });
      known.set(layer.digest, found);
    }
    return found;
  };
  return {
    ...plain,
    async *entries(i) {
      const layer = manifest.layers[i];
      const index = layer ? await indexOf(layer, true) : undefined;
      if (!layer || !index) return yield* plain.entries(i);
      for (const entry of index.entries) {
        const withData: TarEntryWithData = {
          ...entry,
          bytes: () =>
            entry.type === "file"
              ? readIndexedEntry(
                content,
                layer,
                index,
                entry,
                options.signal,
                options.digester,
                options.decompressors,
              )
              : Promise.resolve(new Uint8Array(0)),
        };
        yield withData;
      }
    },
    async index(i) {
      const layer = manifest.layers[i];
      return layer ? await indexOf(layer, false) : undefined;
    },
    async reader(layer, entry) {
      const index = await indexOf(layer, false);
      const stored = index?.entries.findLast((e) => e.path === entry.path && e.type === "file");
      return index && stored
        ? await readIndexedEntry(
          content,
          layer,
          index,
          stored,
          options.signal,
          options.digester,
          options.decompressors,
        )
        : undefined;
    },
  };
}

/** An annotated eStargz layer's index, from its verified TOC (no full read). */
async function _tocIndex(
  content: ContentProvider,
  layer: Descriptor,
  options: { digester?: DigesterFactory; signal?: AbortSignal },
): Promise<SeekIndex | undefined> {
  const toc = await readEstargzToc(content, layer, options);
  if (!toc) return undefined;
  const { entries } = toc;
  return {
    layer: layer.digest,
    size: layer.size,
    compression: "estargz",
    toc: toc.toc,
    checkpoints: [],
    entries,
  };
}

/** A document's `[bit, out, bit, out…]` as marks; anything else is malformed. */
function _marks(flat: unknown): InflateMark[] {
  if (!Array.isArray(flat) || flat.length % 2 || !flat.every(Number.isSafeInteger)) {
    throw new TypeError("malformed marks");
  }
  const marks: InflateMark[] = [];
  for (let i = 0; i < flat.length; i += 2) marks.push({ bit: flat[i], out: flat[i + 1] });
  return marks;
}

// A SHA-256 as the base64 of its 32 bytes (44 characters, not 71): a 5,000-file index is 135 KB
// smaller. Other digests are kept as they are spelled.
function _packDigest(digest: string): string {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  return hex ? _base64(hexToBytes(hex)) : digest;
}

function _unpackDigest(packed: string): string {
  if (packed.includes(":")) return packed;
  return `sha256:${bytesToHex(_unbase64(packed))}`;
}

function _base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function _unbase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
