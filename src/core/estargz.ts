/**
 * eStargz layers (stargz-snapshotter docs/estargz.md): a gzip layer whose files are gzip members
 * of their own, with a table of contents (TOC) near the end and a 51-byte footer naming where it
 * starts. The TOC is read with one or two ranged reads and verified against the layer
 * descriptor's `containerd.io/snapshot/stargz/toc.digest` annotation; a file is then one ranged
 * read of its chunks, each verified against the TOC's `chunkDigest`.
 */
import { compressionOf } from "./compression.ts";
import { type ContentProvider, readBlobRange } from "./content.ts";
import { checkBytesDigest } from "./_bytes_digest.ts";
import type { DigesterFactory } from "./digester.ts";
import { InvalidArgumentError } from "./errors.ts";
import { Inflater } from "./inflate.ts";
import { tarEntries, type TarEntry, tarEntryPath, type TarEntryType } from "./tar_entries.ts";
import type { Descriptor } from "./types.ts";

/** The layer descriptor annotation holding the digest of the TOC's JSON. */
export const ESTARGZ_TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest";
/** The footer's size: an empty gzip member whose extra field names the TOC's offset. */
export const ESTARGZ_FOOTER_SIZE = 51;
// One tail read of this much holds the footer and the TOC of most layers (a 5,000-file TOC
// compresses to about 150 KiB); a bigger TOC costs one more read of the rest.
const _TAIL = 512 * 1024;
const _TOC_NAME = "stargz.index.json";
// The TOC's own entry and the prefetch landmarks are the format's, not the layer's files.
const _HIDDEN = new Set([_TOC_NAME, ".prefetch.landmark", ".no.prefetch.landmark"]);
// The footer after its 10-byte gzip header: XLEN 26, subfield "SG" of 22 bytes.
const _EXTRA_HEAD = [26, 0, 0x53, 0x47, 22, 0];
// And after the 22 bytes: a final stored block of length 0, then CRC-32 0 and ISIZE 0.
const _EMPTY_TAIL = [1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];

/** One gzip member of a regular file's data in an eStargz blob. */
export interface EstargzChunk {
  /** Where the member starts in the blob. */
  readonly offset: number;
  /** Where the next member starts (the member ends before it). */
  readonly end: number;
  /** Where the chunk's bytes start in the file. */
  readonly at: number;
  /** The chunk's uncompressed size. */
  readonly size: number;
  /** The digest of the chunk's uncompressed bytes (`chunkDigest`). */
  readonly digest: string;
}

/** One entry of an eStargz TOC in the shape a seek index lists. */
export interface EstargzEntry extends TarEntry {
  /** Where the file's first member starts in the blob (0 for an entry without data). */
  readonly offset: number;
  /** The digest of a regular file's whole content, when the TOC gives one. */
  readonly digest?: string;
  /** A non-empty regular file's members, in file order. */
  readonly chunks?: readonly EstargzChunk[];
}

/** A layer's verified eStargz TOC. */
export interface EstargzToc {
  /** The digest of the TOC's JSON (the annotation's value). */
  readonly toc: string;
  /** The layer's entries in TOC order, the TOC and the landmarks left out. */
  readonly entries: readonly EstargzEntry[];
}

/**
 * The TOC's offset named by an eStargz footer, or `undefined` when the bytes are not one.
 *
 * @param footer The blob's last 51 bytes.
 * @returns Where the TOC's gzip member starts in the blob.
 * @example
 * ```ts
 * import { estargzTocOffset } from "./estargz.ts";
 * console.assert(estargzTocOffset(new Uint8Array(51)) === undefined);
 * ```
 */
