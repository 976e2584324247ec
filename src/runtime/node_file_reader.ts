/** Random access to one file over `node:fs/promises` (archives read by range, never whole). */
import { open } from "node:fs/promises";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../core/errors.ts";
import type { ByteReader } from "../core/files.ts";

/**
 * Opens a regular file for reading by range; the file stays open until `close()`.
 *
 * @param path The file, absolute or relative to the working directory.
 * @returns The open file.
 * @throws {NotFoundError} When the file does not exist.
 * @throws {InvalidArgumentError} When the path is not a regular file.
 * @throws {UnavailableError} For any other I/O failure (the error is the `cause`).
 *
 * @example
 * ```ts
 * import { openFileReader } from "@ocistore/ocistore/runtime";
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const path = join(await mkdtemp(join(tmpdir(), "reader-")), "data.bin");
 * await writeFile(path, new Uint8Array([1, 2, 3, 4, 5]));
 * const reader = await openFileReader(path);
 * assertEquals([reader.size, [...await reader.readRange(3, 10)]], [5, [4, 5]]);
 * await reader.close();
 * ```
 */
export async function openFileReader(
  path: string,
): Promise<ByteReader & { close(): Promise<void> }> {
  if (typeof path !== "string") throw new TypeError("Cannot open file: expected a string path");
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    const code = (error as { code?: string })?.code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new NotFoundError(`Cannot open "${path}": no such file`, { cause: error });
    }
    throw new UnavailableError(`Cannot open "${path}": ${code ?? (error as Error)?.message}`, {
      cause: error,
    });
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new InvalidArgumentError(`Cannot open "${path}": expected a regular file`);
  }
  const file = handle;
  return {
    size: info.size,
    async readRange(offset: number, length: number): Promise<Uint8Array> {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, info.size - offset)));
      let filled = 0;
      try {
        while (filled < buffer.length) {
          const { bytesRead } = await file.read(
            buffer,
            filled,
            buffer.length - filled,
            offset + filled,
          );
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
      } catch (error) {
        throw new UnavailableError(`Cannot read "${path}": ${(error as Error)?.message}`, {
          cause: error,
        });
      }
      return filled === buffer.length ? buffer : buffer.slice(0, filled);
    },
    async close(): Promise<void> {
      await file.close();
    },
  };
}
