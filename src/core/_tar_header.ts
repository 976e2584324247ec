/** Decodes one tar header block and its metadata records (ustar, GNU base-256 and long names, pax). */
import { InvalidArgumentError } from "./errors.ts";

/** The size of a tar block: every header and every padded data run is a multiple of it. */
export const TAR_BLOCK = 512;
/** Go's archive/tar caps pax and GNU long-name headers at 1 MiB; so do we. */
export const TAR_MAX_META: number = 1024 * 1024;

/** Pax (or GNU long-name) records that apply to the next entry. */
export type TarMeta = Record<string, string>;

/** Builds the error for a problem found while reading `label`. */
export type TarFail = (problem: string) => InvalidArgumentError;

/** A `fail` that says which archive could not be read. */
export function tarFail(label: string): TarFail {
  return (problem) => new InvalidArgumentError(`Cannot read ${label}: ${problem}`);
}

/** Throws unless the header's stored checksum matches its bytes (signed or unsigned sum). */
export function checkTarChecksum(header: Uint8Array, offset: number, fail: TarFail): void {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 32 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  const stored = tarNumber(header, 148, 8, fail);
  if (stored !== unsigned && stored !== signed) {
    throw fail(`bad header checksum at offset ${offset}: expected ${unsigned}, found ${stored}`);
  }
}

/** A numeric header field: octal text, or GNU base-256 when the first byte's top bit is set. */
export function tarNumber(
  header: Uint8Array,
  start: number,
  length: number,
  fail: TarFail,
): number {
  const field = header.subarray(start, start + length);
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    if (!Number.isSafeInteger(value)) throw fail("a numeric header field is too large");
    return value;
  }
  const text = tarCString(field).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw fail(`expected an octal number in a header, found "${text}"`);
  return parseInt(text, 8);
}

/** A decimal pax number (`size`, `uid`, `gid`). */
export function paxNumber(text: string, fail: TarFail): number {
  if (!/^\d{1,15}$/.test(text)) throw fail(`expected a decimal pax number, found "${text}"`);
  return Number(text);
}

