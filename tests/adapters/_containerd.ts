/** Test support: a real containerd daemon in a temp directory, ctr and its output, archive tweaks. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { repoRoot } from "../fixtures.ts";
import { newestMeta } from "../../src/adapters/containerd/_bbolt.ts";
import type { Descriptor, ImageRecord } from "../../src/core/types.ts";
import { assert, assertEquals } from "@std/assert";

/** A running containerd with its own root, state and socket. */
export interface Containerd {
  /** The daemon's root directory (what `openContainerd` opens). */
  readonly root: string;
  /** The daemon's gRPC socket. */
  readonly socket: string;
  /** The daemon's process id. */
  readonly pid: number;
  /** Runs `ctr -a SOCKET -n NAMESPACE ARGS…` and resolves with its stdout. */
  ctr(namespace: string, ...args: string[]): Promise<string>;
  /** Stops the daemon (SIGTERM, then SIGKILL) and, unless `keep`, removes its directories. */
  stop(options?: { keep?: boolean }): Promise<void>;
  /** Removes the daemon's directories (after `stop({ keep: true })`). */
  remove(): void;
  /** Kills the daemon (SIGKILL) and starts it again on the same root and socket (not on attached daemons). */
  restart?(): Promise<void>;
}

/**
 * Runs a command and resolves with its stdout.
 *
 * @param command The program.
 * @param args Its arguments.
 * @returns Standard output.
 */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")}: ${error.message}\n${stderr}`));
      else resolve(String(stdout));
    });
  });
}

const _running = new Set<ChildProcess>();
let _exitHook = false;

