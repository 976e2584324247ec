/**
 * Benchmark: the CLI against a live containerd (Debian's, started here as root) holding a
 * node-sized metadata store, while two ctr clients write in loops (issue 15's load). Prints JSON.
 *
 * Usage: `deno run -A bench/containerd_bench.ts [RECORDS=1200] [RUNS=25] [DIR] [RATE=0]`.
 * RATE paces the writers to that many committed transactions a second (20 is the load the live
 * test holds and the containerd root source promises; 0: as fast as ctr goes). With DIR (or "" for none), the daemon already running there (root
 * `DIR/root`, socket `DIR/state/containerd.sock`) is measured as it is, and left running.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openContainerd } from "../src/runtime/open_containerd.ts";
import { readSnapshot } from "../src/adapters/containerd/_snapshot.ts";
import type { Files } from "../src/core/files.ts";
import { ImageStore } from "../src/core/image_store.ts";
import { nodeFiles } from "../src/runtime/node_files.ts";
import {
  committedTransactions,
  type Containerd,
  importFleet,
  parseImagesLs,
  run as runCommand,
  startContainerd,
  startWriters,
  toggledNames,
} from "../tests/adapters/_containerd.ts";
import { repoRoot } from "../tests/fixtures.ts";
import { atLeast, atMost, type Figure, info } from "./_figure.ts";

const namespace = "k8s.io";
const metaPath = "io.containerd.metadata.v1.bolt/meta.db";

interface CliRun {
  readonly exit: number;
  readonly ms: number;
  readonly names?: string[];
  readonly stderr: string;
}

function cli(root: string): Promise<CliRun> {
  const started = performance.now();
  const deno = join(repoRoot(), "node_modules/.bin/deno");
  const args = ["run", "-A", join(repoRoot(), "src/cli/bin.ts"), "images"];
  args.push(`containerd:${root}?namespace=${namespace}`, "-o", "json");
  return new Promise((resolve) => {
    execFile(deno, args, { maxBuffer: 256 << 20 }, (error, stdout, stderr) => {
      const ms = Math.round(performance.now() - started);
      const exit = error ? Number((error as { code?: number }).code ?? 1) : 0;
      let names: string[] | undefined;
      try {
        const images = JSON.parse(String(stdout)).images as { repoTags: string[] }[];
        names = images.flatMap((image) => image.repoTags).sort();
      } catch {
        names = undefined;
      }
      resolve({ exit, ms, names, stderr: String(stderr).slice(0, 400) });
    });
  });
}

/** Files that count whole reads of meta.db: every read past the first of a snapshot is a retry. */
function counting(root: string): { files: Files; reads: () => number } {
  const files = nodeFiles(root);
  let reads = 0;
  return {
    files: {
      ...files,
      read: (path) => {
        if (path === metaPath) reads++;
        return files.read(path);
      },
      // Looks at the two meta pages are small; a read of the database is its used part.
      readRange: (path, offset, length) => {
        if (path === metaPath && length > 2 * 65536) reads++;
        return files.readRange(path, offset, length);
      },
    },
    reads: () => reads,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Waits until containerd has committed nothing for a second (at most five minutes). */
export async function settle(daemon: Containerd): Promise<void> {
  // The CRI plugin handles each new image in k8s.io on an event, writing as it goes: wait until
  // containerd has committed nothing for a second (at most five minutes).
  let last = -1;
  for (let i = 0; i < 300; i++) {
    const now = committedTransactions(daemon.root);
    if (now === last) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** A daemon started elsewhere (`DIR/root`, `DIR/state/containerd.sock`), left running. */
function attached(dir: string): Containerd {
  const socket = join(dir, "state/containerd.sock");
  return {
    root: join(dir, "root"),
    socket,
    pid: 0,
    ctr: (ns, ...args) => runCommand("ctr", ["-a", socket, "-n", ns, ...args]),
    stop: () => Promise.resolve(),
    remove: () => {},
  };
}

/** Runs the benchmark for one fleet size (on a daemon of its own, or on `attach`'s). */
export async function measure(
  records: number,
  runs: number,
  attach?: string,
  rate = 0,
): Promise<Record<string, unknown>> {
  const scratch = mkdtempSync(join(tmpdir(), "ocistore-bench-containerd-"));
  const daemon = attach ? attached(attach) : await startContainerd();
  try {
    const importStarted = performance.now();
    let fleet: string[];
    if (attach) {
      // A daemon a former run filled: its fleet, without what its writers left behind.
      for (const name of toggledNames) {
        await daemon.ctr(namespace, "images", "rm", name).catch(() => "");
      }
      const names = parseImagesLs(await daemon.ctr(namespace, "images", "ls")).map((i) => i.name);
      fleet = [names.find((n) => n.endsWith(":0"))!, names.find((n) => n.endsWith(":1"))!];
    } else {
      fleet = await importFleet(
        daemon,
        namespace,
        join(repoRoot(), "examples/layout"),
        scratch,
        records,
      );
    }
    await settle(daemon);
    const importMs = Math.round(performance.now() - importStarted);
    const base = parseImagesLs(await daemon.ctr(namespace, "images", "ls")).map((i) => i.name);
    const baseSet = new Set(base);
    const quiet: CliRun[] = [];
    for (let i = 0; i < 3; i++) quiet.push(await cli(daemon.root));
    const quietMs = median(quiet.map((r) => r.ms));

    const toggled = new Set(toggledNames);
    const writers = startWriters(daemon, namespace, {
      source: fleet[0],
      toggled: toggledNames,
      labelled: fleet[1],
    }, rate || undefined);
    const loaded: CliRun[] = [];
    let inconsistent = 0;
    const writesBefore = Date.now();
    const txidBefore = committedTransactions(daemon.root);
    for (let i = 0; i < runs; i++) {
      const result = await cli(daemon.root);
      loaded.push(result);
      console.error(JSON.stringify({ run: i + 1, exit: result.exit, ms: result.ms }));
      const names = new Set(result.names ?? []);
      const missing = base.filter((n) => !n.startsWith("sha256:") && !names.has(n));
      const extra = [...names].filter((n) => !baseSet.has(n) && !toggled.has(n));
      if (result.names && (missing.length > 0 || extra.length > 0)) inconsistent++;
    }
    // A long-lived source re-listed by ImageStore.sync() under the same load (the writers share
    // this process's event loop, so they slow down while a sync computes).
    const { files, reads } = counting(daemon.root);
    // Under a heavy load a snapshot may stay busy past its budget: counted, not fatal.
    const busy: string[] = [];
    const syncMs: number[] = [];
    let syncFailures = 0;
    const snapshots = runs;
    let store: ImageStore | undefined;
    for (let i = 0; i < snapshots; i++) {
      const started = performance.now();
      try {
        store ??= new ImageStore(await openContainerd(files, { namespace }));
        const { failures } = await store.sync();
        syncFailures += failures.length;
      } catch (error) {
        busy.push(String((error as Error).message).slice(-90));
      }
      syncMs.push(Math.round(performance.now() - started));
    }
    // The adapter alone: a fresh open and one list, as the CLI does before ImageStore takes over,
    // and the snapshot itself with every retry counted.
    const listMs: number[] = [];
    const snapshotMs: number[] = [];
    let listErrors = 0;
    let retries = 0;
    let mostRetries = 0;
    for (let i = 0; i < runs; i++) {
      let started = performance.now();
      try {
        await (await openContainerd(daemon.root, { namespace })).images.list();
      } catch {
        listErrors++;
      }
      listMs.push(Math.round(performance.now() - started));
      started = performance.now();
      let these = 0;
      try {
        await readSnapshot(nodeFiles(daemon.root), metaPath, { onRetry: () => these++ });
      } catch (error) {
        busy.push(String((error as Error).message).slice(-90));
      }
      snapshotMs.push(Math.round(performance.now() - started));
      retries += these;
      mostRetries = Math.max(mostRetries, these);
    }
    const log = await writers.stop();
    const writeSeconds = (Date.now() - writesBefore) / 1000;
    const transactions = committedTransactions(daemon.root) - txidBefore;
    const final = await cli(daemon.root);
    const printed = parseImagesLs(await daemon.ctr(namespace, "images", "ls")).map((i) => i.name);
    const finalNames = (final.names ?? []).filter((n) => !n.startsWith("sha256:"));
    const ctrNames = printed.filter((n) => !n.startsWith("sha256:")).sort();
    return {
      records: printed.length,
      metaDbBytes: statSync(join(daemon.root, metaPath)).size,
      importMs,
      quietMs,
      runs,
      clean: loaded.filter((r) => r.exit === 0 && r.names).length,
      inconsistent,
      exits: loaded.map((r) => r.exit),
      wallMs: {
        median: median(loaded.map((r) => r.ms)),
        max: Math.max(...loaded.map((r) => r.ms)),
      },
      overQuietMs: Math.max(...loaded.map((r) => r.ms)) - quietMs,
      firstError: loaded.find((r) => r.exit !== 0)?.stderr,
      writesPerSecond: Math.round(log.writes / writeSeconds),
      transactionsPerSecond: Math.round(transactions / writeSeconds),
      writerRate: rate,
      inProcess: {
        syncs: snapshots + 1,
        metaDbReads: reads(),
        syncMs: { median: median(syncMs), max: Math.max(...syncMs) },
        syncFailures,
      },
      busyErrors: busy,
      adapter: {
        openAndListMs: { median: median(listMs), max: Math.max(...listMs) },
        openAndListErrors: listErrors,
        snapshots: runs,
        snapshotRetries: retries,
        mostRetriesInOneSnapshot: mostRetries,
        snapshotMs: { median: median(snapshotMs), max: Math.max(...snapshotMs) },
      },
      finalEqualsCtr: final.exit === 0 && JSON.stringify(finalNames) === JSON.stringify(ctrNames),
    };
  } finally {
    await daemon.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs the benchmark with the default size (1,200 records, 25 runs) and gives its main results as
 * the figures `bench/main.ts` prints (the full object: `deno run -A bench/containerd_bench.ts`).
 */
export async function run(): Promise<Figure[]> {
  const result = await measure(1200, 25);
  const wall = result.wallMs as { median: number; max: number };
  const note = `${result.records} records, ${result.runs} runs while the writers held ` +
    `${result.transactionsPerSecond} transactions/s`;
  return [
    info("containerd.images_root.quiet_ms", result.quietMs as number, "ms", note),
    info("containerd.images_root.loaded_median_ms", wall.median, "ms", note),
    info("containerd.images_root.loaded_max_ms", wall.max, "ms", note),
    atLeast(
      "containerd.images_root.clean_runs",
      result.clean as number,
      "runs",
      result.runs as number,
      note,
    ),
    atMost("containerd.images_root.inconsistent", result.inconsistent as number, "runs", 0, note),
    atLeast("containerd.images_root.final_equals_ctr", result.finalEqualsCtr ? 1 : 0, "", 1, note),
  ];
}

if (import.meta.main) {
  const [records = "1200", runs = "25", attach, rate = "0"] = Deno.args;
  console.log(JSON.stringify(
    {
      date: new Date().toISOString(),
      ...(await measure(Number(records), Number(runs), attach || undefined, Number(rate))),
    },
    null,
    2,
  ));
}
