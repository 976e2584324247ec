/** The file capabilities disk adapters receive, so one adapter runs on Deno, Bun, Node, over HTTP and on a `Blob`. */

/** What `stat` reports of a path. */
export interface FileStat {
  /** Whether the path is a regular file. */
  readonly isFile: boolean;
  /** Whether the path is a directory. */
  readonly isDirectory: boolean;
  /** Size in bytes (files). */
  readonly size: number;
}

/**
 * Read-only access to a tree of files, addressed by `/`-separated relative paths (never absolute,
 * never containing `..`). Every method rejects with `NotFoundError` for a missing path.
 */
export interface Files {
  /** The whole file. */
  read(path: string): Promise<Uint8Array>;
  /** `length` bytes of the file from `offset` (fewer at its end). */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** What the path is. */
  stat(path: string): Promise<FileStat>;
  /** The names in a directory (unsorted); rejects with `UnsupportedError` where listing is impossible (HTTP). */
  list(path: string): Promise<string[]>;
}

/** Random access to one file's bytes (an archive on disk, a `Blob`, a buffer). */
export interface ByteReader {
  /** The size in bytes. */
  readonly size: number;
  /** `length` bytes from `offset` (fewer at the end). */
  readRange(offset: number, length: number): Promise<Uint8Array>;
  /** Releases the underlying file, if any; later reads reject. */
  close?(): Promise<void>;
}

/**
 * Reads a `Blob` (a dropped `File`, a fetched body) by range, without loading it whole.
 *
 * @param blob The bytes.
 * @returns A reader over them.
 * @example
 * ```ts
 * import { blobReader } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const reader = blobReader(new Blob(["hello world"]));
 * assertEquals(reader.size, 11);
 * assertEquals(new TextDecoder().decode(await reader.readRange(6, 100)), "world");
 * ```
 */
export function blobReader(blob: Blob): ByteReader {
  return {
    size: blob.size,
    async readRange(offset: number, length: number): Promise<Uint8Array> {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}