export function estargzTocOffset(footer: Uint8Array): number | undefined {
  if (footer.length !== ESTARGZ_FOOTER_SIZE || compressionOf(footer) !== "gzip") return undefined;
  // Method deflate, and FEXTRA as the only flag: the header is exactly 10 bytes.
  if (footer[2] !== 8 || footer[3] !== 4) return undefined;
  if (_EXTRA_HEAD.some((b, i) => footer[10 + i] !== b)) return undefined;
  if (_EMPTY_TAIL.some((b, i) => footer[38 + i] !== b)) return undefined;
  const text = new TextDecoder().decode(footer.subarray(16, 38));
  const found = /^([0-9a-f]{16})STARGZ$/.exec(text);
  return found ? parseInt(found[1], 16) : undefined;
}

/**
 * Reads and verifies an annotated eStargz layer's TOC: one read of the blob's tail (footer and,
 * usually, the TOC), a second only for the part of a bigger TOC before it. A layer without the
 * annotation, or without the footer, gives `undefined`: the caller reads it whole instead (an
 * unannotated TOC has nothing to be checked against short of the layer's digest).
 *
 * @param content Where the layer is.
 * @param layer The layer's descriptor, with its `toc.digest` annotation.
 * @param options A native digester, a signal, the tail read's size.
 * @returns The TOC, or `undefined`.
 * @throws {DigestMismatchError} When the TOC's JSON does not match the annotation.
 * @throws {InvalidArgumentError} When the TOC is malformed.
 * @example
 * ```ts
 * import { readEstargzToc } from "./estargz.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(1024), "application/vnd.oci.image.layer.v1.tar");
 * console.assert(await readEstargzToc(source.content, layer) === undefined);
 * ```
 */
export async function readEstargzToc(
  content: ContentProvider,
  layer: Descriptor,
  options: { digester?: DigesterFactory; signal?: AbortSignal; tail?: number } = {},
): Promise<EstargzToc | undefined> {
  const expected = layer.annotations?.[ESTARGZ_TOC_DIGEST];
  if (expected === undefined || layer.size < ESTARGZ_FOOTER_SIZE) return undefined;
  const { signal } = options;
  const tailAt = Math.max(0, layer.size - (options.tail ?? _TAIL));
  let bytes = await readBlobRange(content, layer, { offset: tailAt, length: layer.size - tailAt }, {
    signal,
  });
  const tocAt = estargzTocOffset(bytes.subarray(bytes.length - ESTARGZ_FOOTER_SIZE));
  const footerAt = layer.size - ESTARGZ_FOOTER_SIZE;
  if (tocAt === undefined || tocAt >= footerAt) return undefined;
  if (tocAt < tailAt) {
    const head = await readBlobRange(content, layer, { offset: tocAt, length: tailAt - tocAt }, {
      signal,
    });
    bytes = joinBytes(head, bytes);
  } else bytes = bytes.subarray(tocAt - tailAt);
  const label = `the eStargz TOC of layer ${layer.digest}`;
  const json = await _tocJson(bytes.subarray(0, footerAt - tocAt), label);
  // The annotation is in the verified manifest: the TOC is trusted through it, not the layer digest.
  checkBytesDigest(
    json,
    expected,
    `${label} (its ${ESTARGZ_TOC_DIGEST} annotation)`,
    options.digester,
  );
  return { toc: expected, entries: _entries(json, tocAt, label) };
}

/**
 * Whether an entry is the eStargz format's own (the TOC, a prefetch landmark), not a layer file:
 * listings leave these out.
 *
 * @param path The entry's cleaned path.
 * @returns `true` for `stargz.index.json`, `.prefetch.landmark` and `.no.prefetch.landmark`.
 * @example
 * ```ts
 * import { isEstargzOwnEntry } from "./estargz.ts";
 * console.assert(isEstargzOwnEntry(".no.prefetch.landmark") && !isEstargzOwnEntry("etc/hosts"));
 * ```
 */
export function isEstargzOwnEntry(path: string): boolean {
  return _HIDDEN.has(path);
}

