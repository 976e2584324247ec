/** The entries of a tar stream (a layer), read header by header: data is skipped, never kept whole. */
import {
  applyTarMeta,
  cleanTarName,
  refuseSparse,
  startTarHeader,
  TAR_BLOCK,
  tarEntryNumbers,
  tarFail,
  tarHeaderName,
  tarLinkName,
  type TarMetaState,
} from "./_tar_header.ts";

/** What a tar entry is, named as `ocistore files` prints it. */
export type TarEntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

/** One entry of a tar stream, as stored (whiteouts are ordinary files here). */
export interface TarEntry {
  /** The cleaned path: relative, no `./`, no trailing `/`; pax and GNU long names applied. */
  readonly path: string;
  /** The name as stored (after pax and GNU long names), as `tar -t` prints it. */
  readonly name: string;
  /** What the entry is. */
  readonly type: TarEntryType;
  /** The size of a regular file's data in bytes; 0 for everything else. */
  readonly size: number;
  /** The permission bits with setuid, setgid and sticky, e.g. `0o755`. */
  readonly mode: number;
  /** The owner's numeric user ID. */
  readonly uid: number;
  /** The owner's numeric group ID. */
  readonly gid: number;
  /** A symbolic link's target as stored, or a hard link's target path (cleaned). */
  readonly link?: string;
  /** The modification time in seconds since the epoch (pax `mtime` may have a fraction). */
  readonly mtime: number;
}

/** One entry with a way to read its data, valid only until the iteration moves on. */
export interface TarEntryWithData extends TarEntry {
  /** Where the entry's data starts in the tar stream (a seek index keeps it). */
  readonly offset: number;
  /** The entry's data (a regular file's bytes; empty otherwise), read from the stream. */
  bytes(): Promise<Uint8Array>;
}

/** An entry as {@link tarEntries} yields it: its data can also be read piece by piece. */
export interface StreamedTarEntry extends TarEntryWithData {
  /**
   * Hands a regular file's data to `sink` piece by piece as it streams past (each piece valid
   * only during the call), so a big file is never held whole; instead of {@link bytes}.
   */
  readChunks(sink: (chunk: Uint8Array) => void): Promise<void>;
}

const _TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
};

/**
 * A stored entry name cleaned as {@link tarEntries} cleans it (relative, no `./`, no trailing
 * `/`), for an index that lists a layer's entries from elsewhere (an eStargz table of contents).
 *
 * @param name The name as stored.
 * @param label What is being read, for the error.
 * @returns The cleaned path.
 * @throws {InvalidArgumentError} For a name with NUL or a `..` segment.
 * @example
 * ```ts
 * import { tarEntryPath } from "./tar_entries.ts";
 * console.assert(tarEntryPath("./bin/", "toc") === "bin");
 * ```
 */
export function tarEntryPath(name: string, label: string): string {
  return cleanTarName(name, tarFail(label), true);
}

/** Reads exact byte counts from a stream, buffering only what one header or record needs. */
class _Exact {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #done = false;
  /** Bytes consumed so far: the offset of what comes next. */
  offset = 0;

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
    this.offset += out.length;
    return out;
  }

  /**
   * Drops `n` bytes, handing each piece to `sink` as it comes (never joined); returns how many
   * were there.
   */
  async skip(n: number, sink?: (chunk: Uint8Array) => void): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.#buffered === 0) {
        await this.#fill(1);
        if (this.#buffered === 0) break;
      }
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.length, left);
      sink?.(chunk.subarray(0, take));
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
      this.#buffered -= take;
      left -= take;
    }
    this.offset += n - left;
    return n - left;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/**
 * Streams the entries of an uncompressed tar: ustar, GNU long names and base-256 numbers, pax
 * records (lengths in bytes), checksums checked, sparse files and `..` names refused (a leading
 * `/` is the layer's root, as containerd and GNU tar read it). Breaking
 * out of the loop cancels the stream.
 *
 * @param stream The tar bytes.
 * @param label What the tar is, for error messages (e.g. `layer sha256:…`).
 * @returns The entries in stream order; each one's `bytes()` reads its data before the next.
 * @throws {InvalidArgumentError} For a bad checksum, a truncated entry, a malformed pax record, a
 *   sparse file, or a `..` or NUL name.
 * @example
 * ```ts
 * import { tarEntries } from "./tar_entries.ts";
 * const block = new Uint8Array(1024); // an empty archive: two zero blocks
 * const paths = [];
 * for await (const entry of tarEntries(new Blob([block]).stream(), "empty.tar")) paths.push(entry.path);
 * console.assert(paths.length === 0);
 * ```
 */
