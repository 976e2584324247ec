/** The archive source: OCI archives (a tar of a layout, plain or gzip) and `docker save` tarballs. */
import type { ImageSource } from "../core/content.ts";
import { describeValue, InvalidArgumentError } from "../core/errors.ts";
import { blobReader, type ByteReader } from "../core/files.ts";
import { layoutSource, type NamingOptions, openLayoutFiles } from "./_layout_open.ts";

export type { NamingOptions };
import { importDockerArchive } from "./archive/_docker.ts";
import { indexTar } from "./archive/_tar.ts";
import { tarFiles } from "./archive/_tar_files.ts";
import { gunzipReader } from "./archive/_gunzip.ts";
import { compressionOf } from "../core/compression.ts";

/** Options of {@link openArchive}. */
export interface ArchiveOptions extends NamingOptions {
  /** How errors name the archive; by default its path or the `Blob`'s file name. */
  readonly label?: string;
  /**
   * The kind the archive must be, as skopeo's explicit transports demand: `oci` (a tar of an OCI
   * layout, `oci-archive:`) or `docker` (a `docker save`, `docker-archive:`). By default either.
   */
  readonly format?: "oci" | "docker";
  /**
   * Inflates a gzip stream; by default `DecompressionStream("gzip")`. On Node, pass `nodeGunzip`
   * from `@ocistore/ocistore/runtime` (its `openArchive` of a path does): Node's
   * `DecompressionStream` lets the inflated chunks pile up as garbage (300 MiB for a 300 MB
   * archive), `node:zlib` does not.
   */
  readonly inflate?: (gzip: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
}

/**
 * Opens an image archive the way `ctr images import` reads one. A tar holding `oci-layout` is an
 * OCI layout (this wins in Docker 25+ archives that also carry `manifest.json`); otherwise the
 * legacy `manifest.json` of `docker save` is required and turned into what containerd's importer
 * synthesizes: a Docker schema 2 manifest per entry (layers typed gzip or plain tar by sniffing,
 * the platform taken from the config) and one image per RepoTag, named with `parseDockerRef`.
 * Image names then follow {@link NamingOptions} exactly as for an OCI layout.
 *
 * The tar is read lazily: one pass over its headers builds an index of entry offsets, and blobs are
 * read by range. A gzip-compressed archive is never inflated into memory: one streaming pass
 * indexes it and keeps its JSON documents, and a layer is read by streaming the archive again. Layer and config digests of a `docker save` archive come from their
 * content-addressed file names when they have them, else they are computed at open.
 *
 * The archive comes as a `Blob` (a dropped `File`) or any {@link ByteReader}; on Deno, Bun and
 * Node, `openArchive` of `@ocistore/ocistore/runtime` takes a path.
 *
 * @param readerOrBlob The archive's bytes: a `Blob` or a `ByteReader`.
 * @param options Naming (`baseName`, `digestRefs`) and the label used in errors.
 * @returns The archive's content and image records; `close()` releases the file.
 * @throws {InvalidArgumentError} For a malformed or hostile tar (bad checksum, truncated entry,
 *   oversized header, absolute or `..` name, link out of the archive), an archive that is neither
 *   an OCI layout nor a `docker save`, or invalid JSON in it.
 * @throws {NotFoundError} When the path does not exist, or an OCI archive lacks `index.json`.
 * @throws {UnsupportedError} When `imageLayoutVersion` is not `1.0.0`.
 *
 * @example An OCI archive built in memory
 * ```ts
 * import { openArchive } from "@ocistore/ocistore/archive";
 * import { digestOf } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * function tar(files: Record<string, Uint8Array<ArrayBuffer>>): Blob {
 *   const blocks: Uint8Array<ArrayBuffer>[] = [];
 *   for (const [name, data] of Object.entries(files)) {
 *     const header = new Uint8Array(512);
 *     const put = (text: string, at: number) => header.set(new TextEncoder().encode(text), at);
 *     put(name, 0);
 *     put("0000644\0", 100);
 *     put(data.length.toString(8).padStart(11, "0") + "\0", 124);
 *     put("        ", 148);
 *     put("0", 156);
 *     put("ustar\x0000", 257);
 *     put((header.reduce((a, b) => a + b, 0).toString(8).padStart(6, "0")) + "\0 ", 148);
 *     blocks.push(header, data, new Uint8Array((512 - (data.length % 512)) % 512));
 *   }
 *   return new Blob([...blocks, new Uint8Array(1024)]);
 * }
 *
 * const text = (s: string) => new TextEncoder().encode(s);
 * const manifest = text('{"schemaVersion":2}');
 * const digest = await digestOf(manifest);
 * const archive = tar({
 *   "oci-layout": text('{"imageLayoutVersion":"1.0.0"}'),
 *   "index.json": text(JSON.stringify({
 *     schemaVersion: 2,
 *     manifests: [{
 *       mediaType: "application/vnd.oci.image.manifest.v1+json",
 *       digest,
 *       size: manifest.length,
 *       annotations: { "io.containerd.image.name": "docker.io/library/demo:1" },
 *     }],
 *   })),
 *   [`blobs/sha256/${digest.slice(7)}`]: manifest,
 * });
 *
 * const source = await openArchive(archive);
 * const image = await source.images.get("docker.io/library/demo:1");
 * assertEquals(await source.content.read(image.target), manifest);
 * ```
 */
export async function openArchive(
  readerOrBlob: ByteReader | Blob,
  options: ArchiveOptions = {},
): Promise<ImageSource> {
  let reader: ByteReader;
  let label = options.label ?? "archive";
  if (typeof Blob !== "undefined" && readerOrBlob instanceof Blob) {
    reader = blobReader(readerOrBlob);
    const name = (readerOrBlob as { name?: unknown }).name;
    if (!options.label && typeof name === "string") label = `archive "${name}"`;
  } else if (
    typeof readerOrBlob === "object" && readerOrBlob !== null &&
    typeof (readerOrBlob as ByteReader).readRange === "function"
  ) {
    reader = readerOrBlob as ByteReader;
  } else {
    throw new TypeError(
      `Cannot open archive: expected a Blob or a ByteReader, found ${describeValue(readerOrBlob)}`,
    );
  }
  try {
    const tar = await _gunzipIfNeeded(reader, label, options.inflate);
    const index = await indexTar(tar, label);
    let source: ImageSource;
    const format = options.format;
    const kind = index.files.has("oci-layout")
      ? "an OCI layout archive (oci-layout)"
      : index.files.has("manifest.json")
      ? "a docker save archive (manifest.json)"
      : "neither";
    if (format === "oci" && !index.files.has("oci-layout")) {
      throw new InvalidArgumentError(
        `Cannot open ${label}: expected an OCI layout archive (oci-layout), found ${kind}`,
      );
    }
    if (format === "docker" && !index.files.has("manifest.json")) {
      throw new InvalidArgumentError(
        `Cannot open ${label}: expected a docker save archive (manifest.json), found ${kind}`,
      );
    }
    if (index.files.has("oci-layout") && format !== "docker") {
      source = await openLayoutFiles(tarFiles(tar, index, label), label, options);
    } else if (index.files.has("manifest.json")) {
      const docker = await importDockerArchive(tarFiles(tar, index, label), index, label);
      const files = tarFiles(tar, index, label, docker.aliases);
      source = layoutSource(files, label, docker.entries, { ...options, extra: docker.extra });
    } else {
      throw new InvalidArgumentError(
        `Cannot open ${label}: expected an OCI layout (oci-layout) or a docker save archive (manifest.json), found neither`,
      );
    }
    return { ...source, close: async () => await reader.close?.() };
  } catch (error) {
    await reader.close?.();
    throw error;
  }
}

async function _gunzipIfNeeded(
  reader: ByteReader,
  label: string,
  inflate: ArchiveOptions["inflate"],
): Promise<ByteReader> {
  return compressionOf(await reader.readRange(0, 4)) === "gzip"
    ? gunzipReader(reader, label, inflate)
    : reader;
}
