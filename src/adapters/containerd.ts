/** containerd's own root as an image source: its content store and its bbolt image records. */
import type {
  BlobInfo,
  ContentProvider,
  ImageLister,
  ImageRecord,
  ImageSource,
  ReadOptions,
} from "../core/content.ts";
import { parseDigest } from "../core/digest.ts";
import { describeValue, InvalidArgumentError, NotFoundError } from "../core/errors.ts";
import type { Files } from "../core/files.ts";
import type { Descriptor } from "../core/types.ts";
import { type BoltBucket, type BoltSnapshot, readBolt } from "./_bbolt.ts";

/** Options of {@linkcode openContainerd}. */
export interface OpenContainerdOptions {
  /** The containerd namespace to read; `"default"` unless given (the CRI uses `"k8s.io"`). */
  readonly namespace?: string;
  /** How errors name the root; by default its path, or `the given files`. */
  readonly label?: string;
}

const _metaPath = "io.containerd.metadata.v1.bolt/meta.db";
const _blobsPath = "io.containerd.content.v1.content/blobs";
// containerd's namespaces/identifiers rule.
const _identifier = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const _decoder = new TextDecoder();
// Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch.
const _goEpochToUnix = 62135596800n;

/**
 * Opens a containerd root directory (`/var/lib/containerd`) read-only: blobs come from
 * `io.containerd.content.v1.content/blobs/<alg>/<hex>`, image records from the bbolt database
 * `io.containerd.metadata.v1.bolt/meta.db`, both seen through one namespace, as containerd's API
 * shows them. Safe while containerd runs: every call reads a consistent snapshot of the database
 * (re-read only when it has committed since).
 *
 * @param files The root directory as a {@linkcode Files} (on Deno, Bun and Node,
 *   `@ocistore/ocistore/containerd` also takes its path).
 * @param options The namespace, and how errors name the root.
 * @returns The source: `images.list()` in containerd's order (bytewise by name).
 * @throws {NotFoundError} When the root has no metadata database.
 * @throws {InvalidArgumentError} When the database is damaged or the namespace is not a valid name.
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
      `Cannot open containerd root: expected a directory path or a Files object, found ${
        describeValue(files)
      }`,
    );
  }
  const where = options.label ?? "the given files";
  const namespace = options.namespace ?? "default";
  if (typeof namespace !== "string") {
    throw new TypeError("Cannot open containerd root: expected a string namespace");
  }
  if (namespace.length > 76 || !_identifier.test(namespace)) {
    throw new InvalidArgumentError(
      `Cannot open containerd namespace "${namespace}": expected letters and digits joined by ".", "_" or "-", at most 76 characters`,
    );
  }

  let cached: BoltSnapshot | undefined;
  const snapshot = async (): Promise<BoltSnapshot> => {
    try {
      return (cached = await readBolt(files, _metaPath, { previous: cached }));
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new NotFoundError(
          `Cannot open containerd root ${where}: expected a metadata database at "${_metaPath}", found none`,
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
  };
  const namespaceBucket = async (): Promise<BoltBucket | undefined> =>
    (await snapshot()).root.bucket("v1")?.bucket(namespace);

  await snapshot();
  const images: ImageLister = {
    async list() {
      const bucket = (await namespaceBucket())?.bucket("images");
      const records: ImageRecord[] = [];
      for (const entry of bucket?.entries() ?? []) {
        if (entry.bucket) {
          records.push(_record(_decoder.decode(entry.key), entry.bucket, namespace));
        }
      }
      return records;
    },
    async get(name) {
      if (typeof name !== "string") throw new TypeError("Cannot get image: expected a string name");
      const bucket = (await namespaceBucket())?.bucket("images")?.bucket(name);
      if (!bucket) {
        throw new NotFoundError(
          `Cannot get image "${name}" in containerd namespace "${namespace}": no such image`,
        );
      }
      return _record(name, bucket, namespace);
    },
  };

  /** The blob's path, once the namespace is known to hold it (containerd hides others' blobs). */
  const blob = async (
    digest: string,
  ): Promise<{ path: string; labels?: Record<string, string> }> => {
    const { algorithm, encoded } = parseDigest(digest);
    const entry = (await namespaceBucket())?.bucket("content")?.bucket("blob")?.bucket(digest);
    if (!entry) {
      throw new NotFoundError(
        `Cannot find blob "${digest}" in containerd namespace "${namespace}": no such content`,
      );
    }
    const labels = _strings(entry.bucket("labels"));
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
      const { path, labels } = await blob(digest);
      const { size } = await files.stat(path).catch((error) => missing(digest, error));
      return { digest, size, ...(labels && { labels }) };
    },
    async read(descriptor: Descriptor, options: ReadOptions = {}) {
      const { path } = await blob(descriptor.digest);
      const { offset, length } = options;
      const bytes = length === undefined
        ? files.read(path).then((whole) => offset ? whole.slice(offset) : whole)
        : files.readRange(path, offset ?? 0, length);
      return await bytes.catch((error) => missing(descriptor.digest, error));
    },
  };
  return { content, images };
}

