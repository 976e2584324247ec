/** The `Files` capability over `node:fs/promises`, confined to one directory (Deno, Bun and Node). */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from "node:fs";
import { lstat, open, readdir, readFile, realpath, stat } from "node:fs/promises";
import { setImmediate } from "node:timers";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../core/errors.ts";
import { checkRange, type Files, type FileStat, splitFilesPath } from "../core/files.ts";

/**
 * Opens a directory as a read-only {@link Files}: every path is checked (relative, no `..`) and
 * resolved with `realpath`, and a symbolic link that leads outside the directory is refused, so
 * nothing outside `root` is ever read.
 *
 * @param root The directory, absolute or relative to the working directory.
 * @returns The files below `root`. Methods reject with `NotFoundError` for a missing path,
 *   `InvalidArgumentError` for a bad path or a link out of `root`, and `UnavailableError` (with the
 *   I/O error as `cause`) for anything else.
 * @throws {TypeError} When `root` is not a string.
 *
 * @example Read a file and part of it
 * ```ts
 * import { nodeFiles } from "@ocistore/ocistore/runtime";
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "files-"));
 * await writeFile(join(dir, "hello.txt"), "hello world");
 * const files = nodeFiles(dir);
 * assertEquals(new TextDecoder().decode(await files.readRange("hello.txt", 6, 5)), "world");
 * assertEquals((await files.stat("hello.txt")).size, 11);
 * await assertRejects(() => files.read("../etc/passwd"));
 * ```
 */
export function nodeFiles(root: string): Files {
  if (typeof root !== "string") throw new TypeError("Cannot open files: expected a string root");
  // Directories are resolved once each (a layout has three); a file is opened with O_NOFOLLOW,
  // so the common case costs no realpath or stat at all, and only a file that is itself a link
  // pays for the full realpath check. (Where O_NOFOLLOW is missing, every path takes that check.)
  const directories = new Map<string, Promise<string>>();

  function realDirectory(segments: readonly string[], path: string): Promise<string> {
    const key = segments.join("/");
    let real = directories.get(key);
    if (!real) {
      real = _realInside(root, segments, path);
      directories.set(key, real);
      real.catch(() => directories.delete(key));
    }
    return real;
  }

  async function resolve(path: string): Promise<string> {
    const segments = splitFilesPath(path);
    return segments.length === 0
      ? await realDirectory([], path)
      : await _realInside(root, segments, path, await realDirectory([], path));
  }

  /** The path to open, and whether it may be opened without following a link. */
  async function locate(path: string): Promise<{ path: string; noFollow: boolean }> {
    const segments = splitFilesPath(path);
    if (segments.length === 0 || _NO_FOLLOW === undefined) {
      return { path: await resolve(path), noFollow: false };
    }
    const dir = await realDirectory(segments.slice(0, -1), path);
    return { path: `${dir.replace(/\/$/, "")}/${segments[segments.length - 1]}`, noFollow: true };
  }

  /** Runs `io` on the file without following a final link; a link goes through `resolve`. */
  async function withFile<T>(
    path: string,
    io: (real: string, flags: number) => Promise<T>,
  ): Promise<T> {
    const located = await locate(path);
    if (located.noFollow) {
      try {
        return await io(located.path, _O_RDONLY | _NO_FOLLOW!);
      } catch (error) {
        if ((error as { code?: unknown })?.code !== "ELOOP") throw error;
      }
    }
    return await io(await resolve(path), _O_RDONLY);
  }

  async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange({ offset, length });
    try {
      return await withFile(path, async (real, flags) => {
        if (length <= _SYNC_LIMIT) {
          return await _yielding(_readRangeSync(real, flags, offset, length));
        }
        const handle = await open(real, flags);
        try {
          const buffer = new Uint8Array(length);
          let filled = 0;
          while (filled < length) {
            const { bytesRead } = await handle.read(
              buffer,
              filled,
              length - filled,
              offset + filled,
            );
            if (bytesRead === 0) break;
            filled += bytesRead;
          }
          return filled === length ? buffer : buffer.slice(0, filled);
        } finally {
          await handle.close();
        }
      });
    } catch (error) {
      throw _ioError(error, `Cannot read "${path}" in "${root}"`);
    }
  }

  return {
    async read(path: string): Promise<Uint8Array> {
      try {
        return await withFile(path, async (real, flags) => {
          const small = _readSmall(real, flags);
          if (small) return await _yielding(small);
          const bytes = await readFile(real, { flag: flags });
          return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        });
      } catch (error) {
        throw _ioError(error, `Cannot read "${path}" in "${root}"`);
      }
    },
    readRange,
    async stat(path: string): Promise<FileStat> {
      const located = await locate(path).catch((error) => {
        throw _ioError(error, `Cannot stat "${path}" in "${root}"`);
      });
      let info;
      try {
        info = await (located.noFollow ? lstat : stat)(located.path);
      } catch (error) {
        // As when the path was resolved first: a missing path is one that cannot be read.
        const code = (error as { code?: unknown })?.code;
        const action = code === "ENOENT" || code === "ENOTDIR" ? "read" : "stat";
        throw _ioError(error, `Cannot ${action} "${path}" in "${root}"`);
      }
      const real = info.isSymbolicLink() ? await resolve(path) : located.path;
      try {
        if (real !== located.path) info = await stat(real);
        return { isFile: info.isFile(), isDirectory: info.isDirectory(), size: info.size };
      } catch (error) {
        throw _ioError(error, `Cannot stat "${path}" in "${root}"`);
      }
    },
    async list(path: string): Promise<string[]> {
      const segments = splitFilesPath(path);
      const real = await realDirectory(segments, path);
      try {
        return await readdir(real);
      } catch (error) {
        throw _ioError(error, `Cannot list "${path}" in "${root}"`);
      }
    },
  };
}

