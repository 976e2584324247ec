/** Shared by the layout and archive adapters: an OCI image layout over `Files`, as containerd imports it. */
import type {
  BlobInfo,
  ContentProvider,
  ImageRecord,
  ImageSource,
  ReadOptions,
} from "../core/content.ts";
import { parseDigest } from "../core/digest.ts";
import { parseDescriptor } from "../core/descriptor.ts";
import { IMPORT_DOCUMENT_LIMIT } from "../core/documents.ts";
import {
  describeValue,
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
  /**
   * What `ctr images import` does without `--base-name` (its `import-<YYYY-MM-DD>`): tag-only names
   * become `<defaultBaseName>:<tag>` and full references are all kept. Ignored when `baseName` is
   * given; without either, tag-only names are left out.
   */
  readonly defaultBaseName?: string;
  /** Also name every entry `<baseName>@<digest>`, like `ctr images import --digests`. */
  readonly digestRefs?: boolean;
  /**
   * Keep only the entries skopeo's `oci:DIR:REF` and `docker-archive:FILE:REF` pick: by
   * `org.opencontainers.image.ref.name`, by `io.containerd.image.name`, or by position (`@INDEX`:
   * the index.json entry, or the manifest.json entry of a `docker save`). A picked entry without
   * a name is named `<baseName>@<digest>`. Nothing picked is a `NotFoundError`.
   */
  readonly select?: EntrySelector;
}

/** Which entries {@link NamingOptions.select} keeps. */
export type EntrySelector =
  | { readonly refName: string }
  | { readonly imageName: string }
  | { readonly index: number };

/**
 * The annotation the `docker save` import puts on each entry it synthesizes: the position of its
 * `manifest.json` entry (one entry there may become several, one per RepoTag).
 */
export const SOURCE_INDEX_ANNOTATION = "io.ocistore.source-index";

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
      const problem = error.message.endsWith("no such directory")
        ? "no such directory"
        : `${path} is missing`;
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
 * `FilterRefPrefix` translator for `baseName`, `AddRefPrefix` for `defaultBaseName`, then
 * `DigestTranslator`): a later entry with the same name replaces the target of the earlier one, as
 * `images.Store.Update` does. Targets keep what containerd stores: media type, digest and size.
 */
export function imageRecords(
  entries: readonly Descriptor[],
  options: NamingOptions,
  label = "the source",
): ImageRecord[] {
  const { digestRefs, select } = options;
  const prefix = options.baseName ?? options.defaultBaseName;
  if (digestRefs && !prefix) {
    throw new InvalidArgumentError("Cannot name images by digest: expected a baseName, found none");
  }
  const picked = select === undefined ? entries : _select(entries, select, label);
  const records = new Map<string, ImageRecord>();
  for (const entry of picked) {
    const target: Descriptor = {
      mediaType: entry.mediaType,
      digest: entry.digest,
      size: entry.size,
    };
    const name = imageName(entry.annotations ?? {}, options.baseName, options.defaultBaseName);
    if (name) records.set(name, { name, target, labels: {} });
    if (digestRefs || (select !== undefined && !name && prefix)) {
      const ref = `${prefix}@${entry.digest}`;
      records.set(ref, { name: ref, target, labels: {} });
    }
  }
  return [...records.values()];
}

function _select(
  entries: readonly Descriptor[],
  select: EntrySelector,
  label: string,
): Descriptor[] {
  const position = (entry: Descriptor, i: number) =>
    Number(entry.annotations?.[SOURCE_INDEX_ANNOTATION] ?? i);
  const picked = entries.filter((entry, i) =>
    "index" in select
      ? position(entry, i) === select.index
      : "refName" in select
      ? entry.annotations?.[_ANNOTATION_REF_NAME] === select.refName
      : entry.annotations?.[_ANNOTATION_IMAGE_NAME] === select.imageName
  );
  if (picked.length === 0) {
    const count = new Set(entries.map(position)).size;
    const wanted = "index" in select
      ? `entry @${select.index}`
      : `reference "${"refName" in select ? select.refName : select.imageName}"`;
    throw new NotFoundError(
      `Cannot find ${wanted} in ${label}: expected one of its ${count} entr${
        count === 1 ? "y" : "ies"
      }${"index" in select ? ` (@0 to @${count - 1})` : ""}, found none`,
    );
  }
  return picked;
}

/**
 * The name ctr gives one entry: `io.containerd.image.name`, else the
 * `org.opencontainers.image.ref.name` translated (a tag-only one prefixed with the base name).
 */
export function imageName(
  annotations: Readonly<Record<string, string>>,
  baseName: string | undefined,
  defaultBaseName?: string,
): string {
  const full = annotations[_ANNOTATION_IMAGE_NAME];
  if (full) return full;
  const ref = annotations[_ANNOTATION_REF_NAME];
  if (!ref) return "";
  if (/[/:@]/.test(ref)) return baseName === undefined || _hasImagePrefix(ref, baseName) ? ref : "";
  const prefix = baseName ?? defaultBaseName;
  return prefix ? `${prefix}:${ref}` : "";
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
