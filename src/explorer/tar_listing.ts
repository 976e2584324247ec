/** The entries of a tar stream (a layer), read header by header and capped, never kept whole. */

/** One entry of a tar stream. */
export interface TarEntry {
  /** The path, with PAX and GNU long names applied. */
  readonly path: string;
  /** What the entry is. */
  readonly type:
    | "file"
    | "directory"
    | "symlink"
    | "hardlink"
    | "fifo"
    | "char"
    | "block"
    | "other";
  /** The size of the file's data in bytes (0 for everything but files). */
  readonly size: number;
  /** The permission bits (and setuid/setgid/sticky), e.g. `0o755`. */
  readonly mode: number;
  /** The target of a symbolic or hard link. */
  readonly linkTarget?: string;
  /** The owner's numeric user and group IDs. */
  readonly uid: number;
  /** The owner's numeric group ID. */
  readonly gid: number;
}

/** What {@link listTar} found. */
export interface TarListing {
  /** The entries, in stream order, at most `limit`. */
  readonly entries: readonly TarEntry[];
  /** Whether the stream had more entries than the limit (it was not read further). */
  readonly truncated: boolean;
}

const _TYPES: Record<string, TarEntry["type"]> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "directory",
  "6": "fifo",
};

/** Reads exact byte counts from a stream, buffering only what one header or record needs. */
class _Reader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #done = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async #fill(n: number): Promise<void> {
    while (this.#buffered < n && !this.#done) {
      const { value, done } = await this.#reader.read();
      if (done) this.#done = true;
      else if (value.length > 0) {
        this.#chunks.push(value);
        this.#buffered += value.length;
      }
    }
  }

  /** `n` bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Uint8Array> {
    await this.#fill(n);
    const out = new Uint8Array(Math.min(n, this.#buffered));
    let filled = 0;
    while (filled < out.length) {
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.length, out.length - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    this.#buffered -= out.length;
    return out;
  }

  /** Drops `n` bytes without keeping them; returns how many were there. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.#buffered === 0) {
        await this.#fill(1);
        if (this.#buffered === 0) break;
      }
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.length, left);
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
      this.#buffered -= take;
      left -= take;
    }
    return n - left;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

const _decoder = new TextDecoder();

function _text(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return _decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function _number(block: Uint8Array, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  // GNU base-256: the high bit of the first byte set, the rest big-endian.
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = _text(block, start, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function _checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  return sum === _number(block, 148, 8);
}

/** PAX records: `LEN key=value\n`, repeated. */
function _pax(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  const text = _decoder.decode(data);
  let at = 0;
  while (at < text.length) {
    const space = text.indexOf(" ", at);
    if (space < 0) break;
    const length = Number(text.slice(at, space));
    if (!Number.isInteger(length) || length <= 0) break;
    // LEN counts bytes; the records we read are short and ASCII in practice, so characters do.
    const record = text.slice(space + 1, at + length - 1);
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return records;
}

/**
 * Lists the entries of an uncompressed tar stream: ustar, GNU long names and links, and PAX
 * `path`, `linkpath` and `size` records. Stops (and cancels the stream) after `limit` entries.
 *
 * @param stream The tar bytes.
 * @param options At most `limit` entries (default 1,000).
 * @returns The entries and whether there were more.
 * @throws {Error} When a header's checksum is wrong (the data is not a tar stream).
 */
export async function listTar(
  stream: ReadableStream<Uint8Array>,
  options: { readonly limit?: number } = {},
): Promise<TarListing> {
  const limit = options.limit ?? 1000;
  const reader = new _Reader(stream);
  const entries: TarEntry[] = [];
  let pax = new Map<string, string>();
  let globalPax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    while (true) {
      const block = await reader.read(512);
      if (block.length < 512 || block.every((b) => b === 0)) {
        return { entries, truncated: false };
      }
      if (!_checksumOk(block)) {
        throw new Error(
          `Cannot list layer: expected a tar header at entry ${
            entries.length + 1
          }, found bytes with a wrong checksum`,
        );
      }
      const flag = String.fromCharCode(block[156]);
      const size = _number(block, 124, 12);
      const padded = Math.ceil(size / 512) * 512;
      if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
        const data = await reader.read(padded);
        const body = data.subarray(0, size);
        if (flag === "x") pax = _pax(body);
        else if (flag === "g") globalPax = _pax(body);
        else if (flag === "L") longName = _text(body, 0, body.length);
        else longLink = _text(body, 0, body.length);
        continue;
      }
      if (entries.length >= limit) return { entries, truncated: true };
      const records = new Map([...globalPax, ...pax]);
      const prefix = _decoder.decode(block.subarray(257, 262)) === "ustar"
        ? _text(block, 345, 155)
        : "";
      const name = _text(block, 0, 100);
      const path = records.get("path") ?? longName ?? (prefix ? `${prefix}/${name}` : name);
      const type = _TYPES[flag] ?? "other";
      const dataSize = records.has("size") ? Number(records.get("size")) : size;
      const link = records.get("linkpath") ?? longLink ?? _text(block, 157, 100);
      entries.push({
        path,
        type,
        size: type === "file" ? dataSize : 0,
        mode: _number(block, 100, 8) & 0o7777,
        ...(type === "symlink" || type === "hardlink" ? { linkTarget: link } : {}),
        uid: records.has("uid") ? Number(records.get("uid")) : _number(block, 108, 8),
        gid: records.has("gid") ? Number(records.get("gid")) : _number(block, 116, 8),
      });
      pax = new Map();
      longName = longLink = undefined;
      const skip = flag === "1" || flag === "2" || flag === "5"
        ? 0
        : Math.ceil(dataSize / 512) * 512;
      if (await reader.skip(skip) < skip) return { entries, truncated: false };
    }
  } finally {
    await reader.cancel();
  }
}

/** `-rwxr-xr-x`-style text of an entry's type and mode, as `ls -l` and `tar tv` print it. */
export function formatMode(entry: Pick<TarEntry, "type" | "mode">): string {
  const kind = {
    file: "-",
    directory: "d",
    symlink: "l",
    hardlink: "h",
    fifo: "p",
    char: "c",
    block: "b",
    other: "?",
  }[entry.type];
  const bits = "rwxrwxrwx".split("").map((c, i) => (entry.mode & (1 << (8 - i)) ? c : "-"));
  if (entry.mode & 0o4000) bits[2] = bits[2] === "x" ? "s" : "S";
  if (entry.mode & 0o2000) bits[5] = bits[5] === "x" ? "s" : "S";
  if (entry.mode & 0o1000) bits[8] = bits[8] === "x" ? "t" : "T";
  return kind + bits.join("");
}
