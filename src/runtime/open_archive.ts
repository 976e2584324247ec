/** The archive source with file paths: `openArchive("image.tar")` on Deno, Bun and Node. */
import process from "node:process";
import type { ImageSource } from "../core/content.ts";
import type { ByteReader } from "../core/files.ts";
import { type ArchiveOptions, openArchive as openArchiveBytes } from "../adapters/archive.ts";
import { openFileReader } from "./node_file_reader.ts";
import { nodeGunzip } from "./node_gunzip.ts";

export type { ArchiveOptions, NamingOptions } from "../adapters/archive.ts";

/**
 * Opens an OCI archive or a `docker save` tarball the way `ctr images import` reads one (see the
 * adapter's documentation for the rules): a path is opened with {@link openFileReader} and read by
 * range, never whole; a `Blob` or any {@link ByteReader} is read as it is. gzip is inflated by
 * {@link nodeGunzip} on Deno and Node and by `DecompressionStream` on Bun (each host's faster one
 * that keeps no garbage), unless `options.inflate` says otherwise.
 *
 * @param pathOrBytes The archive's path, or its bytes as a `Blob` or `ByteReader`.
 * @param options Naming (`baseName`, `digestRefs`) and the label used in errors.
 * @returns The archive's content and image records; `close()` releases the file.
 * @throws {NotFoundError} When the path does not exist, or an OCI archive lacks `index.json`.
 * @throws {InvalidArgumentError} For a malformed or hostile tar, or one that holds no image.
 * @throws {UnsupportedError} When `imageLayoutVersion` is not `1.0.0`.
 * @example
 * ```ts
 * import { openArchive } from "@ocistore/ocistore/runtime";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => openArchive("no/such/image.tar"), NotFoundError);
 * ```
 */
export async function openArchive(
  pathOrBytes: string | Blob | ByteReader,
  options: ArchiveOptions = {},
): Promise<ImageSource> {
  if (typeof pathOrBytes !== "string") return await openArchiveBytes(pathOrBytes, options);
  // The adapter closes the reader when it cannot open the archive.
  const reader = await openFileReader(pathOrBytes);
  const label = options.label ?? `archive "${pathOrBytes}"`;
  // Node's DecompressionStream keeps ~300 MiB of garbage alive on a 300 MB archive; node:zlib does
  // not, and costs Deno less memory for the same time. Bun's DecompressionStream keeps none and
  // inflates a 100 MiB archive in 125–163 ms to its node:zlib 232 ms (BENCHMARKS.md, issue 23).
  const inflate = options.inflate ?? (process.versions.bun ? undefined : nodeGunzip);
  return await openArchiveBytes(reader, { ...options, label, inflate });
}
