/** Finding an image by reference or ID the way containerd's CRI `LocalResolve` does. */
import { tryParseDigest } from "../core/digest.ts";
import { OciStoreError } from "../core/errors.ts";
import type { Image, ImageStore } from "../core/image_store.ts";
import { parseDockerRef, printedName } from "../core/normalize.ts";
import { formatReference } from "../core/reference.ts";
import { ImageNameError } from "./image_name_error.ts";

/** What {@link localResolve} found. */
export interface ResolvedImage {
  /** The image. */
  readonly image: Image;
  /** The store reference that named it, when found by reference rather than by ID. */
  readonly reference?: string;
}

/**
 * Finds an image as containerd's CRI `LocalResolve`: a digest is an image ID; otherwise the text is
 * normalized (`busybox` → `docker.io/library/busybox:latest`) and resolved; beyond containerd, a
 * reference stored verbatim but not normalized (`app:1`) is tried as written, and the name
 * `images` prints for it (`docker.io/library/app:1`) finds it too; last, the text is an image ID
 * or a unique prefix of one.
 *
 * @param store The image store.
 * @param refOrId A reference, an image ID, or a unique ID prefix.
 * @returns The image, and the reference when one matched.
 * @throws {ImageNameError} When the text is neither a reference nor a hex ID prefix (and no stored
 *   reference is spelt so), naming the grammar rule it breaks.
 * @throws {NotFoundError} When nothing matches.
 * @throws {AmbiguousDigestError} When an ID prefix fits several images (the message says how many).
 * @example
 * ```ts
 * import { ImageStore } from "@ocistore/ocistore";
 * import { localResolve } from "./local_resolve.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const id = "sha256:" + "ab".repeat(32);
 * const store = ImageStore.fromImages([{
 *   id, references: ["docker.io/library/busybox:latest"], chainId: "", size: 1, pinned: false,
 *   imageSpec: { os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [] } },
 * }]);
 * assertEquals(localResolve(store, "busybox").reference, "docker.io/library/busybox:latest");
 * assertEquals(localResolve(store, "abab").image.id, id);
 *
 * const stored = ImageStore.fromImages([{
 *   id, references: ["import-2026-12-07:v1"], chainId: "", size: 1, pinned: false,
 *   imageSpec: { os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [] } },
 * }]);
 * const printed = localResolve(stored, "docker.io/library/import-2026-12-07:v1");
 * assertEquals(printed.reference, "import-2026-12-07:v1");
 * ```
 */
export function localResolve(store: ImageStore, refOrId: string): ResolvedImage {
  if (tryParseDigest(refOrId) !== undefined) return { image: store.get(refOrId) };
  for (const reference of referenceCandidates(refOrId)) {
    let id: string;
    try {
      id = store.resolve(reference);
    } catch {
      continue;
    }
    return { image: store.get(id), reference };
  }
  const printed = printedName(refOrId);
  if (printed !== undefined) {
    for (const image of store.list()) {
      const reference = image.references.find((stored) => printedName(stored) === printed);
      if (reference !== undefined) return { image, reference };
    }
  }
  if (!/^(?:sha256:)?[0-9a-f]+$/.test(refOrId)) _refuseNonName(refOrId);
  return { image: store.get(refOrId) };
}

/** Throws when `text` does not parse as a reference: it can then name nothing. */
function _refuseNonName(text: string): void {
  try {
    parseDockerRef(text);
  } catch (error) {
    if (!(error instanceof OciStoreError)) throw error;
    const problem = error.problem ?? error.message;
    throw new ImageNameError(
      `Cannot look up image "${text}": it is neither an image ID prefix (lowercase hex) nor a ` +
        `reference: ${problem}`,
      { cause: error, problem, ...(error.reason && { reason: error.reason }) },
    );
  }
}

/** The full form `images` prints for a name; the store's warnings name images by it too. */
export { printedName };

/**
 * The store names text may mean, in the order {@link localResolve} tries them: normalized
 * (`busybox` → `docker.io/library/busybox:latest`) when it parses, then as written.
 *
 * @param text A reference as the user typed it.
 * @returns One or two names.
 * @example
 * ```ts
 * import { referenceCandidates } from "./local_resolve.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(referenceCandidates("app:1"), ["docker.io/library/app:1", "app:1"]);
 * assertEquals(referenceCandidates("Not::Valid"), ["Not::Valid"]);
 * ```
 */
export function referenceCandidates(text: string): string[] {
  try {
    return [formatReference(parseDockerRef(text)), text];
  } catch {
    // Not a reference; it may still be an ID prefix.
    return [text];
  }
}
