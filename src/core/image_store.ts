/** containerd's CRI image store: references to images, images by full or truncated ID. */
import { ImageCache, type ImageChange } from "./_image_cache.ts";
import { _loadImage, PINNED_LABEL } from "./_load_image.ts";
import { pool } from "./_pool.ts";
import type { ContentProvider, ImageGetter, ImageLister, ImageRecord } from "./content.ts";
import type { DigesterFactory } from "./digester.ts";
import { DocumentCache } from "./document_cache.ts";
import { isNotFound, NotFoundError, UnsupportedError, wrapError } from "./errors.ts";
import { DEFAULT_PLATFORM } from "./platform.ts";
import { type MatchComparer, only } from "./platform_matcher.ts";
import type { Image, Platform } from "./types.ts";

export type { Image } from "./types.ts";
export type { ImageChange } from "./_image_cache.ts";
export { PINNED_LABEL };

/** What a store reads: content, and image records by name (a listing enables `sync`). */
export interface ImageStoreSource {
  /** The blobs. */
  readonly content: ContentProvider;
  /** The image records. */
  readonly images: ImageGetter | ImageLister;
}

/** Options of an {@link ImageStore}. */
export interface ImageStoreOptions {
  /** Chooses the manifest of multi-platform images (default: `only(host)`, as the CRI's default). */
  readonly platform?: MatchComparer;
  /** The host platform (default linux/amd64); fills an empty OS in config platforms. */
  readonly host?: Platform;
  /** Parsed documents shared with other stores over the same content. */
  readonly cache?: DocumentCache;
  /** How many images `sync` loads at once (default 8). */
  readonly concurrency?: number;
  /** Hashes documents with this instead of the portable digester (e.g. the runtime's `nodeDigester`). */
  readonly digester?: DigesterFactory;
  /**
   * How errors name the image of a record (default: its name as stored). The CLI passes
   * `printedName` (core/normalize.ts), so a warning names the image as `images` prints it.
   */
  readonly nameImage?: (name: string) => string;
}

/** What {@link ImageStore.sync} did. */
export interface SyncResult {
  /** References the source lists and the store now holds. */
  readonly updated: readonly string[];
  /** References the store forgot because the source no longer lists them. */
  readonly removed: readonly string[];
  /** References whose image could not be read, with why; the store kept what it had for them. */
  readonly failures: readonly { readonly reference: string; readonly error: Error }[];
}

/**
 * containerd's CRI image store over a source: `update(ref)` reads the image a reference names
 * and records it by ID; `resolve`, `get` and `list` answer from memory, exactly as containerd
 * does, oddities included. Beyond containerd: updates of one reference apply in call order while
 * different references load in parallel, readers never see a half-applied update, each document is
 * read and parsed once, `sync()` mirrors a whole source, and changes are announced.
 *
 * @example
 * ```ts
 * import { ImageStore, only } from "@ocistore/ocistore";
 * import { memorySource } from "@ocistore/ocistore/memory";
 * import { assertEquals } from "@std/assert";
 *
 * const source = memorySource();
 * const image = await source.addImage({ layers: ["hello"] });
 * source.setRecord("docker.io/library/hello:1", image.manifest);
 * const store = new ImageStore(source, { platform: only({ os: "linux", architecture: "amd64" }) });
 * await store.update("docker.io/library/hello:1");
 * const id = store.resolve("docker.io/library/hello:1");
 * assertEquals(store.get(id.slice(7, 19)).references, ["docker.io/library/hello:1"]);
 * ```
 */
export class ImageStore {
  readonly #source: ImageStoreSource;
  readonly #options: ImageStoreOptions;
  readonly #platform: MatchComparer;
  readonly #cache: DocumentCache;
  readonly #memory = new ImageCache();
  // Each name's last queued job, and the running syncs; `claim` orders them (the latest wins).
  readonly #queues = new Map<string, { readonly done: Promise<unknown>; readonly claim: number }>();
  readonly #syncs = new Set<_SyncTurns>();
  #claims = 0;

  /**
   * Creates an empty store over a source.
   *
   * @param source The content and image records to read.
   * @param options The platform, host, shared cache and concurrency.
   */
  constructor(source: ImageStoreSource, options: ImageStoreOptions = {}) {
    this.#source = source;
    this.#options = options;
    this.#platform = options.platform ??
      only(options.host ?? DEFAULT_PLATFORM, { host: options.host });
    this.#cache = options.cache ?? new DocumentCache();
  }

