// The snapshot logic of the containerd adapter (src/adapters/containerd/_snapshot.ts) against real
// successive states of a meta.db that Debian's containerd wrote, replayed under the reader through
// an injected Files so that a writer lands between its reads exactly where a test wants it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assert,
  assertEquals,
  assertGreater,
  assertInstanceOf,
  assertNotEquals,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import {
  type BoltBucket,
  checkBolt,
  newestMeta,
  parseBolt,
} from "../../src/adapters/containerd/_bbolt.ts";
import {
  readSnapshot,
  SnapshotBusyError,
  type SnapshotRetry,
} from "../../src/adapters/containerd/_snapshot.ts";
import { openContainerd } from "../../src/adapters/containerd.ts";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../../src/core/errors.ts";
import type { Files } from "../../src/core/files.ts";
import { fixtures } from "../fixtures.ts";
import { test } from "../harness.ts";
import { startContainerd, withManyTags } from "./_containerd.ts";

const metaPath = "io.containerd.metadata.v1.bolt/meta.db";
const text = new TextDecoder();

/** The file after each of a series of single-transaction writes, by txid. */
let history: Promise<Map<number, Uint8Array>> | undefined;

function states(): Promise<Map<number, Uint8Array>> {
  return history ??= (async () => {
    const scratch = mkdtempSync(join(tmpdir(), "ocistore-snapshot-"));
    const daemon = await startContainerd();
    try {
      const archive = await withManyTags((await fixtures()).ociArchive, scratch, 60);
      await daemon.ctr("snap", "images", "import", "--base-name", "example.com/snap", archive);
      const seen = new Map<number, Uint8Array>();
      const file = join(daemon.root, metaPath);
      const head = () => newestMeta(new Uint8Array(readFileSync(file)).subarray(0, 8192));
      // A copy counts only when no commit landed while it was taken (containerd also writes on
      // its own, e.g. garbage collection after the import), else it could itself be torn.
      const capture = async () => {
        for (;;) {
          const before = head();
          const bytes = new Uint8Array(readFileSync(file));
          const after = head();
          if (after.txid === before.txid && after.checksum === before.checksum) {
            return void seen.set(before.txid, bytes);
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      await capture();
      // `ctr images label` is one transaction, so consecutive txids are all captured.
      for (let i = 0; i < 12; i++) {
        const name = `example.com/snap:t${String(i % 3).padStart(3, "0")}`;
        await daemon.ctr("snap", "images", "label", name, `step=${i}`, `other.${i}=x`);
        await capture();
      }
      return seen;
    } finally {
      await daemon.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  })();
}

/** Every key and value below a bucket, one line each, so two trees compare as text. */
function dump(bucket: BoltBucket, prefix = ""): string[] {
  return [...bucket.entries()].flatMap(({ key, value, bucket: child }) => {
    const path = `${prefix}/${text.decode(key)}`;
    return child ? [`${path}/`, ...dump(child, path)] : [`${path}=${text.decode(value)}`];
  });
}

/** What a reader that took the bytes on trust would answer, or the error it would hit. */
function naive(bytes: Uint8Array, meta = newestMeta(bytes)): string[] | string {
  try {
    return dump(parseBolt(bytes, meta).root);
  } catch (error) {
    return String(error);
  }
}

/**
 * Files whose meta.db answers from scripts: the reads of the database in turn, the looks at the
 * meta pages (the first two pages, 8 KiB) in turn; each script's last answer repeats.
 */
function scripted(reads: Uint8Array[], heads: Uint8Array[]) {
  const calls = { reads: 0, heads: 0 };
  const next = (list: Uint8Array[], index: number) => list[Math.min(index, list.length - 1)];
  const files: Files = {
    read: () => Promise.reject(new Error("the reader reads ranges")),
    readRange: (path, offset, length) => {
      assertEquals([path.endsWith("meta.db"), offset], [true, 0]);
      const head = length === 2 * 4096;
      const bytes = head ? next(heads, calls.heads++) : next(reads, calls.reads++);
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
    stat: () => Promise.reject(new NotFoundError("no stat here")),
    list: () => Promise.reject(new NotFoundError("no list here")),
  };
  return { files, calls };
}

/** The pages transaction `bytes` commits wrote or kept: its tree's and its freelist's. */
function written(bytes: Uint8Array): Set<number> {
  const snapshot = parseBolt(bytes);
  const pages = checkBolt(snapshot);
  const { freelist, pageSize, highWater } = snapshot.meta;
  if (freelist < highWater) {
    const overflow = new DataView(bytes.buffer, bytes.byteOffset).getUint32(
      freelist * pageSize + 12,
      true,
    );
    for (let id = freelist; id <= freelist + overflow; id++) pages.add(id);
  }
  return pages;
}

/**
 * The pages of `before`'s tree that the commit in `after` rewrote. Only pages `after`'s commit
 * wrote count: a copy of a live file, consistent for its own tree, may already hold pages of the
 * next commit, which is still writing.
 */
function rewritten(before: Uint8Array, after: Uint8Array): number[] {
  const snapshot = parseBolt(before);
  const size = snapshot.pageSize;
  const mine = written(after);
  return [...checkBolt(snapshot)].filter((id) => {
    if (!mine.has(id)) return false;
    const a = before.subarray(id * size, (id + 1) * size);
    const b = after.subarray(id * size, (id + 1) * size);
    return a.some((byte, i) => byte !== b[i]);
  });
}

/** Transactions t, t+1 and t+2 where t+2 rewrote pages of t's tree. */
async function reuse() {
  const seen = await states();
  for (const [t, before] of [...seen].sort((a, b) => a[0] - b[0])) {
    const next = seen.get(t + 1);
    const after = seen.get(t + 2);
    if (!next || !after) continue;
    const pages = rewritten(before, after);
    if (pages.length > 0) {
      return { t, before, next, after, rewritten: pages, size: parseBolt(before).pageSize };
    }
  }
  throw new Error("expected containerd to reuse a page of some transaction's tree two commits on");
}

/** The bytes a whole read returns when `later`'s data pages land on `rewritten` mid-read. */
function torn(before: Uint8Array, after: Uint8Array, rewritten: number[], size: number) {
  const bytes = before.slice();
  for (const id of rewritten) bytes.set(after.subarray(id * size, (id + 1) * size), id * size);
  return bytes;
}

test("bbolt as containerd runs it: T+1 never rewrites a page of T's tree, T+2 does", async () => {
  const seen = await states();
  let pairs = 0;
  for (const [t, before] of seen) {
    const next = seen.get(t + 1);
    if (!next) continue;
    assertEquals(rewritten(before, next), [], `transaction ${t + 1} rewrote a page of ${t}`);
    pairs++;
  }
  assertGreater(pairs, 5);
  const { before, after } = await reuse();
  // The pages T+2 took over are gone from T's answer: T's tree and T+2's differ.
  assertNotEquals(naive(before), naive(after));
});

test("readSnapshot() never returns a read torn by T+2, though T+1 is all the meta pages show after it", async () => {
  const { before, next, after, rewritten, size, t } = await reuse();
  const tornBytes = torn(before, after, rewritten, size);
  // The trap: the meta pages read after the torn read name T+1, and T's tree in the torn bytes is
  // neither T's nor any committed state, so accepting "T or T+1" would hand out a torn answer.
  assertEquals(newestMeta(next).txid, t + 1);
  const tornAnswer = naive(tornBytes, newestMeta(before));
  assertNotEquals(tornAnswer, naive(before));
  assertNotEquals(tornAnswer, naive(next));
  assertNotEquals(tornAnswer, naive(after));

  const retries: SnapshotRetry[] = [];
  const { files, calls } = scripted([tornBytes, after], [before, next, after]);
  const snapshot = await readSnapshot(files, "meta.db", {
    backoffMs: [0],
    onRetry: (r) => retries.push(r),
  });
  assertEquals(snapshot.txid, t + 2);
  assertEquals(dump(snapshot.root), naive(after));
  assertEquals(retries.map((r) => [r.before, r.after]), [[t, t + 1], [t + 1, t + 2]]);
  assertEquals(calls, { reads: 3, heads: 4 });
});

test("readSnapshot() retries a read during which T+1 committed, though T's pages were intact", async () => {
  const { before, next, t } = await reuse();
  // T+1 writes only pages free in T, then its meta: the bytes hold T's tree whole. Still, seeing
  // T+1 afterwards proves nothing about T+2, so the reader reads again rather than guess.
  const retries: SnapshotRetry[] = [];
  const { files } = scripted([next, next], [before, next]);
  const snapshot = await readSnapshot(files, "meta.db", { onRetry: (r) => retries.push(r) });
  assertEquals(snapshot.txid, t + 1);
  assertEquals(retries.length, 1);
});

test("readSnapshot() takes a tree that breaks bbolt's rules as a torn read while the txid moves", async () => {
  const { before, after, t } = await reuse();
  const garbage = before.slice();
  const snapshot = parseBolt(before);
  for (const id of checkBolt(snapshot)) garbage[id * snapshot.pageSize + 8] = 0x10;
  const { files } = scripted([garbage, after], [before, after]);
  assertEquals((await readSnapshot(files, "meta.db")).txid, t + 2);
});

test("readSnapshot() reports a bad tree as damage (InvalidArgumentError) when nothing committed", async () => {
  const { before } = await reuse();
  const snapshot = parseBolt(before);
  const bad = before.slice();
  bad[[...checkBolt(snapshot)][0] * snapshot.pageSize + 8] = 0x10;
  const { files, calls } = scripted([bad], [bad]);
  await assertRejects(() => readSnapshot(files, "meta.db"), InvalidArgumentError, "flags 0x10");
  assertEquals(calls.reads, 1, "damage is not retried");
  const noMagic = before.slice();
  noMagic[16] ^= 0xff;
  noMagic[snapshot.pageSize + 16] ^= 0xff;
  await assertRejects(
    () => readSnapshot(scripted([noMagic], [noMagic]).files, "meta.db"),
    InvalidArgumentError,
    "expected magic",
  );
});

test("readSnapshot() gives up busy with UnavailableError when every read is torn, within its budget", async () => {
  const seen = await states();
  const txids = [...seen.keys()].sort((a, b) => a - b);
  const heads = txids.map((txid) => seen.get(txid)!);
  let clock = 0;
  const { files, calls } = scripted([heads[0]], heads);
  const error = await assertRejects(
    () =>
      readSnapshot(files, "meta.db", {
        budgetMs: 50,
        backoffMs: [0],
        now: () => (clock += 10),
      }),
    UnavailableError,
  );
  assertInstanceOf(error, SnapshotBusyError);
  assertEquals(error.attempts, calls.reads);
  assertEquals(error.transactions, txids[calls.reads] - txids[0]);
  assert(error.elapsedMs <= 50, String(error.elapsedMs));
  assert(
    error.message.includes(
      `committed ${error.transactions} transactions while we read; tried ${error.attempts} times in ${error.elapsedMs} ms`,
    ),
    error.message,
  );
});

test("readSnapshot() reuses the previous snapshot while nothing committed, with one look at the meta pages", async () => {
  const { before, next } = await reuse();
  const { files, calls } = scripted([before], [before]);
  const first = await readSnapshot(files, "meta.db");
  assertEquals(calls, { reads: 1, heads: 2 });
  assertStrictEquals(await readSnapshot(files, "meta.db", { previous: first }), first);
  assertEquals(calls, { reads: 1, heads: 3 });
  const moved = scripted([next], [next]);
  assertEquals(
    (await readSnapshot(moved.files, "meta.db", { previous: first })).txid,
    first.txid + 1,
  );
});

test("readSnapshot() finds the second meta page when the first is damaged", async () => {
  const { before } = await reuse();
  const bytes = before.slice();
  const meta = newestMeta(before);
  // Break page 0's meta; the snapshot comes from page 1 whatever txid it holds.
  bytes[16 + 56] ^= 0xff;
  const other = newestMeta(bytes);
  assertEquals(other.txid % 2, 1);
  const { files } = scripted([bytes], [bytes]);
  assertEquals((await readSnapshot(files, "meta.db")).txid, other.txid);
  assert(Math.abs(other.txid - meta.txid) <= 1);
});

test("openContainerd() tells a busy database (UnavailableError) from a damaged one, within its budget", async () => {
  const seen = await states();
  const heads = [...seen.keys()].sort((a, b) => a - b).map((txid) => seen.get(txid)!);
  // Every look at the meta pages finds a newer commit than the one before.
  const busy = scripted([heads[0]], heads);
  const error = await assertRejects(
    () => openContainerd(busy.files, { label: '"/var/lib/containerd"', retryBudgetMs: 20 }),
    UnavailableError,
    'Cannot read "io.containerd.metadata.v1.bolt/meta.db" of containerd root "/var/lib/containerd": containerd wrote ',
  );
  assert(
    /wrote [1-9]\d* transactions while we read; tried \d+ times in \d+ ms$/.test(error.message),
    error.message,
  );
  const bad = heads[0].slice();
  bad[16] ^= 0xff;
  bad[4096 + 16] ^= 0xff;
  await assertRejects(
    () => openContainerd(scripted([bad], [bad]).files),
    InvalidArgumentError,
    "is not a readable bbolt database",
  );
  await assertRejects(
    () => openContainerd(busy.files, { retryBudgetMs: -1 }),
    TypeError,
    "retryBudgetMs",
  );
});