/**
 * Reads one regular file of an eStargz layer: one ranged read of its members, each inflated and
 * verified against its `chunkDigest`, the whole against the file's `digest` when there is one.
 *
 * @param content Where the layer is.
 * @param layer The layer's descriptor.
 * @param entry The file's entry (from {@link readEstargzToc}).
 * @param options A native digester and a signal.
 * @returns The file's bytes.
 * @throws {DigestMismatchError} When a chunk or the file does not match its digest.
 * @example
 * ```ts
 * import { readEstargzEntry } from "./estargz.ts";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * const source = memorySource();
 * const layer = await source.addBlob(new Uint8Array(51), "application/vnd.oci.image.layer.v1.tar+gzip");
 * const entry = { path: "a", name: "a", type: "file" as const, size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0, offset: 0 };
 * console.assert((await readEstargzEntry(source.content, layer, entry)).length === 0);
 * ```
 */
export async function readEstargzEntry(
  content: ContentProvider,
  layer: Descriptor,
  entry: EstargzEntry,
  options: { digester?: DigesterFactory; signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const what = `"${entry.path}" of eStargz layer ${layer.digest}`;
  const chunks = entry.chunks ?? [];
  // Every byte must come from a verified chunk: no zeros stand in for a missing one.
  const covered = chunks.reduce((n, c) => n + c.size, 0);
  if (covered !== entry.size) {
    throw new InvalidArgumentError(
      `Cannot read ${what}: expected chunks covering ${entry.size} bytes, found ${covered}`,
    );
  }
  const out = new Uint8Array(entry.size);
  if (chunks.length > 0) {
    const start = Math.min(...chunks.map((c) => c.offset));
    const end = Math.max(...chunks.map((c) => c.end));
    const span = await readBlobRange(content, layer, { offset: start, length: end - start }, {
      signal: options.signal,
    });
    for (const chunk of chunks) {
      const member = span.subarray(chunk.offset - start, chunk.end - start);
      const bytes = _inflateFirst(member, chunk.size, `Cannot read ${what}`);
      checkBytesDigest(bytes, chunk.digest, `${what}, its chunk at ${chunk.at}`, options.digester);
      out.set(bytes, chunk.at);
    }
  }
  if (entry.digest !== undefined) checkBytesDigest(out, entry.digest, what, options.digester);
  return out;
}

/** The TOC member inflated: a tar whose first entry is `stargz.index.json`. */
async function _tocJson(member: Uint8Array, label: string): Promise<Uint8Array> {
  const tar = joinBytes(...new Inflater().push(member, true));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(tar);
      controller.close();
    },
  });
  for await (const entry of tarEntries(stream, label)) {
    if (entry.path !== _TOC_NAME) break;
    return await entry.bytes();
  }
  throw new InvalidArgumentError(`Cannot read ${label}: expected a tar entry "${_TOC_NAME}"`);
}

const _TYPES: Readonly<Record<string, TarEntryType>> = {
  reg: "file",
  dir: "dir",
  symlink: "symlink",
  hardlink: "hardlink",
  char: "char",
  block: "block",
  fifo: "fifo",
};

interface _TocEntry {
  name?: unknown;
  type?: unknown;
  size?: number;
  modtime?: string;
  linkName?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  digest?: string;
  offset?: number;
  chunkOffset?: number;
  chunkSize?: number;
  chunkDigest?: string;
}

