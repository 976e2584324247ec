/** The two ports (content provider, image records) and the helpers that read verified blobs through them. */
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
