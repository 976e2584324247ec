/** The two ports (content provider, image records) and the helpers that read verified blobs through them. */
import { DigestMismatchError, InvalidArgumentError } from "./errors.ts";
import { type DigestAlgorithm, digestOf, parseDigest } from "./digest.ts";
import { createDigester, type DigesterFactory } from "./digester.ts";
import { checkRange } from "./files.ts";
import { DEFAULT_DOCUMENT_LIMIT } from "./documents.ts";
import type { BlobInfo, Descriptor, ImageRecord } from "./types.ts";

export type { BlobInfo, ImageRecord };

/** Where a ranged read starts and how much it takes, plus a signal to abort it. */
export interface ReadOptions {
  /** First byte to read (default 0). */
  readonly offset?: number;
  /** How many bytes to read (default: to the end of the blob; fewer at its end). */
  readonly length?: number;
  /** Aborts the read. */
  readonly signal?: AbortSignal;
}

/**
 * The part of a whole blob that a read asks for: a copy of `length` bytes from `offset` (fewer at
 * its end), or of all of it. For providers that hold blobs whole (memory, caches, small files).
 *
 * @param bytes The whole blob.
 * @param options The read's offset and length.
 * @returns A copy of the range.
 * @example
 * ```ts
 * import { sliceRead } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = new TextEncoder().encode("hello world");
 * assertEquals(new TextDecoder().decode(sliceRead(bytes, { offset: 6, length: 100 })), "world");
 * assertEquals(sliceRead(bytes).length, 11);
 * ```
 */
export function sliceRead(bytes: Uint8Array, options: ReadOptions = {}): Uint8Array {
  const start = options.offset ?? 0;
  return bytes.slice(start, options.length === undefined ? undefined : start + options.length);
}

/** Options that only carry a signal. */
export interface SignalOptions {
  /** Aborts the operation. */
  readonly signal?: AbortSignal;
}

/**
 * The content port (containerd's `content.InfoReaderProvider`): the smallest pair a medium must
 * supply, blob info by digest and raw bytes by descriptor (ranged where the medium can). Nothing
 * here verifies: the core's `readBlob`, `readBlobStream`, `readBlobRange` and `readJson` do, so no
 * adapter carries its own hashing. Every method rejects with `NotFoundError` for an unknown blob.
 */
export interface ContentProvider {
  /** Size (and labels) of the blob named by `digest`. */
  info(digest: string, options?: SignalOptions): Promise<BlobInfo>;
  /** Raw, unverified bytes: the whole blob, or `length` bytes from `offset` (fewer at its end). */
  read(descriptor: Descriptor, options?: ReadOptions): Promise<Uint8Array>;
  /** Optional: the whole blob as a raw stream, for media that stream better than they seek. */
  stream?(descriptor: Descriptor, options?: SignalOptions): Promise<ReadableStream<Uint8Array>>;
}

/** The image-record port (containerd's `images.Store`, read side). */
export interface ImageGetter {
  /** The record named `name`; rejects with `NotFoundError` when there is none. */
  get(name: string): Promise<ImageRecord>;
}

/** The listing side of the image-record port. */
export interface ImageLister extends ImageGetter {
  /** Every record, in the source's own order (the order containerd's CRI would see them). */
  list(): Promise<ImageRecord[]>;
}

/** What an adapter opens: content plus the image records over it. */
export interface ImageSource {
  /** The blobs. */
  readonly content: ContentProvider;
  /** The image records. */
  readonly images: ImageLister;
  /** Releases what the source holds open (files, connections); optional. */
  close?(): Promise<void>;
}

/** Options of {@link readBlobStream}. */
export interface ReadBlobStreamOptions extends SignalOptions {
  /** Hashes with this instead of the portable digester (e.g. the runtime's `nodeDigester`). */
  readonly digester?: DigesterFactory;
}

/** Options of {@link readBlob} and {@link readJson}. */
export interface ReadBlobOptions extends ReadBlobStreamOptions {
  /** Reject blobs whose descriptor declares more than this many bytes (default: no limit). */
  readonly maxBytes?: number;
}

/**
 * Blobs up to this size are hashed synchronously: for documents, awaiting WebCrypto's `digest`
 * costs more than the hash itself (a third of an in-memory `sync()` profile).
 */
const _SYNC_DIGEST_LIMIT = 64 * 1024;

function _digest(
  bytes: Uint8Array,
  algorithm: DigestAlgorithm,
  factory: DigesterFactory | undefined,
): string | Promise<string> {
  // A digester handed in is native and synchronous: it beats WebCrypto's await at every size.
  // Without one, WebCrypto also takes what the default digester (sha256 only) cannot hash.
  if (!factory && (bytes.byteLength > _SYNC_DIGEST_LIMIT || algorithm !== "sha256")) {
    return digestOf(bytes, algorithm);
  }
  const digester = createDigester(algorithm, factory);
  digester.update(bytes);
  return digester.digest();
}

