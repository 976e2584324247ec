/**
 * LEGACY, kept only for `src/cli/containerd_namespaces.ts` (which is not the containerd adapter's to
 * edit): delete once that file calls `namespacesWithImages` from `./containerd.ts`. The containerd
 * adapter reads through `./containerd/_snapshot.ts`, which proves its snapshots untorn; this copy
 * only notices a commit that lands between its read and its re-check, not one that T+2 tears.
 */
import { InvalidArgumentError } from "../core/errors.ts";
import type { Files } from "../core/files.ts";

/** One key of a bucket: a plain value or a nested bucket. */
export interface BoltEntry {
  /** The key bytes. */
  readonly key: Uint8Array;
  /** The value, for a plain key. */
  readonly value?: Uint8Array;
  /** The nested bucket, for a bucket key. */
  readonly bucket?: BoltBucket;
}

/** A bucket of a snapshot; keys come back in bbolt's order (bytewise). */
export interface BoltBucket {
  /** The page id of the bucket's root page; 0 for an inline bucket (stored in its parent's value). */
  readonly root: number;
  /** The value stored under `key`; undefined when absent or when `key` names a bucket. */
  get(key: string | Uint8Array): Uint8Array | undefined;
  /** The nested bucket under `key`; undefined when absent or when `key` names a value. */
  bucket(key: string | Uint8Array): BoltBucket | undefined;
  /** Every entry, in key order. */
  entries(): Generator<BoltEntry>;
}

/** A parsed database: the meta page chosen and the root bucket it names. */
export interface BoltSnapshot {
  /** The transaction id of the chosen meta page. */
  readonly txid: number;
  /** The page size the database was written with. */
  readonly pageSize: number;
  /** The root bucket (its keys are the top-level buckets). */
  readonly root: BoltBucket;
}

const _magic = 0xed0cdaed;
const _version = 2;
const _pageHeader = 16;
const _elementSize = 16;
const _branchPage = 0x01;
const _leafPage = 0x02;
const _metaPage = 0x04;
const _bucketLeaf = 0x01;
const _maxDepth = 64;
const _encoder = new TextEncoder();

interface _Meta {
  readonly pageSize: number;
  readonly root: number;
  readonly highWater: number;
  readonly txid: number;
}

function _fail(message: string): never {
  throw new InvalidArgumentError(`Cannot read bbolt database: ${message}`);
}

function _u64(view: DataView, offset: number, what: string): number {
  const high = view.getUint32(offset + 4, true);
  if (high > 0x1fffff) _fail(`${what} at byte ${offset} is too large`);
  return high * 0x1_0000_0000 + view.getUint32(offset, true);
}

/** FNV-1a, 64-bit, as bbolt sums a meta page (hash/fnv New64a). */
function _fnv64a(bytes: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}

