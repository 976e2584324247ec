/** The store's inner table: images by ID, found by full or truncated ID, with per-reference pins. */
import { validateDigest } from "./digest.ts";
import { DigestSet } from "./digest_set.ts";
import { isNotFound, NotFoundError } from "./errors.ts";
import { _SortedReferences } from "./_reference_order.ts";
import type { Image } from "./types.ts";

// One image as the table holds it: the image as last handed out, and, once a second reference
// merged into it, its references kept in order incrementally (handed out as a new array only
// when someone asks, so N adds cost N binary insertions, not N copies and sorts).
interface _Entry {
  image: Image;
  sorted?: _SortedReferences;
  stale: boolean;
}

const _SHORTEST_DIGEST = "sha256:".length + 64;
/** Hex characters of a short image ID (what `crictl images` shows after `sha256:`). */
const _SHORT = 12;

// The first _SHORT hex characters of an ID or a lookup, after its algorithm if it names one.
function _shortKey(id: string): string {
  const start = id.indexOf(":") + 1;
  return id.slice(start, start + _SHORT);
}

// Whether a lookup's text is the start of a stored ID: of its hex for bare hex, else of it whole.
function _startsWith(stored: string, text: string): boolean {
  return stored.startsWith(text, text.includes(":") ? 0 : stored.indexOf(":") + 1);
}

/** The inner `store` of containerd's CRI image store (HEAD: with per-reference pin tracking). */
export class ImageTable {
  readonly #entries = new Map<string, _Entry>();
  #set = new DigestSet();
  // IDs added since the set was last needed: a sync of many images then builds it once, sorted
  // (or never: short-ID and full-ID lookups do not use it), instead of a search per add, which
  // was a tenth of a 100k-image sync() profile.
  #pending: string[] = [];
  readonly #pinnedRefs = new Map<string, Set<string>>();
  // Short IDs to the one entry whose ID starts with them, or to null once two IDs shared them.
  // Most lookups are a short ID or longer, and one probe here answers them; a miss or a shared
  // short ID takes the set's search, which also gives containerd's errors.
  readonly #short = new Map<string, _Entry | null>();

  /** Adds an image, or merges its references and pin into the image with the same ID. */
  add(image: Image): void {
    // A stored ID is its own exact match, so the lookup (and its NotFoundError) can be skipped;
    // so can it for a valid digest not stored yet: no other digest can match all of its hex.
    const stored = this.#entries.has(image.id);
    let added = !stored && validateDigest(image.id) === undefined;
    if (added) this.#pending.push(image.id);
    else if (!stored) {
      try {
        this.#ids.lookup(image.id);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.#ids.add(image.id);
        added = true;
      }
    }
    if (image.pinned) {
      const refs = this.#pinnedRefs.get(image.id);
      if (refs) { for (const ref of image.references) refs.add(ref); }
      else this.#pinnedRefs.set(image.id, new Set(image.references));
    }
    const entry = this.#entries.get(image.id);
    if (!entry) {
      const fresh = { image, stale: false };
      this.#entries.set(image.id, fresh);
      if (added) {
        const short = _shortKey(image.id);
        this.#short.set(short, this.#short.has(short) ? null : fresh);
      }
      return;
    }
    if (entry.sorted) entry.sorted.merge(image.references);
    else entry.sorted = new _SortedReferences(this.#image(entry).references, image.references);
    entry.stale = true;
    if (image.pinned && !entry.image.pinned) entry.image = { ...entry.image, pinned: true };
  }

  /** The image with this full or truncated ID; ambiguity surfaces as `AmbiguousDigestError`. */
  get(id: string): Image {
    // The only ID with this short ID is what the set's lookup finds when it starts with the text
    // (its hex, for bare hex; whole, for `<algorithm>:<hex>`), and nothing else can be. A hit on
    // text of the key's length is bare hex equal to the key: it needs no look at the ID, which
    // saves the random memory accesses that are most of a lookup's cost.
    const only = this.#short.get(_shortKey(id));
    if (only && (id.length === _SHORT || _startsWith(only.image.id, id))) return this.#image(only);
    // Every stored ID is a valid digest, so nothing shorter than the shortest one (sha256) can be a
    // key: a short ID skips the miss, one probe of a large Map.
    const entry = (id.length >= _SHORTEST_DIGEST ? this.#entries.get(id) : undefined) ??
      this.#entries.get(this.#ids.lookup(id));
    if (!entry) throw new NotFoundError(`Cannot find image "${id}": no image has that ID`);
    return this.#image(entry);
  }

  /** Every image, in insertion order. */
  list(): Image[] {
    const images = new Array<Image>(this.#entries.size);
    let i = 0;
    for (const entry of this.#entries.values()) images[i++] = this.#image(entry);
    return images;
  }

  /** Removes `ref` (case-insensitively) from the image; drops the image when no reference is left. */
  delete(id: string, ref: string): void {
    let digest: string;
    try {
      digest = this.#ids.lookup(id);
    } catch {
      return; // containerd ignores lookup failures here, truncated or ambiguous IDs included
    }
    const entry = this.#entries.get(digest);
    if (!entry) return;
    const folded = ref.toLowerCase();
    let remaining: number;
    if (entry.sorted) {
      entry.sorted.removeFolded(folded);
      entry.stale = true;
      remaining = entry.sorted.size;
    } else {
      const references = entry.image.references.filter((r) => r.toLowerCase() !== folded);
      entry.image = { ...entry.image, references };
      remaining = references.length;
    }
    if (remaining > 0) {
      const refs = this.#pinnedRefs.get(digest);
      if (refs) {
        refs.delete(ref);
        if (refs.size === 0) {
          this.#pinnedRefs.delete(digest);
          entry.image = { ...entry.image, pinned: false };
        }
      }
      return;
    }
    this.#ids.remove(digest);
    this.#entries.delete(digest);
    // A short ID once shared stays null: which IDs still share it is not kept, and the set's
    // search answers lookups of it.
    if (this.#short.get(_shortKey(digest)) === entry) this.#short.delete(_shortKey(digest));
    this.#pinnedRefs.delete(digest);
  }

  /** Whether `ref` pins the image with this ID. */
  isPinned(id: string, ref: string): boolean {
    try {
      const digest = this.#entries.has(id) ? id : this.#ids.lookup(id);
      return this.#pinnedRefs.get(digest)?.has(ref) ?? false;
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
    const entry = this.#entries.get(image.id)!;
    if (!entry.image.pinned) entry.image = { ...entry.image, pinned: true };
  }

  /** Records that `ref` no longer pins the image; the image is unpinned when no pin is left. */
  unpin(id: string, ref: string): void {
    const image = this.get(id);
    const refs = this.#pinnedRefs.get(image.id);
    if (!refs) return;
    refs.delete(ref);
    if (refs.size === 0) {
      this.#pinnedRefs.delete(image.id);
      const entry = this.#entries.get(image.id)!;
      entry.image = { ...entry.image, pinned: false };
    }
  }

  // The set of stored IDs, with the pending ones in it.
  get #ids(): DigestSet {
    const pending = this.#pending;
    if (pending.length === 0) return this.#set;
    this.#pending = [];
    if (pending.length * 8 > this.#set.size) {
      this.#set = new DigestSet([...this.#set.values(), ...pending]);
    } else for (const id of pending) this.#set.add(id);
    return this.#set;
  }

  #image(entry: _Entry): Image {
    if (entry.stale) {
      entry.image = { ...entry.image, references: entry.sorted!.list() };
      entry.stale = false;
    }
    return entry.image;
  }
}
