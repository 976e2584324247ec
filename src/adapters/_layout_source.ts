/** Shared by the layout and archive adapters: an OCI image layout over `Files`, as containerd imports it. */
import type {
  BlobInfo,
  ContentProvider,
  ImageRecord,
  ImageSource,
  ReadOptions,
} from "../core/content.ts";
import { parseDigest } from "../core/digest.ts";
import { parseDescriptor } from "../core/documents.ts";
import {
  InvalidArgumentError,
  NotFoundError,
  OciStoreError,
  UnsupportedError,
} from "../core/errors.ts";
import type { Files } from "../core/files.ts";
import type { Descriptor } from "../core/types.ts";

/** How index entries become image names (containerd's `ctr images import` options). */
export interface NamingOptions {
  /**
   * The repository for tag-only `org.opencontainers.image.ref.name` annotations, like
   * `ctr images import --base-name`: `latest` becomes `<baseName>:latest`, and a full reference
   * outside `baseName` is dropped.
   */
  readonly baseName?: string;
  /** Also name every entry `<baseName>@<digest>`, like `ctr images import --digests`. */
  readonly digestRefs?: boolean;
}

/** JSON documents of a layout or archive are read with containerd's 20 MiB cap. */
export const JSON_LIMIT: number = 20 * 1024 * 1024;
const _ANNOTATION_IMAGE_NAME = "io.containerd.image.name";
const _ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";

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
    images: imageLister(imageRecords(entries, options), label),
  };
}

/** Reads and parses a JSON file, with errors naming the file and the problem. */
export async function readJsonFile(files: Files, path: string, what: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await files.read(path);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new NotFoundError(`${what}: ${path} is missing`, { cause: error });
    }
    throw error;
  }
  return parseJsonBytes(bytes, `${what}: ${path}`);
}

/** Parses JSON bytes, capped at {@link JSON_LIMIT}; `where` starts the error message. */
export function parseJsonBytes(bytes: Uint8Array, where: string): unknown {
  if (bytes.length > JSON_LIMIT) {
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
    throw new InvalidArgumentError(`${where}: expected a JSON object, found ${_kind(index)}`);
  }
  const manifests = (index as { manifests?: unknown }).manifests;
  if (manifests === undefined || manifests === null) return [];
  if (!Array.isArray(manifests)) {
    throw new InvalidArgumentError(
      `${where}: expected "manifests" to be an array, found ${_kind(manifests)}`,
    );
  }
  return manifests.map((entry, i) => checkDescriptor(entry, `${file} manifests[${i}]`, what));
}

/** Parses a descriptor with core's `parseDescriptor`, the error prefixed with `where`. */
export function checkDescriptor(value: unknown, where: string, what: string): Descriptor {
  try {
    return parseDescriptor(value, where);
  } catch (error) {
    if (!(error instanceof OciStoreError)) throw error;
    const message = `${what}: ${error.message.replace(/^Cannot/, "cannot")}`;
    throw error instanceof UnsupportedError
      ? new UnsupportedError(message, { cause: error })
      : new InvalidArgumentError(message, { cause: error });
  }
}

/**
 * The image records containerd's import creates for index entries (`imageName` with ctr's
 * `FilterRefPrefix` translator, then `DigestTranslator`): a later entry with the same name replaces
 * the target of the earlier one, as `images.Store.Update` does. Targets keep what containerd stores:
 * media type, digest and size.
 */
export function imageRecords(
  entries: readonly Descriptor[],
  options: NamingOptions,
): ImageRecord[] {
  const { baseName, digestRefs } = options;
  if (digestRefs && !baseName) {
    throw new InvalidArgumentError("Cannot name images by digest: expected a baseName, found none");
  }
  const records = new Map<string, ImageRecord>();
  for (const entry of entries) {
    const target: Descriptor = {
      mediaType: entry.mediaType,
      digest: entry.digest,
      size: entry.size,
    };
    const name = imageName(entry.annotations ?? {}, baseName);
    if (name) records.set(name, { name, target, labels: {} });
    if (digestRefs) {
      const ref = `${baseName}@${entry.digest}`;
      records.set(ref, { name: ref, target, labels: {} });
    }
  }
  return [...records.values()];
}

function imageName(
  annotations: Readonly<Record<string, string>>,
  baseName: string | undefined,
): string {
  const full = annotations[_ANNOTATION_IMAGE_NAME];
  if (full) return full;
  const ref = annotations[_ANNOTATION_REF_NAME];
  if (!ref) return "";
  if (/[/:@]/.test(ref)) return baseName === undefined || _hasImagePrefix(ref, baseName) ? ref : "";
  return baseName ? `${baseName}:${ref}` : "";
}

function _hasImagePrefix(ref: string, prefix: string): boolean {
  return ref.startsWith(prefix) &&
    (ref.length === prefix.length || "/:@".includes(ref[prefix.length]));
}

/** Image records looked up by exact name. */
export function imageLister(records: readonly ImageRecord[], label: string): ImageSource["images"] {
  const byName = new Map(records.map((r) => [r.name, r]));
  return {
    get(name: string): Promise<ImageRecord> {
      const record = byName.get(name);
      if (record) return Promise.resolve(record);
      return Promise.reject(new NotFoundError(`Cannot find image "${name}" in ${label}`));
    },
    list(): Promise<ImageRecord[]> {
      return Promise.resolve([...records]);
    },
  };
}

/** Blobs at `blobs/<algorithm>/<encoded>`, the path built only from a parsed digest. */
export function layoutContent(
  files: Files,
  label: string,
  extra: ReadonlyMap<string, Uint8Array> = new Map(),
): ContentProvider {
  async function attempt<T>(digest: string, io: (path: string) => Promise<T>): Promise<T> {
    if (typeof digest !== "string") {
      throw new TypeError("Cannot read blob: expected a string digest");
    }
    const { algorithm, encoded } = parseDigest(digest);
    try {
      return await io(`blobs/${algorithm}/${encoded}`);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new NotFoundError(`Cannot find blob "${digest}" in ${label}`, { cause: error });
      }
      throw error;
    }
  }
  return {
    async info(digest: string): Promise<BlobInfo> {
      const memory = extra.get(digest);
      if (memory) return { digest, size: memory.length };
      const stat = await attempt(digest, (path) => files.stat(path));
      if (!stat.isFile) {
        throw new NotFoundError(`Cannot find blob "${digest}" in ${label}: not a file`);
      }
      return { digest, size: stat.size };
    },
    async read(descriptor: Descriptor, options: ReadOptions = {}): Promise<Uint8Array> {
      const { offset, length } = options;
      const memory = extra.get(descriptor.digest);
      if (memory) {
        const start = offset ?? 0;
        return memory.slice(start, length === undefined ? undefined : start + length);
      }
      if (length === undefined) {
        const whole = await attempt(descriptor.digest, (path) => files.read(path));
        return offset ? whole.slice(offset) : whole;
      }
      return await attempt(descriptor.digest, (path) => files.readRange(path, offset ?? 0, length));
    },
  } satisfies ContentProvider;
}

function _kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
