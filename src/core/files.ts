/** The file capabilities disk adapters receive, so one adapter runs on Deno, Bun, Node, over HTTP and on a `Blob`. */
import { InvalidArgumentError } from "./errors.ts";

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

/**
 * Checks a byte range: whole, non-negative numbers, and, when the size of what it reads is known,
 * starting at or before its end. Every ranged read (blobs, files, archive entries) checks with it.
 *
 * @param range Where it starts and how many bytes it takes.
 * @param options How the message starts (default `Cannot read range`) and the size, when known.
 * @throws {InvalidArgumentError} When the range is not one.
 * @example
 * ```ts
 * import { checkRange, InvalidArgumentError } from "@ocistore/ocistore";
 * import { assertThrows } from "@std/assert";
 *
 * checkRange({ offset: 0, length: 10 }, { size: 5 });
 * assertThrows(() => checkRange({ offset: -1, length: 1 }), InvalidArgumentError);
 * assertThrows(() => checkRange({ offset: 6, length: 1 }, { size: 5 }), InvalidArgumentError);
 * ```
 */
export function checkRange(
  range: { readonly offset: number; readonly length: number },
  options: { readonly what?: string; readonly size?: number } = {},
): void {
  const { offset, length } = range;
  const what = options.what ?? "Cannot read range";
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new InvalidArgumentError(
      `${what}: expected non-negative integers, found offset ${offset} and length ${length}`,
    );
  }
  if (options.size !== undefined && offset > options.size) {
    throw new InvalidArgumentError(
      `${what}: expected an offset of at most ${options.size}, found ${offset}`,
    );
  }
}

/**
 * The path's segments, checked: relative, `/`-separated, no `..`, no NUL, no backslash. Empty and
 * `.` segments are dropped, so `""` and `"."` name the root.
 *
 * @param path The path handed to a `Files` method.
 * @returns The segments, none of them empty, `.` or `..`.
 * @throws {InvalidArgumentError} For an absolute path or one that could leave the root.
 * @throws {TypeError} When `path` is not a string.
 * @example
 * ```ts
 * import { splitFilesPath } from "@ocistore/ocistore";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(splitFilesPath("./blobs//sha256/ab"), ["blobs", "sha256", "ab"]);
 * assertThrows(() => splitFilesPath("../etc/passwd"));
 * ```
 */
export function splitFilesPath(path: string): string[] {
  if (typeof path !== "string") throw new TypeError("Cannot read file: expected a string path");
  const fail = (problem: string) =>
    new InvalidArgumentError(
      `Cannot use path "${path}": expected a relative path, found ${problem}`,
    );
  if (path.startsWith("/")) throw fail("an absolute path");
  if (path.includes("\0")) throw fail("a NUL character");
  if (path.includes("\\")) throw fail("a backslash");
  if (/^[A-Za-z]:/.test(path)) throw fail("a drive letter");
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw fail('a ".." segment');
  return segments;
}