/** Whether `exited` settles within `ms` (Deno reports a signal as soon as it is sent, not on exit). */
function _within(exited: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts Debian's containerd 1.6 as root with a temp root, state and socket, the CRI plugin on
 * the native snapshotter, and waits until `ctr version` answers.
 *
 * @returns The running daemon.
 */
export async function startContainerd(): Promise<Containerd> {
  const dir = mkdtempSync(join(tmpdir(), "ocistore-containerd-"));
  const root = join(dir, "root");
  const state = join(dir, "state");
  const socket = join(state, "containerd.sock");
  mkdirSync(root);
  mkdirSync(state);
  const config = join(dir, "config.toml");
  writeFileSync(
    config,
    [
      "version = 2",
      `root = "${root}"`,
      `state = "${state}"`,
      "[grpc]",
      `  address = "${socket}"`,
      "[debug]",
      `  address = ""`,
      `[plugins."io.containerd.grpc.v1.cri".containerd]`,
      `  snapshotter = "native"`,
      "",
    ].join("\n"),
  );
  let child!: ChildProcess;
  let exitCode: number | null = null;
  let exited!: Promise<void>;
  let stderr = "";
  const launch = () => {
    child = spawn("containerd", ["--config", config], { stdio: ["ignore", "ignore", "pipe"] });
    exitCode = null;
    stderr = "";
    const started = child;
    // containerd logs to stderr; the tail says why a daemon that exited early did.
    started.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      if (child === started) stderr = (stderr + chunk).slice(-8192);
    });
    exited = new Promise<void>((resolve) =>
      started.once("exit", (code) => {
        // A killed daemon's exit can be reported after its successor started: not the successor's.
        if (child === started) exitCode = code ?? -1;
        resolve();
      })
    );
    _running.add(child);
  };
  launch();
  if (!_exitHook) {
    _exitHook = true;
    // A failed run must not leave a daemon behind.
    process.once("exit", () => {
      for (const c of _running) c.kill("SIGKILL");
    });
  }
  const ctr = (namespace: string, ...args: string[]) =>
    run("ctr", ["-a", socket, "-n", namespace, ...args]);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const stop = async (options: { keep?: boolean } = {}) => {
    if (_running.has(child)) {
      child.kill("SIGTERM");
      if (!(await _within(exited, 3000))) {
        child.kill("SIGKILL");
        await _within(exited, 3000);
      }
      _running.delete(child);
    }
    if (!options.keep) remove();
  };
  const ready = async () => {
    // A stall stop, not a verdict: on a loaded machine containerd can take tens of seconds to start.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exitCode !== null) {
        throw new Error(`containerd exited with ${exitCode}; its last output:\n${stderr}`);
      }
      if (existsSync(socket)) {
        try {
          await ctr("default", "version");
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
      }
      if (Date.now() > deadline) throw new Error("containerd did not open its socket in 60 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const restart = async () => {
    const pid = child.pid!;
    child.kill("SIGKILL");
    _running.delete(child);
    // Deno reports the exit when the signal is sent: wait until the process is really gone.
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    launch();
    try {
      await ready();
    } catch (error) {
      if (exitCode === null) throw error;
      // The killed daemon's successor can exit at once while the old one's bolt lock or socket
      // is still being released; one more launch a second later, with the first one's reason kept.
      console.error(`containerd restart: first launch failed (${(error as Error).message})`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      launch();
      await ready();
    }
  };
  try {
    await ready();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    root,
    socket,
    get pid() {
      return child.pid!;
    },
    ctr,
    stop,
    remove,
    restart,
  };
}

/** One row of `ctr images ls`. */
export interface CtrImage {
  /** REF. */
  readonly name: string;
  /** TYPE. */
  readonly mediaType: string;
  /** DIGEST. */
  readonly digest: string;
  /** LABELS, parsed from `k=v,k=v` (or `-`). */
  readonly labels: Record<string, string>;
}

/**
 * Parses `ctr images ls`: REF TYPE DIGEST SIZE (two words) PLATFORMS LABELS.
 *
 * @param text The command's output.
 * @returns One row per image, in printed order.
 */
export function parseImagesLs(text: string): CtrImage[] {
  return text.trim().split("\n").slice(1).filter(Boolean).map((line) => {
    const words = line.trim().split(/\s+/);
    const labelText = words[words.length - 1];
    const labels: Record<string, string> = {};
    if (labelText !== "-") {
      for (const pair of labelText.split(",")) {
        const eq = pair.indexOf("=");
        labels[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
    }
    return { name: words[0], mediaType: words[1], digest: words[2], labels };
  });
}

/**
 * Parses `ctr content ls`: DIGEST SIZE AGE LABELS, sizes like `345B` or `1.2kB` — only exact
 * byte counts are returned.
 *
 * @param text The command's output.
 * @returns Size in bytes by digest, for rows printed in bytes.
 */
export function parseContentLs(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of text.trim().split("\n").slice(1)) {
    const [digest, size] = line.split("\t").filter(Boolean);
    const bytes = /^(\d+)B$/.exec(size ?? "");
    if (digest && bytes) sizes.set(digest, Number(bytes[1]));
  }
  return sizes;
}

/**
 * Copies an OCI archive, adding `count` index entries `t000…` that name its first manifest, so one
 * `ctr images import` creates that many images.
 *
 * @param archive The OCI archive (a tar of a layout).
 * @param dir A scratch directory.
 * @param count How many tags to add.
 * @returns The new archive's path.
 */
export async function withManyTags(archive: string, dir: string, count: number): Promise<string> {
  const layout = join(dir, "layout");
  mkdirSync(layout, { recursive: true });
  await run("tar", ["-C", layout, "-xf", archive]);
  const indexPath = join(layout, "index.json");
  const index = JSON.parse(readFileSync(indexPath, "utf8"));
  const first = index.manifests[0];
  for (let i = 0; i < count; i++) {
    const tag = `t${String(i).padStart(3, "0")}`;
    index.manifests.push({ ...first, annotations: { "org.opencontainers.image.ref.name": tag } });
  }
  writeFileSync(indexPath, JSON.stringify(index));
  const path = join(dir, "many.tar");
  await run("tar", ["-C", layout, "-cf", path, "."]);
  return path;
}

/**
 * Orders strings by their UTF-8 bytes, as bbolt orders keys.
 *
 * @param a One string.
 * @param b Another.
 * @returns Negative, zero or positive.
 */
export function byteOrder(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Imports `count` image records into `namespace` in one `ctr images import`: an archive of the OCI
 * layout whose index names its manifests in turn `docker.io/fleet/<tag of the entry>:<n>`, as a
 * node holding many tags of a few images would.
 *
 * @param daemon The running containerd.
 * @param namespace Where to import.
 * @param layout An OCI layout directory (its index entries are repeated).
 * @param dir A scratch directory.
 * @param count How many names to create.
 * @returns The names created, in creation order.
 */
export async function importFleet(
  daemon: Containerd,
  namespace: string,
  layout: string,
  dir: string,
  count: number,
): Promise<string[]> {
  const copy = join(dir, `fleet-${count}`);
  mkdirSync(copy, { recursive: true });
  await run("cp", ["-r", `${layout}/.`, copy]);
  const indexPath = join(copy, "index.json");
  const index = JSON.parse(readFileSync(indexPath, "utf8"));
  const entries = index.manifests as { annotations?: Record<string, string> }[];
  const names: string[] = [];
  index.manifests = Array.from({ length: count }, (_, n) => {
    const entry = entries[n % entries.length];
    const tag = entry.annotations?.["org.opencontainers.image.ref.name"] ?? "image";
    const name = `docker.io/fleet/${tag.replace(/[^a-z0-9]+/g, "-")}:${n}`;
    names.push(name);
    return { ...entry, annotations: { "io.containerd.image.name": name } };
  });
  writeFileSync(indexPath, JSON.stringify(index));
  const archive = join(dir, `fleet-${count}.tar`);
  await run("tar", ["-C", copy, "-cf", archive, "."]);
  await daemon.ctr(namespace, "images", "import", "--all-platforms", "--no-unpack", archive);
  return names;
}

/**
 * The newest committed bbolt transaction id of a root's metadata database (from its meta pages):
 * its growth is how many transactions containerd committed.
 *
 * @param root The daemon's root directory.
 * @returns The transaction id.
 */
export function committedTransactions(root: string): number {
  const meta = readFileSync(join(root, "io.containerd.metadata.v1.bolt/meta.db")).subarray(
    0,
    65536 * 2,
  );
  return newestMeta(new Uint8Array(meta)).txid;
}

/** The names {@linkcode startWriters}' tag writers add and remove, one writer each. */
export const toggledNames: readonly string[] = [1, 2, 3].map((i) => `docker.io/fleet/toggled:${i}`);

/** What the writers of {@linkcode startWriters} did. */
export interface WriterLog {
  /** Transactions-worth of ctr commands that succeeded. */
  readonly writes: number;
  /** Every value the label writer set, in order. */
  readonly labels: string[];
  /** Transactions containerd committed from start to stop (its database's txid grew by this). */
  readonly transactions: number;
  /** How long the writers ran, in seconds. */
  readonly seconds: number;
  /** `transactions / seconds`: the load actually held. */
  readonly transactionsPerSecond: number;
}

/**
 * Ordinary clients writing in loops, as on a busy node: one per `toggled` name tags it from
 * `source` and removes it again, another sets label `example.com/step` of `labelled` to 0, 1, 2….
 *
 * They run in a Node process of their own (`_ctr_writers.mjs`), so a reader keeping this event
 * loop busy neither holds them back nor lets them burst. With `transactionsPerSecond`, all wait
 * before each command until the database's committed transactions (not ctr commands: one command
 * may commit more than one) are behind that rate since the start; a writer held up catches up by
 * at most a second's worth, so a machine too slow for the rate shows a lower measured rate instead
 * of a heavier load.
 *
 * @param daemon The running containerd.
 * @param namespace Where to write.
 * @param names The image to tag from, the names that come and go, the image to label.
 * @param transactionsPerSecond The pace of both writers together (undefined: as fast as ctr goes).
 * @returns `stop()`, which ends both loops after their current command and reports them.
 */
export function startWriters(
  daemon: Containerd,
  namespace: string,
  names: { source: string; toggled: readonly string[]; labelled: string },
  transactionsPerSecond?: number,
): { stop(): Promise<WriterLog> } {
  // From the repository (the Node build of the tests copies no .mjs next to them).
  const script = join(repoRoot(), "tests/adapters/_ctr_writers.mjs");
  const child = spawn("node", [
    script,
    daemon.socket,
    namespace,
    daemon.root,
    names.source,
    names.toggled.join(","),
    names.labelled,
    String(transactionsPerSecond ?? 0),
  ], { stdio: ["pipe", "pipe", "inherit"] });
  _running.add(child);
  let out = "";
  child.stdout!.on("data", (chunk) => out += chunk);
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return {
    async stop() {
      child.stdin!.end();
      const code = await exited;
      _running.delete(child);
      if (code !== 0) throw new Error(`the ctr writers exited ${code}`);
      return JSON.parse(out) as WriterLog;
    },
  };
}

/**
 * Fails unless the writers held `rate` (within -10 %/+25 %): a machine too slow for the rate fails
 * saying so, rather than a test passing on a lighter load.
 *
 * @param log What {@linkcode startWriters} reported.
 * @param rate The transactions a second the test must run at.
 */
export function assertHeldRate(log: WriterLog, rate: number): void {
  const held = log.transactionsPerSecond;
  if (held >= rate * 0.9 && held <= rate * 1.25) return;
  throw new Error(
    `the writers held ${held.toFixed(1)} transactions/s (${log.transactions} in ${
      log.seconds.toFixed(1)
    } s); this test must run at ${rate}/s: ${
      held < rate * 0.9 ? "this machine could not reach the rate" : "the pacer overshot"
    }`,
  );
}

/** What every listing taken while {@linkcode startWriters} run must agree with. */
export interface ListingExpectation {
  /** The names before the writers started, in the order a listing gives them. */
  readonly base: readonly string[];
  /** The names the tag writers add and remove. */
  readonly toggled: readonly string[];
  /** The target each `toggled` name must have whenever it is listed. */
  readonly sourceTarget: Descriptor;
  /** The image whose `example.com/step` label the label writer counts up. */
  readonly labelled: string;
  /** Compare names sorted (a source whose listing order is not the database's). */
  readonly sorted?: boolean;
}

/**
 * Fails unless one listing is a state containerd really passed through: no name that never
 * existed, none missing that was never removed, the toggled names (when there) on the source's
 * target, and the label step never behind the listing before (`seenSteps`, which this extends).
 *
 * @param listed The listing.
 * @param expected What it must agree with.
 * @param seenSteps The label steps of the listings before, oldest first.
 * @returns Whether a toggled name was listed.
 */
export function checkListing(
  listed: readonly ImageRecord[],
  expected: ListingExpectation,
  seenSteps: number[],
): boolean {
  const { base, toggled, labelled } = expected;
  const names = listed.map((r) => r.name);
  if (expected.sorted) names.sort();
  const baseSet = new Set(base);
  const toggledSet = new Set(toggled);
  assertEquals(names.filter((n) => !baseSet.has(n) && !toggledSet.has(n)), []);
  assertEquals(
    names.filter((n) => !toggledSet.has(n)),
    expected.sorted ? [...base].sort() : [...base],
  );
  const tagged = listed.filter((r) => toggledSet.has(r.name));
  for (const record of tagged) assertEquals(record.target, expected.sourceTarget);
  // The label only moves forward: each listing is at least as new as the one before.
  const step = listed.find((r) => r.name === labelled)?.labels["example.com/step"];
  const value = step === undefined ? -1 : Number(step);
  assert(value >= (seenSteps.at(-1) ?? -1), `step ${value} after ${seenSteps.at(-1)}`);
  seenSteps.push(value);
  return tagged.length > 0;
}

/** How {@linkcode listWhileWriting} reads and when it may stop. */
export interface ListingLoad {
  /** The writers' pace, in committed transactions a second, which the run must hold. */
  readonly rate: number;
  /** Transactions the writers must commit while the reader lists. */
  readonly readThrough: number;
  /** The least listings of the run, whatever the machine's speed. */
  readonly leastLists: number;
  /** A stop for writers that stall: not the verdict (a stalled run fails the rate assertion). */
  readonly stallMs: number;
  /** A store over the same source: `sync()` every `syncEvery` listings must have no failures. */
  readonly store: { sync(): Promise<{ failures: readonly unknown[] }> };
  readonly syncEvery: number;
  /** The reader's pause before each listing (0: none). */
  readonly pauseMs?: number;
  /** One listing of the source under test. */
  list(): Promise<readonly ImageRecord[]>;
  /** More checks of each listing, after {@linkcode checkListing}'s. */
  checkEach?(listed: readonly ImageRecord[]): Promise<void>;
}

/** What {@linkcode listWhileWriting} saw. */
export interface ListingRun {
  readonly log: WriterLog;
  readonly lists: number;
  readonly withToggled: number;
  readonly syncs: number;
  /** The label step of each listing, in order. */
  readonly seenSteps: readonly number[];
}

/**
 * Lists a source again and again while {@linkcode startWriters} write to it at `load.rate`, each
 * listing held to {@linkcode checkListing}, until the writers have committed `readThrough`
 * transactions and `leastLists` listings were taken; then asserts the rate held and that the
 * reader kept up (it synced, and saw the label writer move).
 *
 * @param daemon The running containerd.
 * @param namespace Where the writers write.
 * @param expected What every listing must agree with (its names are the writers' too).
 * @param load How to read, and the rate to hold.
 * @returns What the run saw, for the test's own checks and its printed line.
 */
export async function listWhileWriting(
  daemon: Containerd,
  namespace: string,
  expected: ListingExpectation & { readonly source: string },
  load: ListingLoad,
): Promise<ListingRun> {
  const { source, toggled, labelled } = expected;
  const writers = startWriters(daemon, namespace, { source, toggled, labelled }, load.rate);
  const firstTx = committedTransactions(daemon.root);
  const seenSteps: number[] = [];
  let lists = 0;
  let withToggled = 0;
  let syncs = 0;
  let log: WriterLog;
  try {
    const stall = Date.now() + load.stallMs;
    while (
      (lists < load.leastLists ||
        committedTransactions(daemon.root) - firstTx < load.readThrough) &&
      Date.now() < stall
    ) {
      if (load.pauseMs) await new Promise((resolve) => setTimeout(resolve, load.pauseMs));
      const listed = await load.list();
      lists++;
      if (checkListing(listed, expected, seenSteps)) withToggled++;
      await load.checkEach?.(listed);
      if (lists % load.syncEvery === 0) {
        assertEquals((await load.store.sync()).failures, []);
        syncs++;
      }
    }
  } finally {
    log = await writers.stop();
  }
  assertHeldRate(log, load.rate);
  assert(log.transactions >= load.readThrough, "the writers kept writing");
  assert(lists >= load.leastLists, `${lists} listings`);
  assert(syncs > 0, "no sync ran");
  assert(new Set(seenSteps).size > 2, "listings followed the label writer");
  return { log, lists, withToggled, syncs, seenSteps };
}
