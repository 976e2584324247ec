/** The `Files` capability over `node:fs/promises`, confined to one directory (Deno, Bun and Node). */
import { open, readdir, realpath, stat } from "node:fs/promises";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../core/errors.ts";
import type { Files, FileStat } from "../core/files.ts";
import { splitFilesPath } from "./_paths.ts";

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
  let realRoot: Promise<string> | undefined;

  async function resolve(path: string): Promise<string> {
    const segments = splitFilesPath(path);
    realRoot ??= realpath(root).catch((error) => {
      realRoot = undefined;
      throw error;
    });
    let base: string;
    try {
      base = await realRoot;
    } catch (error) {
      throw _ioError(error, `Cannot open directory "${root}"`, "directory");
    }
    const joined = segments.length === 0
      ? base
      : `${base.replace(/\/$/, "")}/${segments.join("/")}`;
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

  async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    _checkRange(offset, length);
    const real = await resolve(path);
    try {
      const handle = await open(real, "r");
      try {
        const buffer = new Uint8Array(length);
        let filled = 0;
        while (filled < length) {
          const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled === length ? buffer : buffer.slice(0, filled);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw _ioError(error, `Cannot read "${path}" in "${root}"`);
    }
  }

  return {
    async read(path: string): Promise<Uint8Array> {
      const real = await resolve(path);
      try {
        const handle = await open(real, "r");
        try {
          return new Uint8Array(await handle.readFile());
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw _ioError(error, `Cannot read "${path}" in "${root}"`);
      }
    },
    readRange,
    async stat(path: string): Promise<FileStat> {
      const real = await resolve(path);
      try {
        const info = await stat(real);
        return { isFile: info.isFile(), isDirectory: info.isDirectory(), size: info.size };
      } catch (error) {
        throw _ioError(error, `Cannot stat "${path}" in "${root}"`);
      }
    },
    async list(path: string): Promise<string[]> {
      const real = await resolve(path);
      try {
        return await readdir(real);
      } catch (error) {
        throw _ioError(error, `Cannot list "${path}" in "${root}"`);
      }
    },
  };
}

function _checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new InvalidArgumentError(
      `Cannot read range: expected non-negative integers, found offset ${offset} and length ${length}`,
    );
  }
}

function _ioError(error: unknown, action: string, what = "file"): Error {
  if (error instanceof NotFoundError || error instanceof InvalidArgumentError) return error;
  const code = (error as { code?: unknown })?.code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new NotFoundError(`${action}: no such ${what}`, { cause: error });
  }
  const name = (error as { name?: unknown })?.name;
  if (name === "NotCapable" || name === "PermissionDenied") {
    // Deno without --allow-read: its message names the permission and the flag.
    return new UnavailableError(`${action}: ${(error as Error).message}`, { cause: error });
  }
  const detail = code ? String(code) : String((error as Error)?.message ?? error);
  return new UnavailableError(`${action}: ${detail}`, { cause: error });
}
