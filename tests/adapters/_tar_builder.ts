/** Builds tar archives byte by byte for tests, hostile ones included (bad names, links, checksums, sizes). */

/** One entry of a test archive. */
export interface TarEntrySpec {
  /** The name written in the header's name field (truncated to 100 bytes). */
  readonly name: string;
  /** File content (also the data of `x`, `g`, `L` entries). */
  readonly data?: Uint8Array | string;
  /** Type flag: "0" file (default), "1" hard link, "2" symlink, "5" directory, "x", "g", "L". */
  readonly type?: string;
  /** Link target. */
  readonly linkname?: string;
  /** Size written in the header, when it should lie about the data. */
  readonly declaredSize?: number;
  /** Corrupts the header checksum. */
  readonly badChecksum?: boolean;
  /** Writes the GNU magic (`ustar  \0`) instead of POSIX ustar. */
  readonly gnu?: boolean;
}

const _enc = (s: string) => new TextEncoder().encode(s);

/** Pax extended-header data for `records` (each `"%d %s=%s\n"`). */
export function paxData(records: Record<string, string>): Uint8Array {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (String(length).length + body.length !== length) {
      length = String(length).length + body.length;
    }
    text += `${length}${body}`;
  }
  return _enc(text);
}

/** A whole archive: the entries, then two zero blocks (omit them with `end: false`). */
export function tarBytes(
  entries: readonly TarEntrySpec[],
  options: { end?: boolean } = {},
): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const data = typeof entry.data === "string"
      ? _enc(entry.data)
      : entry.data ?? new Uint8Array(0);
    parts.push(tarHeader(entry, entry.declaredSize ?? data.length));
    parts.push(data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  if (options.end !== false) parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One 512-byte header. */
export function tarHeader(entry: TarEntrySpec, size: number): Uint8Array {
  const header = new Uint8Array(512);
  const put = (text: string, at: number, max: number) =>
    header.set(_enc(text).subarray(0, max), at);
  put(entry.name, 0, 100);
  put("0000644\0", 100, 8);
  put("0000000\0", 108, 8);
  put("0000000\0", 116, 8);
  put(size.toString(8).padStart(11, "0") + "\0", 124, 12);
  put("00000000000\0", 136, 12);
  put("        ", 148, 8);
  put(entry.type ?? "0", 156, 1);
  put(entry.linkname ?? "", 157, 100);
  if (entry.gnu) put("ustar  \0", 257, 8);
  else put("ustar\u000000", 257, 8);
  let sum = header.reduce((a, b) => a + b, 0);
  if (entry.badChecksum) sum += 1;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return header;
}
