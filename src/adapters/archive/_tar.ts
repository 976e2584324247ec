/** Indexes a tar archive without extracting it: ustar, GNU long names and pax headers, checked for hostile entries. */
import { InvalidArgumentError } from "../../core/errors.ts";

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

const _BLOCK = 512;
// Go's archive/tar caps pax and GNU long-name headers at 1 MiB.
const _MAX_META = 1024 * 1024;

type Meta = Record<string, string>;

/**
 * Walks the headers of a tar (one 512-byte read each; data is skipped), checking checksums,
 * sizes and names, and resolving hard and symbolic links inside the archive.
 *
 * @throws {InvalidArgumentError} For a bad checksum, an entry running past the end, an oversized
 *   or malformed metadata header, an absolute or `..` name, or a link leading out of the archive.
 */
export async function indexTar(reader: TarReader, label: string): Promise<TarIndex> {
  const fail = (problem: string) => new InvalidArgumentError(`Cannot read ${label}: ${problem}`);
  const files = new Map<string, TarFile>();
  const links = new Map<string, string>();
  const directories = new Set<string>([""]);
  let global: Meta = {};
  let local: Meta = {};
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
    if (offset === 0) {
      // The first header decides whether this is a tar at all; say so rather than what broke.
      try {
        _checkChecksum(header, offset, fail);
      } catch {
        throw fail("not a tar archive: no valid tar header at offset 0");
      }
    } else _checkChecksum(header, offset, fail);
    const type = String.fromCharCode(header[156] || 48);
    const isMeta = type === "x" || type === "g" || type === "L" || type === "K";
    const meta = isMeta ? {} : { ...global, ...local };
    const size = meta.size !== undefined
      ? _paxNumber(meta.size, fail)
      : _octal(header, 124, 12, fail);
    const dataStart = offset + _BLOCK;
    const next = dataStart + Math.ceil(size / _BLOCK) * _BLOCK;
    if (dataStart + size > reader.size) throw truncated(offset, size);
    last = { offset, end: dataStart + size };
    const headerOffset = offset;
    offset = next;
    if (isMeta) {
      if (size > _MAX_META) {
        throw fail(`metadata header at offset ${dataStart - _BLOCK} is too large: ${size} bytes`);
      }
      const data = await reader.readRange(dataStart, size);
      if (data.length < size) throw truncated(headerOffset, size);
      if (type === "x") local = { ...local, ..._parsePax(data, fail) };
      else if (type === "g") global = { ...global, ..._parsePax(data, fail) };
      else local = { ...local, [type === "L" ? "path" : "linkpath"]: _cString(data) };
      continue;
    }
    local = {};
    const rawName = meta.path ?? _headerName(header);
    const name = _cleanName(rawName, fail);
    const linkname = meta.linkpath ?? _cString(header.subarray(157, 257));
    if (type === "0" || type === "7") {
      files.set(name, { offset: dataStart, size });
      reader.keep?.(dataStart, size);
      links.delete(name);
    } else if (type === "5") {
      directories.add(name);
    } else if (type === "1") {
      links.set(name, _cleanName(linkname, (p) => fail(`hard link "${rawName}" ${p}`)));
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

function _checkChecksum(header: Uint8Array, offset: number, fail: (p: string) => Error): void {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < _BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 32 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  const stored = _octal(header, 148, 8, fail);
  if (stored !== unsigned && stored !== signed) {
    throw fail(`bad header checksum at offset ${offset}: expected ${unsigned}, found ${stored}`);
  }
}

function _octal(
  header: Uint8Array,
  start: number,
  length: number,
  fail: (p: string) => Error,
): number {
  const field = header.subarray(start, start + length);
  if (field[0] & 0x80) {
    // GNU base-256: big-endian, the top bit of the first byte marks it.
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    if (!Number.isSafeInteger(value)) throw fail("a numeric header field is too large");
    return value;
  }
  const text = _cString(field).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw fail(`expected an octal number in a header, found "${text}"`);
  return parseInt(text, 8);
}

function _paxNumber(text: string, fail: (p: string) => Error): number {
  if (!/^\d{1,15}$/.test(text)) throw fail(`expected a decimal pax size, found "${text}"`);
  return Number(text);
}

function _parsePax(data: Uint8Array, fail: (p: string) => Error): Meta {
  const records: Meta = {};
  let at = 0;
  while (at < data.length) {
    let space = at;
    while (space < data.length && data[space] !== 0x20) space++;
    const lengthText = new TextDecoder().decode(data.subarray(at, space));
    const length = Number(lengthText);
    if (!/^\d+$/.test(lengthText) || length <= space - at || at + length > data.length) {
      if (data.subarray(at).every((b) => b === 0)) break;
      throw fail("malformed pax header record");
    }
    const record = new TextDecoder().decode(data.subarray(space + 1, at + length - 1));
    const equals = record.indexOf("=");
    if (equals <= 0 || data[at + length - 1] !== 0x0a) throw fail("malformed pax header record");
    records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

function _headerName(header: Uint8Array): string {
  const name = _cString(header.subarray(0, 100));
  const magic = new TextDecoder().decode(header.subarray(257, 263));
  // Only POSIX ustar has a prefix field; GNU tar keeps times there.
  if (magic !== "ustar\0") return name;
  const prefix = _cString(header.subarray(345, 500));
  return prefix ? `${prefix}/${name}` : name;
}

function _cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function _cleanName(name: string, fail: (p: string) => Error): string {
  if (name.includes("\0")) throw fail(`entry name "${name}" contains NUL`);
  if (name.startsWith("/")) throw fail(`entry name "${name}" is absolute`);
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw fail(`entry name "${name}" contains ".."`);
  return segments.join("/");
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