/** Pax records `LEN key=value\n`, where LEN counts bytes (not characters). */
export function parsePax(data: Uint8Array, fail: TarFail): TarMeta {
  const records: TarMeta = {};
  const decoder = new TextDecoder();
  let at = 0;
  while (at < data.length) {
    let space = at;
    while (space < data.length && data[space] !== 0x20) space++;
    const lengthText = decoder.decode(data.subarray(at, space));
    const length = Number(lengthText);
    if (!/^\d+$/.test(lengthText) || length <= space - at || at + length > data.length) {
      if (data.subarray(at).every((b) => b === 0)) break;
      throw fail("malformed pax header record");
    }
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const equals = record.indexOf("=");
    if (equals <= 0 || data[at + length - 1] !== 0x0a) throw fail("malformed pax header record");
    records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

/** The header's name, with the ustar prefix applied (GNU tar keeps times where the prefix would be). */
export function tarHeaderName(header: Uint8Array): string {
  const name = tarCString(header.subarray(0, 100));
  const magic = new TextDecoder().decode(header.subarray(257, 263));
  if (magic !== "ustar\0") return name;
  const prefix = tarCString(header.subarray(345, 500));
  return prefix ? `${prefix}/${name}` : name;
}

/** The link target of a header: pax `linkpath` (or a GNU `K` record), else the header's field. */
export function tarLinkName(header: Uint8Array, meta: TarMeta): string {
  return meta.linkpath ?? tarCString(header.subarray(157, 257));
}

/** An entry's mode bits, owner and time: pax records where given, else the header's fields. */
export interface TarEntryNumbers {
  /** The permission bits with setuid, setgid and sticky. */
  readonly mode: number;
  /** The owner's numeric user ID. */
  readonly uid: number;
  /** The owner's numeric group ID. */
  readonly gid: number;
  /** Seconds since the epoch (pax `mtime` may have a fraction). */
  readonly mtime: number;
}

/** Reads {@link TarEntryNumbers} from a header and the pax records that apply to it. */
export function tarEntryNumbers(header: Uint8Array, meta: TarMeta, fail: TarFail): TarEntryNumbers {
  return {
    mode: tarNumber(header, 100, 8, fail) & 0o7777,
    uid: meta.uid !== undefined ? paxNumber(meta.uid, fail) : tarNumber(header, 108, 8, fail),
    gid: meta.gid !== undefined ? paxNumber(meta.gid, fail) : tarNumber(header, 116, 8, fail),
    mtime: meta.mtime !== undefined ? Number(meta.mtime) : tarNumber(header, 136, 12, fail),
  };
}

/** A NUL-terminated UTF-8 field. */
export function tarCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/**
 * `name` without `./`, empty or trailing segments; `..` and NUL names are refused, and so are
 * absolute ones unless `rooted` (a layer is extracted at `/`, so `/etc` there is `etc`).
 */
export function cleanTarName(name: string, fail: TarFail, rooted = false): string {
  if (name.includes("\0")) throw fail(`entry name "${name}" contains NUL`);
  if (name.startsWith("/") && !rooted) throw fail(`entry name "${name}" is absolute`);
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw fail(`entry name "${name}" contains ".."`);
  return segments.join("/");
}

/** Throws when the entry is a sparse file, whose stored data is not its content. */
export function refuseSparse(type: string, meta: TarMeta, name: string, fail: TarFail): void {
  if (type === "S" || Object.keys(meta).some((key) => key.startsWith("GNU.sparse."))) {
    throw fail(`entry "${name}" is a sparse file, which is not supported: expected a regular file`);
  }
}

/** Pax and GNU long-name records in force: `global` until replaced, `local` for the next entry. */
export interface TarMetaState {
  /** Global pax records (`g`). */
  global: TarMeta;
  /** Records for the next entry only (`x`, `L`, `K`). */
  local: TarMeta;
}

/** A checked header: its type flag, whether it carries metadata, the records that apply, its data size. */
export interface TarHeaderStart {
  /** The type flag (`0`, `5`, `x`, …). */
  readonly flag: string;
  /** Whether this header's data is metadata for the next entry (`x`, `g`, `L`, `K`). */
  readonly isMeta: boolean;
  /** The pax records that apply to this entry (none for a metadata header). */
  readonly meta: TarMeta;
  /** The size of the data after the header. */
  readonly size: number;
}

/** Checks a header's checksum (at offset 0 a failure means "not a tar") and reads its type and size. */
export function startTarHeader(
  header: Uint8Array,
  offset: number,
  state: TarMetaState,
  fail: TarFail,
): TarHeaderStart {
  if (offset === 0) {
    // The first header decides whether this is a tar at all; say so rather than what broke.
    try {
      checkTarChecksum(header, offset, fail);
    } catch {
      throw fail("not a tar archive: no valid tar header at offset 0");
    }
  } else checkTarChecksum(header, offset, fail);
  const flag = String.fromCharCode(header[156] || 48);
  const isMeta = flag === "x" || flag === "g" || flag === "L" || flag === "K";
  const meta = isMeta ? {} : { ...state.global, ...state.local };
  const size = meta.size !== undefined
    ? paxNumber(meta.size, fail)
    : tarNumber(header, 124, 12, fail);
  if (isMeta && size > TAR_MAX_META) {
    throw fail(`metadata header at offset ${offset} is too large: ${size} bytes`);
  }
  return { flag, isMeta, meta, size };
}

/** Records a metadata header's data (exactly `size` bytes) into `state`. */
export function applyTarMeta(
  flag: string,
  body: Uint8Array,
  state: TarMetaState,
  fail: TarFail,
): void {
  if (flag === "x") state.local = { ...state.local, ...parsePax(body, fail) };
  else if (flag === "g") state.global = { ...state.global, ...parsePax(body, fail) };
  else state.local = { ...state.local, [flag === "L" ? "path" : "linkpath"]: tarCString(body) };
}
