/** Opening an OCI image layout over `Files`: `oci-layout`, `index.json` and its entries (shared by the layout and archive adapters). */
import type { ImageSource } from "../core/content.ts";
import { parseDescriptor } from "../core/descriptor.ts";
import { IMPORT_DOCUMENT_LIMIT } from "../core/documents.ts";
import {
  describeValue,
  InvalidArgumentError,
  NotFoundError,
  UnsupportedError,
} from "../core/errors.ts";
import type { Files } from "../core/files.ts";
import type { Descriptor } from "../core/types.ts";

import { imageLister, imageRecords, type NamingOptions } from "./_layout_naming.ts";

export type { NamingOptions };
import { layoutContent } from "./_layout_content.ts";

/**
 * Opens the layout in `files`: checks `oci-layout`, reads `index.json` once, and serves its blobs
 * (plus `extra` in-memory blobs, keyed by digest) by validated digest only.
 */
export async function openLayoutFiles(
  files: Files,
  label: string,
  options: NamingOptions & { extra?: ReadonlyMap<string, Uint8Array> } = {},
): Promise<ImageSource> {
  const what = `Cannot open ${label}`;
  const layout = await readJsonFile(files, "oci-layout", what);
  const version = (layout as { imageLayoutVersion?: unknown })?.imageLayoutVersion;
  if (version !== "1.0.0") {
    throw new UnsupportedError(
      `${what}: expected imageLayoutVersion "1.0.0" in oci-layout, found ${
        JSON.stringify(version)
      }`,
    );
  }
  const index = await readJsonFile(files, "index.json", what);
  return layoutSource(files, label, parseIndexEntries(index, "index.json", what), options);
}

/** The source over `files` whose image records come from `entries` (an index's manifests). */
export function layoutSource(
  files: Files,
  label: string,
  entries: readonly Descriptor[],
  options: NamingOptions & { extra?: ReadonlyMap<string, Uint8Array> } = {},
): ImageSource {
  return {
    content: layoutContent(files, label, options.extra),
    images: imageLister(imageRecords(entries, options, label), label),
  };
}

/** Reads and parses a JSON file, with errors naming the file and the problem. */
export async function readJsonFile(files: Files, path: string, what: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await files.read(path);
  } catch (error) {
    if (error instanceof NotFoundError) {
      // A missing directory is the news, not the file missing in it (nodeFiles says which).
      const problem = error.missing === "directory" ? "no such directory" : `${path} is missing`;
      throw new NotFoundError(`${what}: ${problem}`, { cause: error });
    }
    throw error;
  }
  return parseJsonBytes(bytes, `${what}: ${path}`);
}

/** Parses JSON bytes, capped at containerd's importer limit; `where` starts the error message. */
export function parseJsonBytes(bytes: Uint8Array, where: string): unknown {
  if (bytes.length > IMPORT_DOCUMENT_LIMIT) {
    throw new InvalidArgumentError(
      `${where} is too large: expected at most 20 MiB, found ${bytes.length} bytes`,
    );
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new InvalidArgumentError(`${where} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The `manifests` of an index document, each checked to be a descriptor with a valid digest. */
export function parseIndexEntries(index: unknown, file: string, what: string): Descriptor[] {
  const where = `${what}: ${file}`;
  if (typeof index !== "object" || index === null || Array.isArray(index)) {
    throw new InvalidArgumentError(
      `${where}: expected a JSON object, found ${describeValue(index)}`,
    );
  }
  const manifests = (index as { manifests?: unknown }).manifests;
  if (manifests === undefined || manifests === null) return [];
  if (!Array.isArray(manifests)) {
    throw new InvalidArgumentError(
      `${where}: expected "manifests" to be an array, found ${describeValue(manifests)}`,
    );
  }
  return manifests.map((entry, i) => checkDescriptor(entry, `${file} manifests[${i}]`, what));
}

/** Parses a descriptor with core's `parseDescriptor`, its message starting with `what`. */
export function checkDescriptor(value: unknown, where: string, what: string): Descriptor {
  return parseDescriptor(value, where, `${what}: cannot parse`);
}
