/**
 * The store's memory, as containerd's CRI image store keeps it: references to image IDs, and the
 * images by ID (full or truncated). `apply` is containerd's `Store.update`; changes are announced.
 */
import { ImageTable } from "./_image_table.ts";
import type { Image } from "./types.ts";
import { NotFoundError, wrapError } from "./errors.ts";

/** A change of what a reference points at. */
export interface ImageChange {
  /** `added`: a new reference; `updated`: it points elsewhere or its pin changed; `removed`: it is gone. */
  readonly type: "added" | "updated" | "removed";
  /** The reference. */
  readonly reference: string;
  /** The image ID it pointed at before (`updated`, `removed`). */
  readonly oldId?: string;
  /** The image ID it points at now (`added`, `updated`). */
  readonly newId?: string;
}

/** References and images in memory, with containerd's update rules. */
export class ImageCache {
  readonly #refCache = new Map<string, string>();
  readonly #table = new ImageTable();
  readonly #listeners = new Set<(change: ImageChange) => void>();

  /** Records an image as containerd's `NewFakeStore` does: each of its references resolves to it. */
  seed(image: Image): void {
    for (const ref of image.references) this.#refCache.set(ref, image.id);
    try {
      this.#table.add(image);
    } catch (error) {
      throw wrapError(error, `Cannot add image ${image.id}`);
    }
  }

  /** The image ID a reference points at. */
  resolve(ref: string): string {
    const id = this.#refCache.get(ref);
    if (id === undefined) {
      throw new NotFoundError(`Cannot resolve "${ref}": the store has no such reference`);
    }
    return id;
  }

  /** The image with this full or truncated ID. */
  get(id: string): Image {
    return this.#table.get(id);
  }

  /** Every image, in the order they were added. */
  list(): Image[] {
    return this.#table.list();
  }

  /** The references held. */
  references(): IterableIterator<string> {
    return this.#refCache.keys();
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: ImageChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies a read image to the cache (containerd's `Store.update`); `undefined` means gone. */
  apply(ref: string, image: Image | undefined): void {
    const oldId = this.#refCache.get(ref);
    if (image === undefined) {
      if (oldId === undefined) return;
      this.#table.delete(oldId, ref);
      this.#refCache.delete(ref);
      this.#emit({ type: "removed", reference: ref, oldId });
      return;
    }
    if (oldId !== undefined) {
      if (oldId === image.id) {
        if (this.#table.isPinned(image.id, ref) === image.pinned) return;
        if (image.pinned) this.#table.pin(image.id, ref);
        else this.#table.unpin(image.id, ref);
        this.#emit({ type: "updated", reference: ref, oldId, newId: image.id });
        return;
      }
      this.#table.delete(oldId, ref);
    }
    this.#refCache.set(ref, image.id);
    try {
      this.#table.add(image);
    } catch (error) {
      throw wrapError(error, `Cannot add image "${ref}"`);
    }
    this.#emit(
      oldId === undefined
        ? { type: "added", reference: ref, newId: image.id }
        : { type: "updated", reference: ref, oldId, newId: image.id },
    );
  }

  #emit(change: ImageChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}
