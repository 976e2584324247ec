/** containerd's own root as an image source: its content store and its bbolt image records. */
import type { ContentProvider, ImageLister, ImageSource, ReadOptions } from "../core/content.ts";
import { parseDigest } from "../core/digest.ts";
import {
  describeValue,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from "../core/errors.ts";
import type { Files } from "../core/files.ts";
import type { BlobInfo, Descriptor, ImageRecord } from "../core/types.ts";
import type { BoltBucket, BoltSnapshot } from "./containerd/_bbolt.ts";
import { imageRecord, strings } from "./containerd/_records.ts";
import { readSnapshot, SnapshotBusyError } from "./containerd/_snapshot.ts";
import { MISSING_CONTENT_HINT } from "./_containerd_content.ts";

/** Options of {@linkcode openContainerd}. */
export interface OpenContainerdOptions {
  /** The containerd namespace to read; `"default"` unless given (the CRI uses `"k8s.io"`). */
  readonly namespace?: string;
  /** How errors name the root; by default its path, or `the given files`. */
  readonly label?: string;
  /**
   * How long to keep re-reading `meta.db` while containerd commits during every read, in ms
   * (default 2000); past it, the read fails with `UnavailableError`.
   */
  readonly retryBudgetMs?: number;
}

const _metaPath = "io.containerd.metadata.v1.bolt/meta.db";
const _blobsPath = "io.containerd.content.v1.content/blobs";
// containerd's namespaces/identifiers rule.
const _identifier = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const _decoder = new TextDecoder();

/**
 * Opens a containerd root directory (`/var/lib/containerd`) read-only: blobs come from
 * `io.containerd.content.v1.content/blobs/<alg>/<hex>`, image records from the bbolt database
 * `io.containerd.metadata.v1.bolt/meta.db`, both seen through one namespace, as containerd's API
 * shows them. Safe while containerd runs: the database is read as one consistent snapshot (the
 * whole file in one read, proven untorn by its meta pages, retried for up to 2 s while containerd
 * commits), taken at open and again by each `images.list()` and `images.get()` (reused while
 * containerd has not committed since), so a long-lived source follows the node. Content reads
 * never read the database: a blob's labels and namespace come from the latest snapshot, its bytes
 * from the content store's files.
 *
 * The load it promises to read through: a node committing up to 20 transactions a second (what
 * `tests/adapters/containerd_live_test.ts` holds and asserts, over 1,200 records); heavier loads
 * may exhaust the retry budget and are measured by `bench/containerd_bench.ts`, not promised.
 *
 * @param files The root directory as a {@linkcode Files} (on Deno, Bun and Node,
 *   `openContainerd` of `@ocistore/ocistore/runtime` takes its path).
 * @param options The namespace, and how errors name the root.
 * @returns The source: `images.list()` in containerd's order (bytewise by name).
 * @throws {NotFoundError} When the root has no metadata database.
 * @throws {InvalidArgumentError} When the database is damaged or the namespace is not a valid name.
 * @throws {UnavailableError} When containerd kept committing through every read for 2 s (or
 *   `retryBudgetMs`).
 * @throws {TypeError} When `root` is neither a path nor a `Files`.
 *
 * @example An empty directory is not a containerd root
 * ```ts
 * import { openContainerd } from "@ocistore/ocistore/containerd";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * const none = (path: string) => Promise.reject(new NotFoundError(`no such file "${path}"`));
 * const empty = { read: none, readRange: none, stat: none, list: none };
 * await assertRejects(() => openContainerd(empty, { namespace: "k8s.io" }), NotFoundError, "meta.db");
 * ```
 */
export async function openContainerd(
  files: Files,
  options: OpenContainerdOptions = {},
): Promise<ImageSource> {
  if (files === null || typeof files !== "object" || typeof files.read !== "function") {
    throw new TypeError(
      `Cannot open containerd root: expected a Files object (openContainerd of ./runtime takes a directory path), found ${
        describeValue(files)
      }`,
    );
  }
  const where = options.label ?? "the given files";
  const budget = options.retryBudgetMs;
  if (budget !== undefined && !(typeof budget === "number" && budget >= 0 && budget < Infinity)) {
    throw new TypeError(
      `Cannot open containerd root: expected retryBudgetMs to be a finite number of ms, found ${
        describeValue(budget)
      }`,
    );
  }
  const namespace = options.namespace ?? "default";
  if (typeof namespace !== "string") {
    throw new TypeError("Cannot open containerd root: expected a string namespace");
  }
  if (namespace.length > 76 || !_identifier.test(namespace)) {
    throw new InvalidArgumentError(
      `Cannot open containerd namespace "${namespace}": expected letters and digits joined by ".", "_" or "-", at most 76 characters`,
    );
  }

  // The snapshot every answer comes from: taken at open, retaken by each images.list() and
  // images.get() (reused while containerd has not committed), never by content reads, so one
  // listing and the blobs it leads to are one state of the database.
  let current: _Namespace | undefined;
  let pending: Promise<_Namespace> | undefined;
  const refresh = (): Promise<_Namespace> =>
    pending ??= _snapshot(files, where, current?.snapshot, options.retryBudgetMs).then(
      (snapshot) => {
        if (snapshot !== current?.snapshot) current = new _Namespace(snapshot, namespace);
        return current;
      },
    ).finally(() => (pending = undefined));
  await refresh();

  const images: ImageLister = {
    async list() {
      const bucket = (await refresh()).images;
      const records: ImageRecord[] = [];
      for (const entry of bucket?.entries() ?? []) {
        if (entry.bucket) {
          records.push(imageRecord(_decoder.decode(entry.key), entry.bucket, namespace));
        }
      }
      return records;
    },
    async get(name) {
      if (typeof name !== "string") throw new TypeError("Cannot get image: expected a string name");
      const bucket = (await refresh()).images?.bucket(name);
      if (!bucket) {
        throw new NotFoundError(
          `Cannot get image "${name}" in containerd namespace "${namespace}": no such image`,
        );
      }
      return imageRecord(name, bucket, namespace);
    },
  };

  /** The blob's path, once the namespace is known to hold it (containerd hides others' blobs). */
  const blob = (digest: string): { path: string; labels?: Record<string, string> } => {
    const { algorithm, encoded } = parseDigest(digest);
    const entry = current?.blobs?.bucket(digest);
    if (!entry) {
      throw new NotFoundError(
        `Cannot find blob "${digest}" in containerd namespace "${namespace}": no such content; ${MISSING_CONTENT_HINT}`,
      );
    }
    const labels = strings(entry.bucket("labels"));
    return { path: `${_blobsPath}/${algorithm}/${encoded}`, ...(labels && { labels }) };
  };
  const missing = (digest: string, error: unknown): never => {
    if (!(error instanceof NotFoundError)) throw error;
    throw new NotFoundError(
      `Cannot read blob "${digest}" from containerd root ${where}: its file is missing from the content store`,
      { cause: error },
    );
  };

  const content: ContentProvider = {
    async info(digest): Promise<BlobInfo> {
      const { path, labels } = blob(digest);
      const { size } = await files.stat(path).catch((error) => missing(digest, error));
      return { digest, size, ...(labels && { labels }) };
    },
    async read(descriptor: Descriptor, options: ReadOptions = {}) {
      const { path } = blob(descriptor.digest);
      const { offset, length } = options;
      const bytes = length === undefined
        ? files.read(path).then((whole) => offset ? whole.slice(offset) : whole)
        : files.readRange(path, offset ?? 0, length);
      return await bytes.catch((error) => missing(descriptor.digest, error));
    },
  };
  return { content, images };
}

/**
 * The namespaces of a containerd root that hold at least one image, in containerd's order
 * (bytewise): what a caller can suggest when the namespace it opened holds none.
 *
 * @param files The root directory as a {@linkcode Files}.
 * @param options How errors name the root.
 * @returns The namespace names.
 * @throws {NotFoundError} When the root has no metadata database.
 * @throws {InvalidArgumentError} When the database is damaged.
 * @throws {UnavailableError} When containerd kept committing through every read for 2 s.
 *
 * @example An empty directory holds no metadata database
 * ```ts
 * import { namespacesWithImages } from "./containerd.ts";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * const none = (path: string) => Promise.reject(new NotFoundError(`no such file "${path}"`));
 * const empty = { read: none, readRange: none, stat: none, list: none };
 * await assertRejects(() => namespacesWithImages(empty), NotFoundError, "meta.db");
 * ```
 */
export async function namespacesWithImages(
  files: Files,
  options: { readonly label?: string } = {},
): Promise<string[]> {
  const snapshot = await _snapshot(files, options.label ?? "the given files", undefined, undefined);
  const names: string[] = [];
  for (const entry of snapshot.root.bucket("v1")?.entries() ?? []) {
    const images = entry.bucket?.bucket("images");
    if (images && !images.entries().next().done) names.push(_decoder.decode(entry.key));
  }
  return names;
}

/** One snapshot seen through one namespace: the buckets every answer starts from. */
class _Namespace {
  readonly snapshot: BoltSnapshot;
  readonly images: BoltBucket | undefined;
  readonly blobs: BoltBucket | undefined;

  constructor(snapshot: BoltSnapshot, namespace: string) {
    this.snapshot = snapshot;
    const bucket = snapshot.root.bucket("v1")?.bucket(namespace);
    this.images = bucket?.bucket("images");
    this.blobs = bucket?.bucket("content")?.bucket("blob");
  }
}

/** A consistent snapshot of meta.db, its errors told in the root's terms. */
async function _snapshot(
  files: Files,
  where: string,
  previous: BoltSnapshot | undefined,
  budgetMs: number | undefined,
): Promise<BoltSnapshot> {
  try {
    return await readSnapshot(files, _metaPath, { previous, budgetMs });
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new NotFoundError(
        `Cannot open containerd root ${where}: expected a metadata database at "${_metaPath}", found none`,
        { cause: error },
      );
    }
    if (error instanceof SnapshotBusyError) {
      throw new UnavailableError(
        `Cannot read "${_metaPath}" of containerd root ${where}: containerd wrote ${error.transactions} transactions while we read; tried ${error.attempts} times in ${error.elapsedMs} ms`,
        { cause: error },
      );
    }
    if (error instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(
        `Cannot open containerd root ${where}: "${_metaPath}" is not a readable bbolt database (${error.message})`,
        { cause: error },
      );
    }
    throw error;
  }
}