  /**
   * A store pre-filled with images and no source, as containerd's `NewFakeStore`: every reference
   * of every image resolves to its ID. `update` and `sync` find nothing on it.
   *
   * @param images The images.
   * @returns The store.
   * @throws {InvalidArgumentError} When an image ID is not a valid digest.
   * @example
   * ```ts
   * import { ImageStore } from "@ocistore/ocistore";
   * import { assertEquals } from "@std/assert";
   *
   * const id = "sha256:" + "a".repeat(64);
   * const store = ImageStore.fromImages([{
   *   id, references: ["docker.io/library/a:1"], chainId: "", size: 1, pinned: false,
   *   imageSpec: { os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [] } },
   * }]);
   * assertEquals(store.resolve("docker.io/library/a:1"), id);
   * ```
   */
  static fromImages<S extends ImageStore>(
    this: new (source: ImageStoreSource, options?: ImageStoreOptions) => S,
    images: readonly Image[],
  ): S {
    const store: S = new this({
      content: {
        info: (digest) =>
          Promise.reject(new NotFoundError(`Cannot find blob ${digest}: no content`)),
        read: (d) => Promise.reject(new NotFoundError(`Cannot find blob ${d.digest}: no content`)),
      },
      images: {
        get: (name) => Promise.reject(new NotFoundError(`Cannot find image "${name}"`)),
        list: () => Promise.resolve([]),
      },
    });
    for (const image of images) (store as ImageStore).#memory.seed(image);
    return store;
  }

