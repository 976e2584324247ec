/** A `Files` view of an indexed tar: reads go to byte ranges of the archive, never outside an entry. */
import { NotFoundError } from "../../core/errors.ts";
import { checkRange, type Files, type FileStat, splitFilesPath } from "../../core/files.ts";
import type { ByteReader, TarIndex } from "./_tar.ts";

/** The archive's files by cleaned path; `aliases` map extra paths onto archive paths. */
export function tarFiles(
  reader: ByteReader,
  index: TarIndex,
  label: string,
  aliases: ReadonlyMap<string, string> = new Map(),
): Files {
  const clean = (path: string) => {
    const joined = splitFilesPath(path).join("/");
    return aliases.get(joined) ?? joined;
  };
  const fileOf = (path: string) => {
    const file = index.files.get(clean(path));
    if (!file) throw new NotFoundError(`Cannot find "${path}" in ${label}`);
    return file;
  };
  return {
    // deno-lint-ignore require-await
    async read(path: string): Promise<Uint8Array> {
      const file = fileOf(path);
      return reader.readRange(file.offset, file.size);
    },
    // deno-lint-ignore require-await
    async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
      const file = fileOf(path);
      checkRange({ offset, length });
      const start = Math.min(offset, file.size);
      const end = Math.min(file.size, offset + length);
      return reader.readRange(file.offset + start, end - start);
    },
    // deno-lint-ignore require-await
    async stat(path: string): Promise<FileStat> {
      const name = clean(path);
      const file = index.files.get(name);
      if (file) return { isFile: true, isDirectory: false, size: file.size };
      if (index.directories.has(name)) return { isFile: false, isDirectory: true, size: 0 };
      throw new NotFoundError(`Cannot find "${path}" in ${label}`);
    },
    // deno-lint-ignore require-await
    async list(path: string): Promise<string[]> {
      const dir = clean(path);
      if (!index.directories.has(dir)) {
        throw new NotFoundError(`Cannot find directory "${path}" in ${label}`);
      }
      const prefix = dir === "" ? "" : `${dir}/`;
      const names = new Set<string>();
      for (const name of [...index.files.keys(), ...index.directories]) {
        if (name !== dir && name.startsWith(prefix)) {
          names.add(name.slice(prefix.length).split("/")[0]);
        }
      }
      return [...names];
    },
  };
}