// Documents and 4 MiB chunks (the core streams in those) are read synchronously: a layout's metadata is thousands of small
// files, and four async file operations each (open, fstat, read, close) cost ten times the reads.
const _SYNC_LIMIT = 4 * 1024 * 1024;

// Synchronous reads settle without giving the event loop a turn; a caller polling in a loop
// (`while (busy) await files.read(…)`) would starve timers and child processes. So a read yields
// to the event loop once 2 ms have passed since the last time it did.
let _lastYield = 0;

async function _yielding<T>(value: T): Promise<T> {
  const now = performance.now();
  if (now - _lastYield >= 2) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    _lastYield = performance.now();
  }
  return value;
}

/** A regular file of at most {@link _SYNC_LIMIT} bytes, read whole; `undefined` for others. */
function _readSmall(path: string, flags: number): Uint8Array | undefined {
  const fd = openSync(path, flags);
  try {
    const { size } = fstatSync(fd);
    // Size 0 may be a file whose size is unknown (procfs): the async path reads to the end.
    if (size === 0 || size > _SYNC_LIMIT) return undefined;
    return _fill(fd, 0, size);
  } finally {
    closeSync(fd);
  }
}

function _readRangeSync(path: string, flags: number, offset: number, length: number): Uint8Array {
  const fd = openSync(path, flags);
  try {
    return _fill(fd, offset, length);
  } finally {
    closeSync(fd);
  }
}

function _fill(fd: number, offset: number, length: number): Uint8Array {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const bytesRead = readSync(fd, buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.slice(0, filled);
}

const _O_RDONLY: number = fsConstants.O_RDONLY ?? 0;
const _NO_FOLLOW: number | undefined = fsConstants.O_NOFOLLOW;

/**
 * The real path of `segments` below `root`, refused when a link leads outside it. `base` is the
 * root's real path when already known.
 */
async function _realInside(
  root: string,
  segments: readonly string[],
  path: string,
  base?: string,
): Promise<string> {
  if (base === undefined) {
    try {
      base = await realpath(root);
    } catch (error) {
      throw _ioError(error, `Cannot open directory "${root}"`, "directory");
    }
    if (segments.length === 0) return base;
  }
  const joined = segments.length === 0 ? base : `${base.replace(/\/$/, "")}/${segments.join("/")}`;
  let real: string;
  try {
    real = await realpath(joined);
  } catch (error) {
    throw _ioError(error, `Cannot read "${path}" in "${root}"`);
  }
  const prefix = base.endsWith("/") ? base : `${base}/`;
  if (real !== base && !real.startsWith(prefix)) {
    throw new InvalidArgumentError(
      `Cannot read "${path}" in "${root}": expected a path inside the directory, found a link to "${real}"`,
    );
  }
  return real;
}

function _ioError(error: unknown, action: string, what = "file"): Error {
  if (error instanceof NotFoundError || error instanceof InvalidArgumentError) return error;
  const code = (error as { code?: unknown })?.code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new NotFoundError(`${action}: no such ${what}`, { cause: error, missing: what });
  }
  const name = (error as { name?: unknown })?.name;
  if (name === "NotCapable" || name === "PermissionDenied") {
    // Deno without --allow-read: its message names the permission and the flag.
    return new UnavailableError(`${action}: ${(error as Error).message}`, { cause: error });
  }
  const detail = code ? String(code) : String((error as Error)?.message ?? error);
  return new UnavailableError(`${action}: ${detail}`, { cause: error });
}