export async function* tarEntries(
  stream: ReadableStream<Uint8Array>,
  label = "tar stream",
): AsyncGenerator<StreamedTarEntry> {
  const fail = tarFail(label);
  const input = new _Exact(stream);
  const state: TarMetaState = { global: {}, local: {} };
  try {
    while (true) {
      const offset = input.offset;
      const header = await input.read(TAR_BLOCK);
      if (header.length === 0 && offset === 0) throw fail("not a tar archive: the stream is empty");
      // A tar without its two trailing zero blocks still ends here; GNU tar reads it too.
      if (header.length === 0) return;
      if (header.length < TAR_BLOCK) {
        throw fail(`truncated header at offset ${offset}: found ${header.length} bytes`);
      }
      if (header.every((b) => b === 0)) return;
      const { flag, isMeta, meta, size: stored } = startTarHeader(header, offset, state, fail);
      const padded = Math.ceil(stored / TAR_BLOCK) * TAR_BLOCK;
      const truncated = () =>
        fail(`entry at offset ${offset} is truncated: expected ${stored} bytes of data`);
      if (isMeta) {
        const data = await input.read(padded);
        if (data.length < stored) throw truncated();
        applyTarMeta(flag, data.subarray(0, stored), state, fail);
        continue;
      }
      state.local = {};
      const rawName = meta.path ?? tarHeaderName(header);
      refuseSparse(flag, meta, rawName, fail);
      const path = cleanTarName(rawName, fail, true);
      const type = _TYPES[flag];
      if (type === undefined) {
        throw fail(`entry "${rawName}" has unknown type "${flag}": expected one of 0-7`);
      }
      const rawLink = tarLinkName(header, meta);
      const link = type === "hardlink"
        ? cleanTarName(rawLink, (p) => fail(`hard link "${rawName}": ${p}`), true)
        : type === "symlink"
        ? rawLink
        : undefined;
      const numbers = tarEntryNumbers(header, meta, fail);
      const size = type === "file" ? stored : 0;
      // Links, directories and devices carry no data whatever their size field says (GNU tar).
      const dataBytes = type === "file" ? stored : 0;
      let read = false;
      yield {
        offset: input.offset,
        path,
        name: rawName,
        type,
        size,
        mode: numbers.mode,
        uid: numbers.uid,
        gid: numbers.gid,
        ...(link !== undefined ? { link } : {}),
        mtime: numbers.mtime,
        bytes: async () => {
          if (read) throw fail(`the data of "${path}" was already read`);
          read = true;
          const data = await input.read(Math.ceil(dataBytes / TAR_BLOCK) * TAR_BLOCK);
          if (data.length < dataBytes) throw truncated();
          return data.slice(0, dataBytes);
        },
        readChunks: async (sink) => {
          if (read) throw fail(`the data of "${path}" was already read`);
          read = true;
          if (await input.skip(dataBytes, sink) < dataBytes) throw truncated();
          await input.skip(Math.ceil(dataBytes / TAR_BLOCK) * TAR_BLOCK - dataBytes);
        },
      };
      if (!read) {
        const skip = Math.ceil(dataBytes / TAR_BLOCK) * TAR_BLOCK;
        if (await input.skip(skip) < Math.min(skip, dataBytes)) throw truncated();
      }
    }
  } finally {
    await input.cancel();
  }
}
