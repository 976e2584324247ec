/**
 * A gzip-compressed tar read without inflating it into memory: one streaming pass indexes the tar
 * and keeps what is small and read often (JSON documents, the head of every file); any other range
 * is read by streaming again, continuing from where the last read stopped, so reading a layer
 * chunk by chunk costs one pass over the archive and never the whole of it in memory.
 */
import { InvalidArgumentError } from "../../core/errors.ts";
import type { ByteReader, TarReader } from "./_tar.ts";

// What the first pass keeps: every file's first bytes (media sniffing), and whole files that
// look like JSON up to the document limit, within a budget that bounds memory on any archive.
const _HEAD = 512;
const _KEEP_FILE_MAX = 4 * 1024 * 1024;
const _KEEP_BUDGET = 32 * 1024 * 1024;
const _COMPRESSED_CHUNK = 64 * 1024;

interface _Kept {
  readonly offset: number;
  bytes: Uint8Array;
  filled: number;
  /** Bytes wanted: the whole file while it may be JSON, else the head only. */
  want: number;
  readonly size: number;
}

interface _Cursor {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Archive offset of `chunk[0]`. */
  chunkStart: number;
  chunk: Uint8Array;
}

/**
 * The inflated archive as a {@link ByteReader} whose `size` is unknown (`Infinity`) until `end()`
 * has read to the end; `keep()` marks a file's data while the first pass goes by.
 */
export function gunzipReader(
  compressed: ByteReader,
  label: string,
  inflate: (gzip: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array> = _decompress,
): TarReader {
  const kept: _Kept[] = []; // in offset order: files are met in archive order
  let keptBytes = 0;
  let cursor: _Cursor | undefined;
  let size = Infinity;
  let queue: Promise<unknown> = Promise.resolve();

  const corrupt = (cause: unknown) =>
    cause instanceof InvalidArgumentError ? cause : new InvalidArgumentError(
      `Cannot read ${label}: gzip data is corrupt or truncated`,
      { cause },
    );

  function open(): _Cursor {
    let offset = 0;
    const input = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (offset >= compressed.size) return controller.close();
        const length = Math.min(_COMPRESSED_CHUNK, compressed.size - offset);
        const bytes = await compressed.readRange(offset, length);
        if (bytes.length === 0) return controller.close();
        offset += bytes.length;
        controller.enqueue(bytes);
      },
    });
    return { reader: inflate(input).getReader(), chunkStart: 0, chunk: new Uint8Array(0) };
  }

  /** The next chunk, or `undefined` at the end (which fixes `size`). */
  async function advance(c: _Cursor): Promise<boolean> {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await c.reader.read();
    } catch (error) {
      throw corrupt(error);
    }
    c.chunkStart += c.chunk.length;
    if (next.done) {
      c.chunk = new Uint8Array(0);
      size = c.chunkStart;
      return false;
    }
    c.chunk = next.value;
    if (size === Infinity) collect(c.chunkStart, c.chunk);
    return true;
  }

  /** Copies what pending `keep` regions want out of a chunk as it streams by (first pass only). */
  function collect(start: number, chunk: Uint8Array): void {
    for (let i = kept.length - 1; i >= 0; i--) {
      const entry = kept[i];
      // Files are sequential: once one ends before this chunk, so do all before it.
      if (entry.offset + entry.want <= start) break;
      fill(entry, start, chunk);
    }
  }

  function fill(entry: _Kept, start: number, chunk: Uint8Array): void {
    if (entry.filled >= entry.want) return;
    const from = entry.offset + entry.filled;
    const end = start + chunk.length;
    if (from >= end || from < start) return;
    const to = Math.min(entry.offset + entry.want, end);
    entry.bytes.set(chunk.subarray(from - start, to - start), entry.filled);
    entry.filled += to - from;
    if (entry.want > _HEAD && !_looksLikeJson(entry.bytes, entry.filled)) shrink(entry);
  }

  function shrink(entry: _Kept): void {
    const want = Math.min(entry.size, _HEAD);
    keptBytes -= entry.want - want;
    entry.want = want;
    entry.filled = Math.min(entry.filled, want);
    entry.bytes = entry.bytes.slice(0, want);
  }

  function fromKept(offset: number, length: number): Uint8Array | undefined {
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (kept[mid].offset <= offset) low = mid + 1;
      else high = mid;
    }
    const entry = kept[low - 1];
    if (!entry) return undefined;
    const start = offset - entry.offset;
    if (entry.filled < entry.want || start + length > entry.want) return undefined;
    return entry.bytes.slice(start, start + length);
  }

  async function streamRange(offset: number, length: number): Promise<Uint8Array> {
    if (!cursor || cursor.chunkStart > offset) {
      await cursor?.reader.cancel().catch(() => {});
      cursor = open();
    }
    const c = cursor;
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const chunkEnd = c.chunkStart + c.chunk.length;
      const at = offset + filled;
      if (at < chunkEnd) {
        const take = Math.min(length - filled, chunkEnd - at);
        out.set(c.chunk.subarray(at - c.chunkStart, at - c.chunkStart + take), filled);
        filled += take;
        continue;
      }
      if (!(await advance(c))) break;
    }
    return filled === length ? out : out.slice(0, filled);
  }

  function serialized<T>(job: () => Promise<T>): Promise<T> {
    const run = queue.then(job);
    queue = run.catch(() => {});
    return run;
  }

  return {
    get size() {
      return size;
    },
    readRange(offset: number, length: number): Promise<Uint8Array> {
      if (Math.min(length, size - offset) <= 0) return Promise.resolve(new Uint8Array(0));
      const hit = fromKept(offset, Math.max(0, Math.min(length, size - offset)));
      if (hit) return Promise.resolve(hit);
      return serialized(() => {
        const now = Math.max(0, Math.min(length, size - offset));
        return Promise.resolve(fromKept(offset, now) ?? streamRange(offset, now));
      });
    },
    keep(offset: number, fileSize: number): void {
      if (fileSize === 0) return;
      const whole = fileSize <= _KEEP_FILE_MAX && keptBytes + fileSize <= _KEEP_BUDGET;
      const want = whole ? fileSize : Math.min(fileSize, _HEAD);
      keptBytes += want;
      const entry = { offset, bytes: new Uint8Array(want), filled: 0, want, size: fileSize };
      kept.push(entry);
      // The chunk that held the file's header may already hold its first bytes.
      if (cursor) fill(entry, cursor.chunkStart, cursor.chunk);
    },
    end(): Promise<number> {
      return serialized(async () => {
        cursor ??= open();
        while (await advance(cursor));
        return size;
      });
    },
    async close(): Promise<void> {
      await cursor?.reader.cancel().catch(() => {});
      await compressed.close?.();
    },
  };
}

function _decompress(gzip: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return gzip.pipeThrough(
    new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
}

/** Whether a file starting with these bytes may be a JSON document (object or array). */
function _looksLikeJson(bytes: Uint8Array, filled: number): boolean {
  for (let i = 0; i < filled; i++) {
    const byte = bytes[i];
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return true; // only whitespace so far: decide on the next chunk
}