/** The string map stored in a labels or annotations bucket. */
function _strings(bucket: BoltBucket | undefined): Record<string, string> | undefined {
  if (!bucket) return undefined;
  const map: Record<string, string> = {};
  for (const { key, value } of bucket.entries()) {
    if (value) map[_decoder.decode(key)] = _decoder.decode(value);
  }
  return map;
}

/** An image bucket as containerd's `readImage` decodes it. */
function _record(name: string, bucket: BoltBucket, namespace: string): ImageRecord {
  const fail = (problem: string): never => {
    throw new InvalidArgumentError(
      `Cannot read image "${name}" in containerd namespace "${namespace}": ${problem}`,
    );
  };
  const target = bucket.bucket("target") ?? fail("expected a target bucket, found none");
  const digest = target.get("digest");
  const mediaType = target.get("mediatype");
  const size = target.get("size");
  const annotations = _strings(bucket.bucket("annotations"));
  const descriptor: Descriptor = {
    mediaType: mediaType ? _decoder.decode(mediaType) : "",
    digest: digest ? _decoder.decode(digest) : "",
    size: size ? _varint(size) ?? fail("expected a varint size, found malformed bytes") : 0,
    ...(annotations && { annotations }),
  };
  const createdAt = _time(bucket.get("createdat"), fail);
  const updatedAt = _time(bucket.get("updatedat"), fail);
  return {
    name,
    target: descriptor,
    labels: _strings(bucket.bucket("labels")) ?? {},
    ...(createdAt && { createdAt }),
    ...(updatedAt && { updatedAt }),
  };
}

/** Go's `binary.Varint`: a zig-zag signed LEB128; undefined when malformed or out of range. */
function _varint(bytes: Uint8Array): number | undefined {
  let value = 0n;
  for (let i = 0; i < bytes.length && i < 10; i++) {
    value |= BigInt(bytes[i] & 0x7f) << BigInt(7 * i);
    if (bytes[i] < 0x80) {
      const signed = (value >> 1n) ^ -(value & 1n);
      return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(signed)
        : undefined;
    }
  }
  return undefined;
}

/** Go's `time.Time.MarshalBinary` bytes as RFC 3339 in UTC, nanoseconds kept. */
function _time(
  bytes: Uint8Array | undefined,
  fail: (problem: string) => never,
): string | undefined {
  if (!bytes) return undefined;
  const version = bytes[0];
  if (!((version === 1 && bytes.length === 15) || (version === 2 && bytes.length === 16))) {
    return fail(`expected a binary Go time of version 1 or 2, found ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const seconds = view.getBigInt64(1, false) - _goEpochToUnix;
  const nanos = view.getInt32(9, false);
  const iso = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, "");
  const fraction = nanos === 0 ? "" : `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}`;
  return `${iso}${fraction}Z`;
}