/** The meta stored in the page at `offset`, or undefined when it is not a valid one. */
function _metaAt(bytes: Uint8Array, offset: number): _Meta | undefined {
  const start = offset + _pageHeader;
  if (start + 64 > bytes.length) return undefined;
  if (new DataView(bytes.buffer, bytes.byteOffset + offset, 16).getUint16(8, true) !== _metaPage) {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, 64);
  if (view.getUint32(0, true) !== _magic || view.getUint32(4, true) !== _version) return undefined;
  if (view.getBigUint64(56, true) !== _fnv64a(bytes.subarray(start, start + 56))) return undefined;
  const pageSize = view.getUint32(8, true);
  if (pageSize < 512 || pageSize > 1 << 20 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  const txid = view.getBigUint64(48, true);
  if (txid > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const root = view.getBigUint64(16, true);
  const highWater = view.getBigUint64(40, true);
  if (highWater > 0xffff_ffffn || root >= highWater) return undefined;
  return { pageSize, root: Number(root), highWater: Number(highWater), txid: Number(txid) };
}

/**
 * The meta a reader must use: of the two meta pages, the valid one with the higher txid. The second
 * page's offset comes from the first meta, or, when that one is damaged, from common page sizes.
 */
function _chooseMeta(bytes: Uint8Array): _Meta {
  if (bytes.length < _pageHeader + 64) {
    _fail(`expected at least ${_pageHeader + 64} bytes for a meta page, found ${bytes.length}`);
  }
  const first = _metaAt(bytes, 0);
  const sizes = first ? [first.pageSize] : [4096, 16384, 65536, 8192, 1024, 2048, 32768, 512];
  let second: _Meta | undefined;
  for (const size of sizes) if (!second) second = _metaAt(bytes, size);
  const best = first && second ? (second.txid > first.txid ? second : first) : first ?? second;
  if (!best) {
    const magic = new DataView(bytes.buffer, bytes.byteOffset).getUint32(_pageHeader, true);
    _fail(
      magic === _magic
        ? "expected a meta page with a valid version and checksum, found none"
        : `expected magic 0xed0cdaed, found 0x${magic.toString(16).padStart(8, "0")}`,
    );
  }
  return best;
}

/** The pages of one snapshot: bounds-checked views of branch and leaf pages. */
class _Pages {
  readonly #bytes: Uint8Array;
  readonly #meta: _Meta;

  constructor(bytes: Uint8Array, meta: _Meta) {
    this.#bytes = bytes;
    this.#meta = meta;
  }

  /** The page `id` (with its overflow pages) as bytes. */
  page(id: number): Uint8Array {
    const { pageSize, highWater } = this.#meta;
    if (id < 2 || id >= highWater) _fail(`page ${id} is outside pages 2..${highWater - 1}`);
    const start = id * pageSize;
    if (start + _pageHeader > this.#bytes.length) {
      _fail(`page ${id} starts at byte ${start}, past the end of the file (${this.#bytes.length})`);
    }
    const view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset + start, _pageHeader);
    if (_u64(view, 0, "page id") !== id) _fail(`page ${id} carries another page id`);
    const end = start + (view.getUint32(12, true) + 1) * pageSize;
    if (end > this.#bytes.length) _fail(`page ${id} runs past the end of the file`);
    return this.#bytes.subarray(start, end);
  }
}

/** A decoded page: its kind and the elements it holds, bounds-checked. */
interface _Node {
  readonly leaf: boolean;
  readonly count: number;
  key(index: number): Uint8Array;
  /** Branch pages: the child page of element `index`. */
  child(index: number): number;
  /** Leaf pages: the flags and value of element `index`. */
  flags(index: number): number;
  value(index: number): Uint8Array;
}

function _node(page: Uint8Array, where: string): _Node {
  const view = new DataView(page.buffer, page.byteOffset, page.length);
  const flags = view.getUint16(8, true);
  const count = view.getUint16(10, true);
  if (flags !== _branchPage && flags !== _leafPage) {
    _fail(`expected a branch or leaf page at ${where}, found flags 0x${flags.toString(16)}`);
  }
  if (_pageHeader + count * _elementSize > page.length) _fail(`${where} holds too many elements`);
  const leaf = flags === _leafPage;
  const element = (index: number) => _pageHeader + index * _elementSize;
  const slice = (start: number, length: number) => {
    if (start + length > page.length) _fail(`an element of ${where} runs past its page`);
    return page.subarray(start, start + length);
  };
  return {
    leaf,
    count,
    key: (index) => {
      const at = element(index);
      const pos = leaf ? view.getUint32(at + 4, true) : view.getUint32(at, true);
      return slice(at + pos, view.getUint32(at + (leaf ? 8 : 4), true));
    },
    child: (index) => _u64(view, element(index) + 8, "child page id"),
    flags: (index) => view.getUint32(element(index), true),
    value: (index) => {
      const at = element(index);
      const pos = view.getUint32(at + 4, true);
      const keySize = view.getUint32(at + 8, true);
      return slice(at + pos + keySize, view.getUint32(at + 12, true));
    },
  };
}

function _compare(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function _bytes(key: string | Uint8Array): Uint8Array {
  return typeof key === "string" ? _encoder.encode(key) : key;
}

/** A bucket rooted at a page of the file, or inline (its one leaf page stored in its value). */
class _Bucket implements BoltBucket {
  readonly root: number;
  readonly #pages: _Pages;
  readonly #inline: Uint8Array | undefined;
  readonly #depth: number;

  constructor(pages: _Pages, root: number, inline: Uint8Array | undefined, depth: number) {
    if (depth > _maxDepth) _fail(`buckets nest deeper than ${_maxDepth} levels`);
    this.#pages = pages;
    this.root = root;
    this.#inline = inline;
    this.#depth = depth;
  }

  #node(id: number, level: number): _Node {
    if (level > _maxDepth) _fail(`the page tree is deeper than ${_maxDepth} levels`);
    if (this.#inline) {
      const node = _node(this.#inline, "an inline bucket");
      if (!node.leaf) _fail("expected an inline bucket to be one leaf page, found a branch page");
      return node;
    }
    return _node(this.#pages.page(id), `page ${id}`);
  }

  /** The leaf element holding `key`, found by binary search down branch pages. */
  #find(key: Uint8Array): { node: _Node; index: number } | undefined {
    let node = this.#node(this.root, 0);
    for (let level = 1; !node.leaf; level++) {
      // The last element whose key is <= key leads to the subtree that may hold it.
      let low = 0;
      let high = node.count - 1;
      let found = 0;
      if (node.count === 0) return undefined;
      while (low <= high) {
        const middle = (low + high) >> 1;
        if (_compare(node.key(middle), key) <= 0) {
          found = middle;
          low = middle + 1;
        } else high = middle - 1;
      }
      node = this.#node(node.child(found), level);
    }
    let low = 0;
    let high = node.count - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const order = _compare(node.key(middle), key);
      if (order === 0) return { node, index: middle };
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  #entry(node: _Node, index: number): BoltEntry {
    const key = node.key(index);
    const value = node.value(index);
    if ((node.flags(index) & _bucketLeaf) === 0) return { key, value };
    if (value.length < _pageHeader) _fail("expected a 16-byte bucket header, found fewer bytes");
    const view = new DataView(value.buffer, value.byteOffset, value.length);
    const root = _u64(view, 0, "bucket root");
    const inline = root === 0 ? value.subarray(_pageHeader) : undefined;
    return { key, bucket: new _Bucket(this.#pages, root, inline, this.#depth + 1) };
  }

  get(key: string | Uint8Array): Uint8Array | undefined {
    const hit = this.#find(_bytes(key));
    return hit ? this.#entry(hit.node, hit.index).value : undefined;
  }

  bucket(key: string | Uint8Array): BoltBucket | undefined {
    const hit = this.#find(_bytes(key));
    return hit ? this.#entry(hit.node, hit.index).bucket : undefined;
  }

  *entries(): Generator<BoltEntry> {
    yield* this.#walk(this.root, 0);
  }

  *#walk(id: number, level: number): Generator<BoltEntry> {
    const node = this.#node(id, level);
    for (let index = 0; index < node.count; index++) {
      if (node.leaf) yield this.#entry(node, index);
      else yield* this.#walk(node.child(index), level + 1);
    }
  }
}

/**
 * Parses a whole bbolt database held in memory. Pages are decoded lazily, so damage deep in the
 * tree surfaces when that part is read.
 *
 * @param bytes The database file.
 * @returns The snapshot named by the newest valid meta page.
 * @throws {InvalidArgumentError} When neither meta page is valid (bad magic, version or checksum),
 * or later, when a page read is out of bounds or malformed.
 *
 * @example Garbage is not a database
 * ```ts
 * import { parseBolt } from "./_bbolt.ts";
 * import { InvalidArgumentError } from "@ocistore/ocistore";
 * import { assertThrows } from "@std/assert";
 *
 * assertThrows(() => parseBolt(new Uint8Array(8192)), InvalidArgumentError, "magic");
 * ```
 */
export function parseBolt(bytes: Uint8Array): BoltSnapshot {
  const meta = _chooseMeta(bytes);
  const root = new _Bucket(new _Pages(bytes, meta), meta.root, undefined, 0);
  return { txid: meta.txid, pageSize: meta.pageSize, root };
}

/** Options of {@linkcode readBolt}. */
export interface ReadBoltOptions {
  /** A snapshot read earlier: returned as is when the database has not committed since. */
  readonly previous?: BoltSnapshot;
  /** How many times to re-read when a writer commits during the read; default 5. */
  readonly retries?: number;
}

function _tryChooseMeta(bytes: Uint8Array): _Meta | undefined {
  try {
    return _chooseMeta(bytes);
  } catch {
    return undefined;
  }
}

async function _headTxid(
  files: Files,
  path: string,
  pageSize: number,
): Promise<number | undefined> {
  return _tryChooseMeta(await files.readRange(path, 0, 2 * pageSize))?.txid;
}

/**
 * Reads a consistent snapshot of a bbolt database that a live process (containerd) may be writing.
 * bbolt never overwrites a page reachable from the newest meta until the transaction after it has
 * committed, so a file read that starts with the meta pages and after which the newest txid is
 * still the one read holds a consistent tree; otherwise the read is retried.
 *
 * @param files Where the database lives.
 * @param path The database file within `files`.
 * @param options A previous snapshot to reuse, and the retry budget.
 * @returns The snapshot, every page of it already checked.
 * @throws {NotFoundError} When the file does not exist.
 * @throws {InvalidArgumentError} When the file is not a valid bbolt database, or keeps changing.
 *
 * @example A missing file
 * ```ts
 * import { readBolt } from "./_bbolt.ts";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * const missing = () => Promise.reject(new NotFoundError("no such file"));
 * const files = { read: missing, readRange: missing, stat: missing, list: missing };
 * await assertRejects(() => readBolt(files, "meta.db"), NotFoundError);
 * ```
 */
export async function readBolt(
  files: Files,
  path: string,
  options: ReadBoltOptions = {},
): Promise<BoltSnapshot> {
  const { previous, retries = 5 } = options;
  if (previous && (await _headTxid(files, path, previous.pageSize)) === previous.txid) {
    return previous;
  }
  for (let attempt = 0;; attempt++) {
    const bytes = await files.read(path);
    // Only one meta page is written per commit, so two bad ones are damage, not a race.
    const meta = _chooseMeta(bytes);
    let snapshot: BoltSnapshot | undefined;
    let failure: unknown;
    try {
      const parsed = parseBolt(bytes);
      // Decoding every page now lets a read torn by a commit be retried rather than fail later.
      _touch(parsed.root);
      snapshot = parsed;
    } catch (error) {
      failure = error;
    }
    if ((await _headTxid(files, path, meta.pageSize)) === meta.txid) {
      if (snapshot === undefined) throw failure;
      return snapshot;
    }
    if (attempt >= retries) {
      if (snapshot === undefined) throw failure;
      _fail(`"${path}" changed during each of ${retries + 1} reads`);
    }
  }
}

/** Walks the whole tree so every page is validated before the snapshot is handed out. */
function _touch(bucket: BoltBucket): void {
  for (const entry of bucket.entries()) if (entry.bucket) _touch(entry.bucket);
}
