/** Images as the CRI reports them: containerd's `toCRIImage` and crictl's listing order. */
import type { Image } from "../core/image_store.ts";
import { formatReference } from "../core/reference.ts";
import { parseAnyReference } from "../core/normalize.ts";

/** A CRI `runtime.Image`, with the fields crictl prints. */
export interface CriImage {
  /** The image ID (`sha256:…`). */
  readonly id: string;
  /** Normalized references with a tag and no digest. */
  readonly repoTags: readonly string[];
  /** Normalized references with a digest. */
  readonly repoDigests: readonly string[];
  /** Size in bytes. */
  readonly size: number;
  /** The numeric user of the image config as a decimal int64, when it names one. */
  readonly uid?: string;
  /** The user name of the image config, when it is not numeric. */
  readonly username: string;
  /** Whether the image is pinned. */
  readonly pinned: boolean;
}

/** What {@link parseImageReferences} found. */
export interface ParsedImageReferences {
  /** The tagged references, normalized. */
  readonly repoTags: string[];
  /** The digested references, normalized. */
  readonly repoDigests: string[];
  /** The references that do not parse, with why (containerd skips them silently). */
  readonly invalid: { readonly reference: string; readonly error: Error }[];
}

/**
 * Splits an image's references into repo tags and repo digests as containerd's CRI does
 * (`ParseImageReferences`): each is parsed with `ParseAnyReference`; one with a digest is a repo
 * digest, one with only a tag a repo tag; names without either (and bare IDs) are dropped.
 *
 * @param references The image's references.
 * @returns Tags, digests and the references that did not parse.
 * @example
 * ```ts
 * import { parseImageReferences } from "./cri_image.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const digest = "sha256:" + "a".repeat(64);
 * const found = parseImageReferences(["busybox:1", `busybox@${digest}`, "busybox", "Bad:Name"]);
 * assertEquals(found.repoTags, ["docker.io/library/busybox:1"]);
 * assertEquals(found.repoDigests, [`docker.io/library/busybox@${digest}`]);
 * assertEquals(found.invalid.map((i) => i.reference), ["Bad:Name"]);
 * ```
 */
export function parseImageReferences(references: readonly string[]): ParsedImageReferences {
  const repoTags: string[] = [];
  const repoDigests: string[] = [];
  const invalid: { reference: string; error: Error }[] = [];
  for (const reference of references) {
    let parsed;
    try {
      parsed = parseAnyReference(reference);
    } catch (error) {
      invalid.push({ reference, error: error as Error });
      continue;
    }
    if (parsed.path === "") continue;
    if (parsed.digest !== undefined) repoDigests.push(formatReference(parsed));
    else if (parsed.tag !== undefined) repoTags.push(formatReference(parsed));
  }
  return { repoTags, repoDigests, invalid };
}

/**
 * The CRI view of a store image (containerd's `toCRIImage`): repo tags and digests from its
 * references, and the config's `User` as a numeric uid or a user name (`uid:gid` keeps the uid).
 *
 * @param image The store image.
 * @returns The CRI image.
 * @example
 * ```ts
 * import { toCriImage } from "./cri_image.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const cri = toCriImage({
 *   id: "sha256:" + "a".repeat(64), references: ["example.com/app:1"], chainId: "", size: 10,
 *   pinned: false,
 *   imageSpec: { os: "linux", architecture: "amd64", config: { User: "1000:1000" },
 *     rootfs: { type: "layers", diff_ids: [] } },
 * });
 * assertEquals([cri.repoTags, cri.uid, cri.username], [["example.com/app:1"], "1000", ""]);
 * ```
 */
export function toCriImage(image: Image): CriImage {
  const { repoTags, repoDigests } = parseImageReferences(image.references);
  const user = (image.imageSpec.config?.User ?? "").split(":")[0];
  const uid = _parseInt64(user);
  return {
    id: image.id,
    repoTags,
    repoDigests,
    size: image.size,
    ...(uid !== undefined ? { uid } : {}),
    username: uid !== undefined ? "" : user,
    pinned: image.pinned,
  };
}

/**
 * Orders images as `crictl images` does (`imageByRef`): by first repo tag when both have one,
 * else by first repo digest when both have one, else by ID. That rule is not a total order, so
 * the algorithm matters: up to 12 images this is Go's insertion sort, exactly what crictl's
 * `sort.Sort` does; beyond, a stable merge sort. Either way every runtime prints the same order.
 *
 * @param images The images.
 * @returns A sorted copy.
 * @example
 * ```ts
 * import { sortCriImages } from "./cri_image.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const image = (id: string, tag?: string) =>
 *   ({ id, repoTags: tag ? [tag] : [], repoDigests: [], size: 0, username: "", pinned: false });
 * const sorted = sortCriImages([image("sha256:2", "b:1"), image("sha256:1", "a:1")]);
 * assertEquals(sorted.map((i) => i.id), ["sha256:1", "sha256:2"]);
 * ```
 */
export function sortCriImages(images: readonly CriImage[]): CriImage[] {
  const less = (a: CriImage, b: CriImage): boolean => {
    if (a.repoTags.length > 0 && b.repoTags.length > 0) return a.repoTags[0] < b.repoTags[0];
    if (a.repoDigests.length > 0 && b.repoDigests.length > 0) {
      return a.repoDigests[0] < b.repoDigests[0];
    }
    return a.id < b.id;
  };
  const items = [...images];
  if (items.length <= 12) {
    for (let i = 1; i < items.length; i++) {
      for (let j = i; j > 0 && less(items[j], items[j - 1]); j--) {
        [items[j], items[j - 1]] = [items[j - 1], items[j]];
      }
    }
    return items;
  }
  const sort = (part: CriImage[]): CriImage[] => {
    if (part.length < 2) return part;
    const middle = part.length >> 1;
    const left = sort(part.slice(0, middle));
    const right = sort(part.slice(middle));
    const out: CriImage[] = [];
    let i = 0;
    let j = 0;
    while (i < left.length && j < right.length) {
      out.push(less(right[j], left[i]) ? right[j++] : left[i++]);
    }
    return out.concat(left.slice(i), right.slice(j));
  };
  return sort(items);
}

/** Go's `strconv.ParseInt(text, 10, 64)` printed back in decimal, or undefined when it fails. */
function _parseInt64(text: string): string | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value < -(2n ** 63n) || value >= 2n ** 63n) return undefined;
  return value.toString();
}
