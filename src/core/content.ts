/** The two ports (content provider, image records) and the helpers that read verified blobs through them. */
import { DigestMismatchError, InvalidArgumentError } from "./errors.ts";
import { digestOf, parseDigest } from "./digest.ts";
import { DEFAULT_DOCUMENT_LIMIT } from "./documents.ts";
import type { Descriptor } from "./types.ts";

/** What a content store knows of a blob without reading it. */
export interface BlobInfo {
  /** The digest naming the blob. */
  readonly digest: string;
  /** The stored size in bytes. */
  readonly size: number;
  /** Labels the store keeps for the blob (containerd's content labels). */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The content port (containerd's `content.InfoReaderProvider`): blob info by digest, blob bytes by
 * descriptor. Implementations need not verify; `readBlob` does. Every method rejects with
 * `NotFoundError` for an unknown blob.
 */
export interface ContentProvider {
  /** Size (and labels) of the blob named by `digest`. */
  info(digest: string): Promise<BlobInfo>;
  /** The whole blob. */
  read(descriptor: Descriptor): Promise<Uint8Array>;
  /** The blob as a stream. */
  stream(descriptor: Descriptor): Promise<ReadableStream<Uint8Array>>;
  /** `length` bytes of the blob from `offset` (fewer at its end). */
  readRange(descriptor: Descriptor, offset: number, length: number): Promise<Uint8Array>;
}

/** An image record, as containerd's metadata store keeps it (`images.Image`). */
export interface ImageRecord {
  /** The image name, usually a full reference (`docker.io/library/nginx:1.27`). */
  readonly name: string;
  /** The root descriptor: a manifest or an index. */
  readonly target: Descriptor;
  /** Labels, e.g. `io.cri-containerd.pinned=pinned`. */
  readonly labels: Readonly<Record<string, string>>;
  /** When the record was created (RFC 3339), when known. */
  readonly createdAt?: string;
  /** When the record was last updated (RFC 3339), when known. */
  readonly updatedAt?: string;
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

/** Options of {@link readBlob} and {@link readJson}. */
export interface ReadBlobOptions {
  /** Reject blobs whose descriptor declares more than this many bytes (default: no limit). */
  readonly maxBytes?: number;
}

function _base64(data: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Reads a whole blob and verifies it: its length must be the descriptor's `size` and it must hash
 * to the descriptor's `digest`. Inline `data` that verifies is used without touching the provider,
 * as containerd's `content.ReadBlob` does; unlike containerd, provider bytes are always verified.
 *
 * @param provider The content provider.
 * @param descriptor The blob's descriptor.
 * @param options A size limit checked before reading.
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
  if (descriptor.data !== undefined) {
    const inline = _base64(descriptor.data);
    if (
      inline && inline.byteLength === descriptor.size &&
      await digestOf(inline, algorithm) === descriptor.digest
    ) return inline;
  }
  const bytes = await provider.read(descriptor);
  if (bytes.byteLength !== descriptor.size) {
    throw new DigestMismatchError(
      `Cannot read blob ${descriptor.digest}: expected ${descriptor.size} bytes, found ${bytes.byteLength}`,
      { expected: String(descriptor.size), actual: String(bytes.byteLength) },
    );
  }
  const actual = await digestOf(bytes, algorithm);
  if (actual !== descriptor.digest) {
    throw new DigestMismatchError(
      `Cannot read blob ${descriptor.digest}: expected content with that digest, found ${actual}`,
      { expected: descriptor.digest, actual },
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
 * @param options The size limit.
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
