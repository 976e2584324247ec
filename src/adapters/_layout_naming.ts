/** How `ctr images import` names the entries of a layout's or archive's index (shared by both adapters). */
import type { ImageRecord, ImageSource } from "../core/content.ts";
import { InvalidArgumentError, NotFoundError } from "../core/errors.ts";
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
