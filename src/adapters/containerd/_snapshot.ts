/** One consistent snapshot of a bbolt database that a live process (containerd) keeps writing. */
import { UnavailableError } from "../../core/errors.ts";
import type { Files } from "../../core/files.ts";
import { type BoltMeta, type BoltSnapshot, checkBolt, newestMeta, parseBolt } from "./_bbolt.ts";

// Why one unchanged txid proves a read untorn (bbolt's db.go, tx.go and freelist.go):
//
// 1. A commit of transaction X writes its dirty pages (tx.write, then fdatasync) and only then its
//    meta page (tx.writeMeta), at page X % 2. So once a valid meta of X is seen, every page of X's
//    tree is on file, and X overwrites neither X-1's meta page nor any page of X-1's tree.
// 2. A page X replaces goes to the freelist's pending[X]. Pending pages become allocatable only in
//    db.freePages(), which beginRWTx calls at the start of the NEXT writer, X+1, and only for
//    pending ids older than the oldest open read transaction (readers only delay a release; our
//    reader holds no transaction, so with none open the release is immediate). Writers are
//    serialized by db.rwlock, so X+1 begins after X's writeMeta returned.
// 3. Hence the pages of T's tree are written by nobody while the newest commit is T or T+1: T+1
//    frees them (pending[T+1]) and T+2 is the first that may reuse them, beginning only after
//    T+1's meta is on file.
//
// The reader: read both meta pages (newest valid txid A), read the whole file up to A's high water
// mark (every page of A's tree lies below it; bbolt grows the file ahead), read both meta
// pages again (newest valid txid B). If B == A, T+1 had not completed its meta write when the
// second look began, so T+2 had not started: no page of A's tree changed during the whole read,
// whatever order the file was read in, and A's tree is taken from the bytes. If B == A + 1, that is
// NOT enough: T+1 committed at some unknown moment, after which T+2 may have begun overwriting the
// pages T+1 freed (A's tree) while the data was still being read. So anything but B == A retries.
// Two invalid meta pages at once are damage, not a race (a commit writes one meta page), and so is
// a tree that breaks bbolt's rules when B == A; a bad tree with B != A is a torn read and retries.

/** Options of {@linkcode readSnapshot}. */
export interface ReadSnapshotOptions {
  /** A snapshot read earlier: returned as is when the database has not committed since. */
  readonly previous?: BoltSnapshot;
  /** How long to keep retrying a read that writers keep tearing, in ms; default 2000. */
  readonly budgetMs?: number;
  /** Waits between attempts, in ms, the last one repeated; default 0, 2, 5, 10, 20, 40, 50. */
  readonly backoffMs?: readonly number[];
  /** The clock, for tests; `Date.now` unless given. */
  readonly now?: () => number;
  /** Told about every attempt that was torn by a commit, for figures and tests. */
  readonly onRetry?: (retry: SnapshotRetry) => void;
}

/** What an attempt that had to be retried saw. */
export interface SnapshotRetry {
  /** The attempt (1 for the first). */
  readonly attempt: number;
  /** The newest txid before the whole-file read. */
  readonly before: number;
  /** The newest txid after it. */
  readonly after: number;
}

/** Writers outlasted the retry budget: the database is busy, not damaged. */
export class SnapshotBusyError extends UnavailableError {
  /** Transactions committed between the first and the last look at the meta pages. */
  readonly transactions: number;
  /** Whole-file reads tried. */
  readonly attempts: number;
  /** Time spent, in ms. */
  readonly elapsedMs: number;

  /**
   * Creates the error.
   *
   * @param path The database file.
   * @param transactions Transactions committed while reading.
   * @param attempts Whole-file reads tried.
   * @param elapsedMs Time spent, in ms.
   */
  constructor(path: string, transactions: number, attempts: number, elapsedMs: number) {
    super(
      `Cannot read a consistent snapshot of "${path}": its writer committed ${transactions} transactions while we read; tried ${attempts} times in ${elapsedMs} ms`,
    );
    this.name = "UnavailableError";
    this.transactions = transactions;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

const _backoff = [0, 2, 5, 10, 20, 40, 50];
const _headSize = 4096;
const _probeSize = 1 << 17;

/** The newest valid meta of the file, from as few bytes as its page size allows. */
async function _head(files: Files, path: string, pageSize: number | undefined): Promise<BoltMeta> {
  const size = 2 * (pageSize ?? _headSize);
  const bytes = await files.readRange(path, 0, size);
  try {
    const meta = newestMeta(bytes);
    if (meta.pageSize === (pageSize ?? _headSize)) return meta;
    // The first meta page names another page size: look again where the second one really is.
    return newestMeta(await files.readRange(path, 0, 2 * meta.pageSize));
  } catch (error) {
    if (pageSize !== undefined || bytes.length < size) throw error;
    // Page 0 is damaged and the page size unknown: newestMeta tries common sizes on more bytes.
    return newestMeta(await files.readRange(path, 0, _probeSize));
  }
}

function _same(a: BoltMeta, b: BoltMeta): boolean {
  return a.txid === b.txid && a.checksum === b.checksum;
}

/**
 * Reads one consistent snapshot of a bbolt database that a live process may be writing: the whole
 * database (the file up to the high water mark) in one read, parsed and checked from memory,
 * proven untorn by the meta pages being unchanged before and after (the comment at the top of
 * this module says why that proves it). A read torn by a commit is retried with a short backoff
 * until the time budget runs out.
 *
 * @param files Where the database lives.
 * @param path The database file within `files`.
 * @param options A previous snapshot to reuse, the retry budget and backoff.
 * @returns The snapshot, every page of it already checked.
 * @throws {NotFoundError} When the file does not exist.
 * @throws {InvalidArgumentError} When the file is not a valid bbolt database (bad magic, version,
 *   checksum, page type or tree): real damage, never a busy writer.
 * @throws {SnapshotBusyError} When writers committed during every read until the budget ran out.
 *
 * @example A missing file
 * ```ts
 * import { readSnapshot } from "./_snapshot.ts";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * const missing = () => Promise.reject(new NotFoundError("no such file"));
 * const files = { read: missing, readRange: missing, stat: missing, list: missing };
 * await assertRejects(() => readSnapshot(files, "meta.db"), NotFoundError);
 * ```
 */
export async function readSnapshot(
  files: Files,
  path: string,
  options: ReadSnapshotOptions = {},
): Promise<BoltSnapshot> {
  const { previous, budgetMs = 2000, backoffMs = _backoff, now = Date.now, onRetry } = options;
  const started = now();
  let before = await _head(files, path, previous?.pageSize);
  if (previous && _same(before, previous.meta)) return previous;
  const first = before.txid;
  for (let attempt = 1;; attempt++) {
    // The pages of A's tree lie below its high water mark: the file past it is bbolt's growth room.
    const bytes = await files.readRange(path, 0, before.highWater * before.pageSize);
    const after = await _head(files, path, before.pageSize);
    if (_same(after, before)) {
      // Nothing committed during the read: A's tree in these bytes is whole, so a bad one is damage.
      const snapshot = parseBolt(bytes, before);
      checkBolt(snapshot);
      return snapshot;
    }
    onRetry?.({ attempt, before: before.txid, after: after.txid });
    const elapsedMs = now() - started;
    const wait = backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 0;
    if (elapsedMs + wait >= budgetMs) {
      throw new SnapshotBusyError(path, after.txid - first, attempt, elapsedMs);
    }
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // The look after this read is also a look before the next one: nothing was read in between.
    before = wait > 0 ? await _head(files, path, before.pageSize) : after;
  }
}