/** The TOC's entries as tar entries, chunks gathered under their file. */
function _entries(json: Uint8Array, tocAt: number, label: string): EstargzEntry[] {
  const fail = (problem: string) => new InvalidArgumentError(`Cannot read ${label}: ${problem}`);
  let doc: { version?: unknown; entries?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(json));
  } catch {
    throw fail("it is not JSON");
  }
  if (doc.version !== 1 || !Array.isArray(doc.entries)) {
    throw fail(`expected version 1 with an entries array, found version ${doc.version}`);
  }
  const raw = doc.entries as _TocEntry[];
  // A member ends where the next one (or the TOC) starts.
  const starts = [...new Set([...raw.map((e) => e.offset ?? 0).filter((o) => o > 0), tocAt])]
    .sort((a, b) => a - b);
  const endOf = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] > offset) hi = mid;
      else lo = mid + 1;
    }
    return starts[lo] > offset ? starts[lo] : tocAt;
  };
  const files = new Map<string, { size: number; chunks: EstargzChunk[] }>();
  const entries: (EstargzEntry & { chunks?: EstargzChunk[] })[] = [];
  for (const e of raw) {
    if (typeof e.name !== "string") throw fail("an entry has no name");
    const name = e.name;
    const chunkOf = (file: { size: number }): EstargzChunk => {
      const at = e.chunkOffset ?? 0;
      const size = e.chunkSize || file.size - at;
      if (typeof e.chunkDigest !== "string" || !(e.offset! > 0) || !(size > 0)) {
        throw fail(`the chunk of "${name}" at ${at} has no offset, size or chunkDigest`);
      }
      return { offset: e.offset!, end: endOf(e.offset!), at, size, digest: e.chunkDigest };
    };
    if (e.type === "chunk") {
      const file = files.get(name);
      if (!file) throw fail(`chunk of "${name}" comes before its reg entry`);
      file.chunks.push(chunkOf(file));
      continue;
    }
    const type = typeof e.type === "string" ? _TYPES[e.type] : undefined;
    if (type === undefined) throw fail(`entry "${name}" has unknown type "${e.type}"`);
    const path = tarEntryPath(name, label);
    const size = type === "file" ? e.size ?? 0 : 0;
    const link = type === "hardlink"
      ? tarEntryPath(e.linkName ?? "", label)
      : type === "symlink"
      ? e.linkName ?? ""
      : undefined;
    const chunks: EstargzChunk[] = [];
    if (type === "file" && size > 0) {
      chunks.push(chunkOf({ size }));
      files.set(name, { size, chunks });
    }
    const modtime = e.modtime ? Date.parse(e.modtime) / 1000 : 0;
    if (Number.isNaN(modtime)) throw fail(`entry "${name}" has modtime "${e.modtime}"`);
    entries.push({
      path,
      name,
      type,
      size,
      mode: (e.mode ?? 0) & 0o7777,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      ...(link !== undefined ? { link } : {}),
      mtime: modtime,
      offset: chunks[0]?.offset ?? 0,
      ...(type === "file" && e.digest !== undefined ? { digest: e.digest } : {}),
      ...(type === "file" ? { chunks } : {}),
    });
  }
  for (const entry of entries) {
    let at = 0;
    for (const chunk of entry.chunks ?? []) {
      if (chunk.at !== at) throw fail(`"${entry.name}" has a chunk at ${chunk.at}, expected ${at}`);
      at += chunk.size;
    }
    if (at !== entry.size) {
      throw fail(`"${entry.name}" has chunks of ${at} bytes, expected ${entry.size}`);
    }
  }
  return entries.filter((e) => !isEstargzOwnEntry(e.path));
}

/** The first `size` bytes a gzip member inflates to. */
function _inflateFirst(member: Uint8Array, size: number, what: string): Uint8Array {
  const out = new Uint8Array(size);
  let filled = 0;
  for (const chunk of new Inflater().push(member, true)) {
    const take = Math.min(chunk.length, size - filled);
    out.set(chunk.subarray(0, take), filled);
    filled += take;
  }
  if (filled !== size) {
    throw new InvalidArgumentError(`${what}: expected a chunk of ${size} bytes, found ${filled}`);
  }
  return out;
}

/**
 * The parts as one array, in order (the seek index joins its first read's pieces with it too).
 *
 * @param parts The byte arrays.
 * @returns A new array holding them all.
 * @example
 * ```ts
 * import { joinBytes } from "./estargz.ts";
 * console.assert(joinBytes(new Uint8Array([1]), new Uint8Array([2, 3])).join() === "1,2,3");
 * ```
 */
export function joinBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
