/** Indexes a tar archive without extracting it: ustar, GNU long names and pax headers, checked for hostile entries. */
import {
  applyTarMeta,
  cleanTarName,
  refuseSparse,
  startTarHeader,
  TAR_BLOCK as _BLOCK,
  tarFail,
  tarHeaderName,
  tarLinkName,
  type TarMetaState,
} from "../../core/_tar_header.ts";

import type { ByteReader } from "../../core/files.ts";

export type { ByteReader };

/** A byte reader that may stream (a gzip archive) instead of seeking. */
export interface TarReader extends ByteReader {
  /**
   * Streaming readers: `size` is `Infinity` until this reads to the end and returns the size.
   * Others know their size up front.
   */
  end?(): Promise<number>;
  /** Streaming readers: a regular file's data is at `offset`, which the reader may keep. */
  keep?(offset: number, size: number): void;
}

/** A regular file of the archive: where its data starts and how long it is. */
export interface TarFile {
  /** Where the file's data starts in the archive. */
  readonly offset: number;
  /** The file's size in bytes. */
  readonly size: number;
}

/** What {@link indexTar} finds: regular files (links resolved to their targets) and directories. */
export interface TarIndex {
  /** Cleaned path (no `./`, no trailing `/`) to file data. */
  readonly files: ReadonlyMap<string, TarFile>;
  /** Cleaned paths of every directory, explicit or implied by a file path. */
  readonly directories: ReadonlySet<string>;
}

/**
 * Walks the headers of a tar (one 512-byte read each; data is skipped), checking checksums,
 * sizes and names, and resolving hard and symbolic links inside the archive.
 *
 * @throws {InvalidArgumentError} For a bad checksum, an entry running past the end, an oversized
 *   or malformed metadata header, an absolute or `..` name, or a link leading out of the archive.
 */
export async function indexTar(reader: TarReader, label: string): Promise<TarIndex> {
  const fail = tarFail(label);
  const files = new Map<string, TarFile>();
  const links = new Map<string, string>();
  const directories = new Set<string>([""]);
  const state: TarMetaState = { global: {}, local: {} };
  let offset = 0;
  // A streaming reader learns its size at the end: a short read is then the end, and only the
  // last entry can be truncated, which is checked once the size is known.
  const streaming = !Number.isFinite(reader.size);
  let last: { offset: number; end: number } | undefined;
  const truncated = (at: number, size: number) =>
    fail(`entry at offset ${at} is truncated: expected ${size} bytes of data`);
  if (reader.size < _BLOCK) {
    throw fail(
      reader.size === 0
        ? "not a tar archive: the file is empty"
        : `the tar is truncated: expected a ${_BLOCK}-byte header, found ${reader.size} bytes`,
    );
  }
  while (offset + _BLOCK <= reader.size) {
    const header = await reader.readRange(offset, _BLOCK);
    if (header.length < _BLOCK && streaming && offset === 0) {
      throw fail(
        header.length === 0
          ? "not a tar archive: the file is empty"
          : `the tar is truncated: expected a ${_BLOCK}-byte header, found ${header.length} bytes`,
      );
    }
    if (header.length < _BLOCK && streaming) break;
    if (header.length < _BLOCK) throw fail(`truncated header at offset ${offset}`);
    if (header.every((b) => b === 0)) break;
    const { flag: type, isMeta, meta, size } = startTarHeader(header, offset, state, fail);
    const dataStart = offset + _BLOCK;
    const next = dataStart + Math.ceil(size / _BLOCK) * _BLOCK;
    if (dataStart + size > reader.size) throw truncated(offset, size);
    last = { offset, end: dataStart + size };
    const headerOffset = offset;
    offset = next;
    if (isMeta) {
      const data = await reader.readRange(dataStart, size);
      if (data.length < size) throw truncated(headerOffset, size);
      applyTarMeta(type, data, state, fail);
      continue;
    }
    state.local = {};
    const rawName = meta.path ?? tarHeaderName(header);
    refuseSparse(type, meta, rawName, fail);
    const name = cleanTarName(rawName, fail);
    const linkname = tarLinkName(header, meta);
    if (type === "0" || type === "7") {
      files.set(name, { offset: dataStart, size });
      reader.keep?.(dataStart, size);
      links.delete(name);
    } else if (type === "5") {
      directories.add(name);
    } else if (type === "1") {
      links.set(name, cleanTarName(linkname, (p) => fail(`hard link "${rawName}" ${p}`)));
    } else if (type === "2") {
      if (linkname.startsWith("/")) {
        throw fail(`symbolic link "${rawName}" leads out of the archive`);
      }
      const target = _resolve(_dirname(name), linkname);
      if (target === undefined) throw fail(`symbolic link "${rawName}" leads out of the archive`);
      links.set(name, target);
    }
  }
  if (streaming) {
    const size = await reader.end!();
    if (last && last.end > size) throw truncated(last.offset, last.end - last.offset - _BLOCK);
  }
  for (const [name, target] of links) {
    let resolved = target;
    for (let hops = 0; links.has(resolved) && hops < 16; hops++) resolved = links.get(resolved)!;
    const file = files.get(resolved);
    if (file && !files.has(name)) files.set(name, file);
  }
  for (const name of files.keys()) {
    for (let dir = _dirname(name); dir !== ""; dir = _dirname(dir)) directories.add(dir);
  }
  return { files, directories };
}

function _dirname(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** `link` relative to `dir`, or undefined when it climbs above the archive root. */
function _resolve(dir: string, link: string): string | undefined {
  const segments = dir === "" ? [] : dir.split("/");
  for (const segment of link.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.length === 0) return undefined;
      segments.pop();
    } else segments.push(segment);
  }
  return segments.join("/");
}
