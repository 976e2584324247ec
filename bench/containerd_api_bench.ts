/**
 * Benchmark (issue 22): containerd over its socket. `ocistore images containerd:unix://SOCKET` on
 * a daemon holding 1,000 images in k8s.io, on Deno, Bun and Node, against `ctr images ls` on the
 * same daemon (runs interleaved, median, process start included); and the delay from a ctr command
 * (tag, label, untag, delete) to the change in a store that follows the daemon's events.
 *
 * Usage: `deno run -A bench/containerd_api_bench.ts [IMAGES=1000] [RUNS=7] [EVENT_ROUNDS=10]`
 * prints the figures as JSON lines; `deno task bench containerd_api` runs it with the defaults.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followContainerd, openContainerdApi } from "../src/adapters/containerd_api.ts";
import { ImageStore } from "../src/core/image_store.ts";
import { connectContainerd } from "../src/runtime/containerd_grpc.ts";
import { importFleet, parseImagesLs, startContainerd } from "../tests/adapters/_containerd.ts";
import { atMost, type Figure, info, median, skipped } from "./_figure.ts";
import { cliCommands, type Command, ROOT, runOnce, runSideBySide } from "./_spawn.ts";
import { settle } from "./containerd_bench.ts";

const namespace = "k8s.io";
/** The figure for an event to reach a following store. */
const eventTargetMs = 1000;

/** The names `ocistore images -o json` printed, sorted, without the CRI's `sha256:` names. */
function printedNames(stdout: string): string[] {
  const images = JSON.parse(stdout).images as { repoTags: string[] }[];
  return images.flatMap((image) => image.repoTags).sort();
}

/** Measures one daemon: listing wall times, then event delays. */
export async function measure(images = 1000, runs = 7, eventRounds = 10): Promise<Figure[]> {
  const scratch = mkdtempSync(join(tmpdir(), "ocistore-bench-api-"));
  const daemon = await startContainerd();
  const figures: Figure[] = [];
  try {
    const fleet = await importFleet(
      daemon,
      namespace,
      join(ROOT, "examples/layout"),
      scratch,
      images,
    );
    // The CRI plugin names each new image on an event, writing as it goes: let it finish.
    await settle(daemon);
    const ctrNames = parseImagesLs(await daemon.ctr(namespace, "images", "ls")).map((i) => i.name)
      .filter((n) => !n.startsWith("sha256:")).sort();
    if (ctrNames.length !== images) throw new Error(`ctr lists ${ctrNames.length} names`);
    const source = `containerd:unix://${daemon.socket}?namespace=${namespace}`;
    const ctr: Command = {
      name: "ctr",
      argv: ["ctr", "-a", daemon.socket, "-n", namespace, "images", "ls"],
    };
    const ours: Command[] = [];
    for (const command of cliCommands(["images", source])) {
      if ("skip" in command) {
        figures.push(
          skipped(`containerd_api.images.${command.name}.wall_ms`, "ms", "", command.skip),
        );
        continue;
      }
      // The same answer first: a fast wrong listing is no figure.
      const json = runOnce({ ...command, argv: [...command.argv, "-o", "json"] });
      const names = printedNames(json.stdout);
      if (JSON.stringify(names) !== JSON.stringify(ctrNames)) {
        throw new Error(
          `${command.name}: ocistore images lists ${names.length} names, ctr ${ctrNames.length}`,
        );
      }
      ours.push(command);
    }
    const timed = runSideBySide([ctr, ...ours], runs);
    const ctrMs = median(timed.get("ctr")!.map((r) => r.wallMs));
    const note =
      `${images} images in ${namespace}, median of ${runs}, side by side with ctr images ls`;
    figures.push(info("containerd_api.images.ctr.wall_ms", ctrMs, "ms", note));
    for (const command of ours) {
      const ms = median(timed.get(command.name)!.map((r) => r.wallMs));
      figures.push(info(`containerd_api.images.${command.name}.wall_ms`, ms, "ms", note));
      figures.push(info(`containerd_api.images.${command.name}.vs_ctr`, ms / ctrMs, "ratio", note));
    }
    figures.push(...await eventDelays(daemon.socket, fleet[0], eventRounds));
  } finally {
    await daemon.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  return figures;
}

/**
 * A store follows the daemon while ctr tags, labels, untags and deletes, `rounds` times: for each
 * command, the time from its start (ctr's own start-up included: an upper bound) and from its
 * return (a lower bound: the event may come before ctr has exited) to the store's change.
 */
async function eventDelays(socket: string, from: string, rounds: number): Promise<Figure[]> {
  const client = await connectContainerd(socket);
  const stop = new AbortController();
  const ctr = (...args: string[]) =>
    runOnce({ name: "ctr", argv: ["ctr", "-a", socket, "-n", namespace, "images", ...args] });
  try {
    const store = new ImageStore(openContainerdApi(client, { namespace }));
    await store.sync();
    let arrivals = 0;
    let lastArrival = 0;
    store.onChange(() => {
      arrivals++;
      lastArrival = performance.now();
    });
    const following = followContainerd(client, store, { namespace, signal: stop.signal });
    // Subscribe is live once a change comes through.
    for (let i = 0; arrivals === 0; i++) {
      if (i > 600) throw new Error("no event within 60 s of subscribing");
      ctr("tag", "--force", from, "example.com/bench/probe:1");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    ctr("rm", "example.com/bench/probe:1");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const fromStart: number[] = [];
    const fromReturn: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const name = `example.com/bench/follow:${round}`;
      for (
        const args of [
          ["tag", from, name],
          // A label the store shows (pinned): other labels change no image, so no change comes.
          ["label", name, "io.cri-containerd.pinned=pinned"],
          ["tag", from, `${name}-b`],
          ["rm", `${name}-b`],
          ["rm", name],
        ]
      ) {
        const before = arrivals;
        const started = performance.now();
        // Asynchronous, so this event loop is free to take the event while ctr runs.
        const returned = await new Promise<number>((resolve, reject) => {
          execFile(
            "ctr",
            ["-a", socket, "-n", namespace, "images", ...args],
            (error) => error ? reject(error) : resolve(performance.now()),
          );
        });
        const deadline = performance.now() + 30_000;
        while (arrivals === before) {
          if (performance.now() > deadline) {
            throw new Error(`no change within 30 s of ctr ${args.join(" ")}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        fromStart.push(lastArrival - started);
        fromReturn.push(lastArrival - returned);
      }
    }
    stop.abort();
    await following;
    const note = `${fromStart.length} ctr commands (tag, label, tag, untag, delete) x ${rounds}`;
    return [
      atMost(
        "containerd_api.event.from_ctr_start.median_ms",
        median(fromStart),
        "ms",
        eventTargetMs,
        note,
      ),
      atMost(
        "containerd_api.event.from_ctr_start.max_ms",
        Math.max(...fromStart),
        "ms",
        eventTargetMs,
        note,
      ),
      info("containerd_api.event.after_ctr_returned.median_ms", median(fromReturn), "ms", note),
      info("containerd_api.event.after_ctr_returned.max_ms", Math.max(...fromReturn), "ms", note),
    ];
  } finally {
    stop.abort();
    client.close?.();
  }
}

/** Runs the benchmark with the defaults (1,000 images, 7 runs, 10 event rounds). */
export function run(): Promise<Figure[]> {
  return measure();
}

if (import.meta.main) {
  const [images = "1000", runs = "7", rounds = "10"] = Deno.args;
  for (const figure of await measure(Number(images), Number(runs), Number(rounds))) {
    console.log(JSON.stringify(figure));
  }
}