/**
 * Bytes per ranged read when a stream is derived from a provider without `stream()`. With 4 MiB
 * reads, `files` on a 300 MB gzip layer peaked 77–108 MiB above a 3,000-entry baseline on Deno
 * (each read's buffer and its inflated output are garbage the collector reaches late); with 1 MiB,
 * +48–54 MiB (Bun +41); 256 KiB gave +40 MiB but four times the requests over HTTP of 1 MiB
 * (bench/files_bench.ts, issue 23).
 */
const _STREAM_CHUNK = 1024 * 1024;

/** The descriptor's inline `data` when it verifies against size and digest, else `undefined`. */
async function _inline(
  descriptor: Descriptor,
  algorithm: DigestAlgorithm,
  factory: DigesterFactory | undefined,
): Promise<Uint8Array | undefined> {
  if (descriptor.data === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(descriptor.data), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
  if (bytes.byteLength !== descriptor.size) return undefined;
  return await _digest(bytes, algorithm, factory) === descriptor.digest ? bytes : undefined;
}

function _sizeMismatch(descriptor: Descriptor, found: number): DigestMismatchError {
  return new DigestMismatchError(
    `Cannot read blob ${descriptor.digest}: expected ${descriptor.size} bytes, found ${found}`,
    { expected: String(descriptor.size), actual: String(found) },
  );
}

function _digestMismatch(descriptor: Descriptor, actual: string): DigestMismatchError {
  return new DigestMismatchError(
    `Cannot read blob ${descriptor.digest}: it does not match its digest, it hashes to ${actual}`,
    { expected: descriptor.digest, actual },
  );
}

/**
 * Reads a whole blob and verifies it: its length must be the descriptor's `size` and it must hash
 * to the descriptor's `digest`. Inline `data` that verifies is used without touching the provider,
 * as containerd's `content.ReadBlob` does; unlike containerd, provider bytes are always verified.
 *
 * @param provider The content provider.
 * @param descriptor The blob's descriptor.
 * @param options A size limit checked before reading, a signal, and a native digester.
 * @returns The verified bytes.
 * @throws {NotFoundError} When the provider has no such blob.
 * @throws {DigestMismatchError} When the bytes do not match the descriptor's size or digest.
 * @throws {InvalidArgumentError} When the descriptor's digest is malformed or its size over the limit.
 * @example
 * ```ts
 * import { digestOf, readBlob } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const descriptor = await source.addBlob("hello", "text/plain");
 * assertEquals(descriptor.digest, await digestOf("hello"));
 * assertEquals(new TextDecoder().decode(await readBlob(source.content, descriptor)), "hello");
 * ```
 */
export async function readBlob(
  provider: ContentProvider,
  descriptor: Descriptor,
  options: ReadBlobOptions = {},
): Promise<Uint8Array> {
  const { algorithm } = parseDigest(descriptor.digest);
  if (options.maxBytes !== undefined && descriptor.size > options.maxBytes) {
    throw new InvalidArgumentError(
      `Cannot read blob ${descriptor.digest}: expected at most ${options.maxBytes} bytes, descriptor declares ${descriptor.size}`,
    );
  }
  // Awaited only when there is something to wait for: two of the few promises a document costs.
  const inline = descriptor.data === undefined
    ? undefined
    : await _inline(descriptor, algorithm, options.digester);
  if (inline) return inline;
  const bytes = await provider.read(descriptor, { signal: options.signal });
  if (bytes.byteLength !== descriptor.size) throw _sizeMismatch(descriptor, bytes.byteLength);
  const digested = _digest(bytes, algorithm, options.digester);
  const actual = typeof digested === "string" ? digested : await digested;
  if (actual !== descriptor.digest) throw _digestMismatch(descriptor, actual);
  return bytes;
}

/**
 * Streams a blob and verifies it as it goes: the stream errors with `DigestMismatchError` instead of
 * closing when the bytes do not match the descriptor's size and digest (a longer blob errors as soon
 * as it passes the size), so no consumer can take bad bytes for good. Uses the provider's `stream()`
 * when it has one, else ranged reads of 1 MiB.
 *
 * @param provider The content provider.
 * @param descriptor The blob's descriptor.
 * @param options A signal, and a native digester.
 * @returns The verified stream.
 * @throws {NotFoundError} When the provider has no such blob (before any byte is streamed).
 * @throws {InvalidArgumentError} When the descriptor's digest is malformed.
 * @example
 * ```ts
 * import { DigestMismatchError, readBlobStream } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const source = memorySource();
 * const descriptor = await source.addBlob("hello", "text/plain");
 * const stream = await readBlobStream(source.content, descriptor);
 * assertEquals(await new Response(stream).text(), "hello");
 *
 * source.putRaw(descriptor.digest, new TextEncoder().encode("jello"));
 * const bad = await readBlobStream(source.content, descriptor);
 * await assertRejects(() => new Response(bad).text(), DigestMismatchError);
 * ```
 */
export async function readBlobStream(
  provider: ContentProvider,
  descriptor: Descriptor,
  options: ReadBlobStreamOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const { algorithm } = parseDigest(descriptor.digest);
  const inline = await _inline(descriptor, algorithm, options.digester);
  const raw = inline
    ? new Blob([inline as Uint8Array<ArrayBuffer>]).stream()
    : provider.stream
    ? await provider.stream(descriptor, options)
    : await _rangedStream(provider, descriptor, options.signal);
  const digester = createDigester(algorithm, options.digester);
  let seen = 0;
  return raw.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > descriptor.size) throw _sizeMismatch(descriptor, seen);
        digester.update(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        if (seen !== descriptor.size) throw _sizeMismatch(descriptor, seen);
        const actual = digester.digest();
        if (actual !== descriptor.digest) throw _digestMismatch(descriptor, actual);
      },
    }),
  );
}

