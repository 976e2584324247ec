/** The file capability disk adapters receive, so one adapter runs on Deno, Bun, Node and over HTTP. */

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
