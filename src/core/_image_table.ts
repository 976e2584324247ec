/** The store's inner table: images by ID, found by full or truncated ID, with per-reference pins. */
import { DigestSet } from "./digest_set.ts";
import { NotFoundError, OciStoreError } from "./errors.ts";
import { sortReferences } from "./sort_references.ts";
import type { ImageConfig } from "./types.ts";

/** An image as containerd's CRI keeps it. Treat it as immutable. */
export interface Image {
  /** The image ID: the digest of its config. */
  readonly id: string;
  /** Every reference (image name) that points at it. */
  readonly references: readonly string[];
  /** The chain ID of its layers (`""` without layers). */
  readonly chainId: string;
  /** The compressed size for the store's platform, from descriptor sizes. */
  readonly size: number;
  /** The parsed image config. */
  readonly imageSpec: ImageConfig;
  /** Whether a reference marked it pinned (kept from garbage collection). */
  readonly pinned: boolean;
}

function _isNotFound(error: unknown): boolean {
  return error instanceof OciStoreError && error.code === "NOT_FOUND";
}

/** The inner `store` of containerd's CRI image store (HEAD: with per-reference pin tracking). */
export class ImageTable {
  readonly #images = new Map<string, Image>();
  readonly #ids = new DigestSet();
  readonly #pinnedRefs = new Map<string, Set<string>>();

  /** Adds an image, or merges its references and pin into the image with the same ID. */
  add(image: Image): void {
    try {
      this.#ids.lookup(image.id);
    } catch (error) {
      if (!_isNotFound(error)) throw error;
      this.#ids.add(image.id);
    }
    if (image.pinned) {
      const refs = this.#pinnedRefs.get(image.id);
      if (refs) { for (const ref of image.references) refs.add(ref); }
      else this.#pinnedRefs.set(image.id, new Set(image.references));
    }
    const existing = this.#images.get(image.id);
    if (!existing) {
      this.#images.set(image.id, image);
      return;
    }
    const merged = [...new Set([...existing.references, ...image.references])];
    this.#images.set(image.id, {
      ...existing,
      references: sortReferences(merged),
      pinned: existing.pinned || image.pinned,
    });
  }

  /** The image with this full or truncated ID; ambiguity surfaces as `AmbiguousDigestError`. */
  get(id: string): Image {
    const digest = this.#ids.lookup(id);
    const image = this.#images.get(digest);
    if (!image) throw new NotFoundError(`Cannot find image "${id}": no image has that ID`);
    return image;
  }

  /** Every image, in insertion order. */
  list(): Image[] {
    return [...this.#images.values()];
  }

  /** Removes `ref` (case-insensitively) from the image; drops the image when no reference is left. */
  delete(id: string, ref: string): void {
    let digest: string;
    try {
      digest = this.#ids.lookup(id);
    } catch {
      return; // containerd ignores lookup failures here, truncated or ambiguous IDs included
    }
    const image = this.#images.get(digest);
    if (!image) return;
    const folded = ref.toLowerCase();
    const references = image.references.filter((r) => r.toLowerCase() !== folded);
    if (references.length > 0) {
      let pinned = image.pinned;
      const refs = this.#pinnedRefs.get(digest);
      if (refs) {
        refs.delete(ref);
        if (refs.size === 0) {
          pinned = false;
          this.#pinnedRefs.delete(digest);
        }
      }
      this.#images.set(digest, { ...image, references, pinned });
      return;
    }
    this.#ids.remove(digest);
    this.#images.delete(digest);
    this.#pinnedRefs.delete(digest);
  }

  /** Whether `ref` pins the image with this ID. */
  isPinned(id: string, ref: string): boolean {
    try {
      return this.#pinnedRefs.get(this.#ids.lookup(id))?.has(ref) ?? false;
    } catch {
      return false;
    }
  }

  /** Records that `ref` pins the image. */
  pin(id: string, ref: string): void {
    const image = this.get(id);
    const refs = this.#pinnedRefs.get(image.id);
    if (refs) refs.add(ref);
    else this.#pinnedRefs.set(image.id, new Set([ref]));
    this.#images.set(image.id, { ...image, pinned: true });
  }

  /** Records that `ref` no longer pins the image; the image is unpinned when no pin is left. */
  unpin(id: string, ref: string): void {
    const image = this.get(id);
    const refs = this.#pinnedRefs.get(image.id);
    if (!refs) return;
    refs.delete(ref);
    if (refs.size === 0) {
      this.#pinnedRefs.delete(image.id);
      this.#images.set(image.id, { ...image, pinned: false });
    }
  }
}