async function _rangedStream(
  provider: ContentProvider,
  descriptor: Descriptor,
  signal: AbortSignal | undefined,
): Promise<ReadableStream<Uint8Array>> {
  // The first read happens now, so a missing blob rejects here rather than inside the stream.
  let next: Uint8Array | undefined = await provider.read(descriptor, {
    offset: 0,
    length: Math.min(_STREAM_CHUNK, descriptor.size),
    signal,
  });
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = next ??
        (offset < descriptor.size
          ? await provider.read(descriptor, { offset, length: _STREAM_CHUNK, signal })
          : new Uint8Array(0));
      next = undefined;
      if (chunk.byteLength === 0) return controller.close();
      offset += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

/**
 * Reads `length` bytes of a blob from `offset` (fewer at its end), after checking the range against
 * the descriptor's size. A range cannot be verified on its own; read the whole blob (or stream it)
 * when the bytes must be proven.
 *
 * @param provider The content provider.
 * @param descriptor The blob's descriptor.
 * @param range Where to start and how many bytes to read.
 * @param options A signal.
 * @returns The bytes of the range.
 * @throws {InvalidArgumentError} When the range is negative, not whole numbers, or starts past the end.
 * @throws {DigestMismatchError} When the provider returns more bytes than asked for.
 * @example
 * ```ts
 * import { readBlobRange } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const descriptor = await source.addBlob("hello world", "text/plain");
 * const bytes = await readBlobRange(source.content, descriptor, { offset: 6, length: 100 });
 * assertEquals(new TextDecoder().decode(bytes), "world");
 * ```
 */
export async function readBlobRange(
  provider: ContentProvider,
  descriptor: Descriptor,
  range: { readonly offset: number; readonly length: number },
  options: SignalOptions = {},
): Promise<Uint8Array> {
  const { offset, length } = range;
  checkRange(range, { what: `Cannot read blob ${descriptor.digest}`, size: descriptor.size });
  const wanted = Math.min(length, descriptor.size - offset);
  if (wanted === 0) return new Uint8Array(0);
  const bytes = await provider.read(descriptor, { offset, length: wanted, signal: options.signal });
  if (bytes.byteLength > wanted) {
    throw new DigestMismatchError(
      `Cannot read blob ${descriptor.digest}: expected at most ${wanted} bytes from offset ${offset}, found ${bytes.byteLength}`,
      { expected: String(wanted), actual: String(bytes.byteLength) },
    );
  }
  return bytes;
}

/**
 * Reads a verified blob and parses it as JSON, refusing documents over the document size limit
 * (default 4 MiB) before reading them.
 *
 * @param provider The content provider.
 * @param descriptor The document's descriptor.
 * @param options The size limit and a signal.
 * @returns The parsed JSON value.
 * @throws {NotFoundError} When the provider has no such blob.
 * @throws {DigestMismatchError} When the bytes do not verify.
 * @throws {InvalidArgumentError} When the document is too big or not JSON.
 * @example
 * ```ts
 * import { readJson } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const descriptor = await source.addBlob('{"a":1}', "application/json");
 * assertEquals(await readJson(source.content, descriptor), { a: 1 });
 * ```
 */
export async function readJson(
  provider: ContentProvider,
  descriptor: Descriptor,
  options: ReadBlobOptions = {},
): Promise<unknown> {
  const bytes = await readBlob(provider, descriptor, {
    ...options,
    maxBytes: options.maxBytes ?? DEFAULT_DOCUMENT_LIMIT,
  });
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new InvalidArgumentError(
      `Cannot parse blob ${descriptor.digest}: expected JSON, found ${(cause as Error).message}`,
      { cause },
    );
  }
}