  /**
   * The same source seen for another platform, sharing this store's document cache, so nothing
   * is read twice.
   *
   * @param platform The other platform's matcher.
   * @returns A new, empty store.
   * @example
   * ```ts
   * import { ImageStore, only } from "@ocistore/ocistore";
   * import { memorySource } from "@ocistore/ocistore/memory";
   * import { assertNotEquals } from "@std/assert";
   *
   * const source = memorySource();
   * const amd64 = await source.addImage({ platform: { os: "linux", architecture: "amd64" } });
   * const arm64 = await source.addImage({ platform: { os: "linux", architecture: "arm64" } });
   * source.setRecord("example.com/multi:1", await source.addIndex([amd64.manifest, arm64.manifest]));
   * const store = new ImageStore(source, { platform: only({ os: "linux", architecture: "amd64" }) });
   * const armStore = store.forPlatform(only({ os: "linux", architecture: "arm64" }));
   * await store.update("example.com/multi:1");
   * await armStore.update("example.com/multi:1");
   * assertNotEquals(store.resolve("example.com/multi:1"), armStore.resolve("example.com/multi:1"));
   * ```
   */
  forPlatform(platform: MatchComparer): ImageStore {
    return new ImageStore(this.#source, { ...this.#options, platform, cache: this.#cache });
  }

  /**
   * Re-reads the image `ref` names and updates the cache, as containerd's `Store.Update`: a
   * reference gone from the source is forgotten; one pointing at the same ID keeps its cached
   * metadata (only the pin may change); one pointing elsewhere moves. Updates of one reference
   * take effect in call order.
   *
   * @param ref The image name, used verbatim (no normalization).
   * @throws The source's or the image's read errors, wrapped with what was being done; the cache
   *   is then untouched. An invalid image ID fails after the reference was recorded, as in containerd.
   * @example
   * ```ts
   * import { ImageStore, NotFoundError } from "@ocistore/ocistore";
   * import { memorySource } from "@ocistore/ocistore/memory";
   * import { assertThrows } from "@std/assert";
   *
   * const source = memorySource();
   * source.setRecord("example.com/a:1", (await source.addImage({})).manifest);
   * const store = new ImageStore(source);
   * await store.update("example.com/a:1");
   * source.deleteRecord("example.com/a:1");
   * await store.update("example.com/a:1");
   * assertThrows(() => store.resolve("example.com/a:1"), NotFoundError);
   * ```
   */
  update(ref: string): Promise<void> {
    return this.#enqueue(ref, async () => {
      let record: ImageRecord | undefined;
      try {
        record = await this.#source.images.get(ref);
      } catch (error) {
        if (!isNotFound(error)) {
          throw wrapError(error, `Cannot update "${ref}": get image from source`);
        }
      }
      const image = record && await this.#load(record);
      this.#memory.apply(ref, image);
    });
  }

  /**
   * Updates every name the source lists and forgets the names it no longer lists. Images load in
   * parallel but apply in the source's order, so an image shared by several references keeps the
   * size containerd would report (the first reference added wins).
   *
   * @returns What was updated, removed, and what failed (failures do not stop the others).
   * @throws {UnsupportedError} When the source cannot list its images.
   * @example
   * ```ts
   * import { ImageStore } from "@ocistore/ocistore";
   * import { memorySource } from "@ocistore/ocistore/memory";
   * import { assertEquals } from "@std/assert";
   *
   * const source = memorySource();
   * const image = await source.addImage({});
   * source.setRecord("example.com/a:1", image.manifest);
   * source.setRecord("example.com/a:2", image.manifest);
   * const store = new ImageStore(source);
   * const result = await store.sync();
   * assertEquals(result.updated, ["example.com/a:1", "example.com/a:2"]);
   * assertEquals(store.list()[0].references, ["example.com/a:1", "example.com/a:2"]);
   * ```
   */
  async sync(): Promise<SyncResult> {
    const images = this.#source.images;
    if (!("list" in images)) {
      throw new UnsupportedError("Cannot sync the image store: the source cannot list its images");
    }
    const records = new Map<string, ImageRecord>();
    for (const record of await images.list()) records.set(record.name, record);
    // Loads start at most `ahead` past the last apply, not all at once: with 100k names, a load
    // and a pool waiter per name waiting from the start were live objects every young-generation
    // collection copied (GC was a fifth of a 30k sync() profile). Each apply still queues behind
    // its name's update() calls, and in the source's order.
    const concurrency = this.#options.concurrency ?? 8;
    const slots = pool(concurrency);
    const list = [...records.values()];
    const loads: Promise<Image>[] = [];
    const ahead = 4 * concurrency;
    const startLoads = (end: number) => {
      while (loads.length < Math.min(end, list.length)) {
        const record = list[loads.length];
        const loaded = slots.run(() => this.#load(record));
        loaded.catch(() => {}); // observed below, in order
        loads.push(loaded);
      }
    };
    startLoads(ahead);
    const updated: string[] = [];
    const failures: { reference: string; error: Error }[] = [];
    // The sync claims every name's turn at once, as one marker of how far it has applied, rather
    // than a queued job per name (six promises each; 14% of a 30k sync()'s CPU time): an
    // update() called from now on waits for the sync's apply of its name, and each apply waits
    // for what was queued for its name before.
    const prior = new Map<string, Promise<unknown>>();
    for (const ref of this.#queued(records)) prior.set(ref, this.#tail(ref)!);
    const turns = new _SyncTurns(++this.#claims, list);
    this.#syncs.add(turns);
    try {
      for (let i = 0; i < list.length; i++) {
        const ref = list[i].name;
        startLoads(i + 1 + ahead);
        const before = prior.get(ref);
        if (before) await before;
        try {
          this.#memory.apply(ref, await loads[i]);
          updated.push(ref);
        } catch (error) {
          failures.push({ reference: ref, error: error as Error });
        }
        turns.passed(ref);
      }
    } finally {
      this.#syncs.delete(turns);
      turns.passAll();
    }
    const removed = [...this.#memory.references()].filter((ref) => !records.has(ref));
    await Promise.all(
      removed.map((ref) => this.#enqueue(ref, () => this.#memory.apply(ref, undefined))),
    );
    return { updated, removed, failures };
  }

  /**
   * The image ID a reference points at (exact string match, as containerd's `Resolve`).
   *
   * @param ref The reference as it was updated.
   * @returns The image ID.
   * @throws {NotFoundError} When the reference is not cached.
   * @example
   * ```ts
   * import { ImageStore, NotFoundError } from "@ocistore/ocistore";
   * import { assertThrows } from "@std/assert";
   *
   * assertThrows(() => new ImageStore({} as never).resolve("busybox"), NotFoundError);
   * ```
   */
  resolve(ref: string): string {
    return this.#memory.resolve(ref);
  }

  /**
   * The image with this ID, full or truncated (`sha256:abc…`, or hex alone), as containerd's `Get`.
   *
   * @param id A full ID or a unique prefix of it.
   * @returns The image.
   * @throws {NotFoundError} When no image has such an ID.
   * @throws {AmbiguousDigestError} When the prefix fits more than one image.
   * @example
   * ```ts
   * import { AmbiguousDigestError, ImageStore } from "@ocistore/ocistore";
   * import { assertThrows } from "@std/assert";
   *
   * const image = (hex: string) => ({
   *   id: `sha256:${hex.repeat(64)}`, references: [`example.com/${hex}:1`], chainId: "", size: 0,
   *   pinned: false, imageSpec: { os: "", architecture: "", rootfs: { type: "", diff_ids: [] } },
   * });
   * const store = ImageStore.fromImages([image("a"), image("b")]);
   * assertThrows(() => store.get(""), AmbiguousDigestError);
   * ```
   */
  get(id: string): Image {
    return this.#memory.get(id);
  }

  /**
   * Every image in the store (order unspecified in containerd; here, the order they were added).
   *
   * @returns The images.
   * @example
   * ```ts
   * import { ImageStore } from "@ocistore/ocistore";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(ImageStore.fromImages([]).list(), []);
   * ```
   */
  list(): Image[] {
    return this.#memory.list();
  }

  /**
   * Subscribes to reference changes (for UIs).
   *
   * @param listener Called after each change is applied.
   * @returns A function that unsubscribes.
   * @example
   * ```ts
   * import { type ImageChange, ImageStore } from "@ocistore/ocistore";
   * import { memorySource } from "@ocistore/ocistore/memory";
   * import { assertEquals } from "@std/assert";
   *
   * const source = memorySource();
   * source.setRecord("example.com/a:1", (await source.addImage({})).manifest);
   * const store = new ImageStore(source);
   * const changes: ImageChange[] = [];
   * store.onChange((change) => changes.push(change));
   * await store.update("example.com/a:1");
   * assertEquals(changes.map((c) => c.type), ["added"]);
   * ```
   */
  onChange(listener: (change: ImageChange) => void): () => void {
    return this.#memory.onChange(listener);
  }

  #enqueue<T>(ref: string, job: () => Promise<T> | T): Promise<T> {
    const run = (this.#tail(ref) ?? Promise.resolve()).then(job);
    const tail = run.catch(() => {});
    const turn = { done: tail, claim: ++this.#claims };
    this.#queues.set(ref, turn);
    tail.then(() => {
      if (this.#queues.get(ref) === turn) this.#queues.delete(ref);
    });
    return run;
  }

  // What the next job of `ref` waits for: the latest claim of its turn, a queued job or a sync
  // that has yet to apply it.
  #tail(ref: string): Promise<unknown> | undefined {
    const queued = this.#queues.get(ref);
    let latest: _SyncTurns | undefined;
    for (const turns of this.#syncs) {
      if (turns.claim > (latest?.claim ?? queued?.claim ?? 0) && turns.pending(ref)) {
        latest = turns;
      }
    }
    return latest ? latest.gate(ref) : queued?.done;
  }

  // The names of `records` that have a turn claimed now: by a queued job or by a running sync.
  #queued(records: ReadonlyMap<string, unknown>): Set<string> {
    const names = new Set<string>();
    for (const ref of this.#queues.keys()) if (records.has(ref)) names.add(ref);
    for (const turns of this.#syncs) {
      for (const ref of turns.left()) if (records.has(ref)) names.add(ref);
    }
    return names;
  }

  #load(record: ImageRecord): Promise<Image> {
    // The store's options carry host, digester and nameImage; its own matcher and cache win.
    return _loadImage(this.#source.content, record, {
      ...this.#options,
      platform: this.#platform,
      cache: this.#cache,
    });
  }
}

// A running sync's claim on the turns of its names, in its order: names before `next` are applied;
// `gate` is what an update of a name still ahead waits for.
class _SyncTurns {
  readonly claim: number;
  readonly #order = new Map<string, number>();
  readonly #names: string[];
  readonly #gates = new Map<string, () => void>();
  readonly #waits = new Map<string, Promise<void>>();
  #next = 0;

  constructor(claim: number, records: readonly ImageRecord[]) {
    this.claim = claim;
    this.#names = records.map((record) => record.name);
    this.#names.forEach((name, i) => this.#order.set(name, i));
  }

  pending(ref: string): boolean {
    return (this.#order.get(ref) ?? -1) >= this.#next;
  }

  left(): string[] {
    return this.#names.slice(this.#next);
  }

  gate(ref: string): Promise<void> {
    let wait = this.#waits.get(ref);
    if (!wait) {
      wait = new Promise<void>((resolve) => this.#gates.set(ref, resolve));
      this.#waits.set(ref, wait);
    }
    return wait;
  }

  // `ref`, the next name, is applied (or failed).
  passed(ref: string): void {
    this.#next++;
    this.#gates.get(ref)?.();
    this.#gates.delete(ref);
    this.#waits.delete(ref);
  }

  passAll(): void {
    this.#next = this.#names.length;
    for (const open of this.#gates.values()) open();
  }
}
