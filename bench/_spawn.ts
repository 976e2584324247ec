/** Running the CLI (and the Go program) as subprocesses: wall time and peak memory, side by side. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** A command to time. */
export interface Command {
  /** Row name (`deno`, `bun`, `node`, `go`). */
  readonly name: string;
  /** Program and arguments. */
  readonly argv: readonly string[];
}

/** One run: wall time (ms, process start included), peak resident memory (MiB), CPU time (ms). */
export interface Run {
  readonly wallMs: number;
  readonly peakMiB: number | null;
  /** User + system CPU time of the process (10 ms resolution), `null` without /usr/bin/time. */
  readonly cpuMs: number | null;
  readonly stdout: string;
}

const _TIME = "/usr/bin/time";

/** The repository root (benchmarks run from it, as `deno task bench` does). */
export const ROOT: string = process.cwd();

/** The runtimes' executables, as the tasks call them. */
export const RUNTIMES: { readonly deno: string; readonly bun: string; readonly node: string } = {
  deno: join(ROOT, "node_modules/.bin/deno"),
  bun: join(ROOT, "node_modules/.bin/bun"),
  node: "node",
} as const;

/** How to run the CLI on each runtime, or why that runtime is skipped: the bundles a user runs. */
export function cliCommands(args: readonly string[]): (Command | { name: string; skip: string })[] {
  const bundle = join(ROOT, "dist/cli/bin.js");
  const nodeBin = join(ROOT, "npm/esm/src/cli/bin.js");
  const noBundle = "dist/cli/ is not built (run `npm run setup` or `deno task build:cli` first)";
  return [
    existsSync(bundle)
      ? { name: "deno", argv: [RUNTIMES.deno, "run", "-A", bundle, ...args] }
      : { name: "deno", skip: noBundle },
    existsSync(bundle)
      ? { name: "bun", argv: [RUNTIMES.bun, bundle, ...args] }
      : { name: "bun", skip: noBundle },
    existsSync(nodeBin)
      ? { name: "node", argv: [RUNTIMES.node, nodeBin, ...args] }
      : { name: "node", skip: "npm/ is not built (run `deno task build` first)" },
  ];
}

/** Each runtime doing nothing (`deno eval 0`, `bun -e 0`, `node -e 0`): the start-up floor. */
export const EMPTY_RUNS: readonly Command[] = [
  { name: "deno", argv: [RUNTIMES.deno, "eval", "0"] },
  { name: "bun", argv: [RUNTIMES.bun, "-e", "0"] },
  { name: "node", argv: [RUNTIMES.node, "-e", "0"] },
];

/** Runs a command once; throws when it fails. */
export function runOnce(command: Command): Run {
  const timed = existsSync(_TIME);
  const argv = timed ? [_TIME, "-f", "%U %S %M", ...command.argv] : [...command.argv];
  const started = performance.now();
  const result = spawnSync(argv[0], argv.slice(1), {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${command.argv.join(" ")} exited with ${result.status}: ${
        String(result.stderr).slice(-2000)
      }`,
    );
  }
  let peakMiB: number | null = null;
  let cpuMs: number | null = null;
  if (timed) {
    const lines = String(result.stderr).trim().split("\n");
    const [user, system, kib] = lines[lines.length - 1].split(" ").map(Number);
    peakMiB = kib / 1024;
    cpuMs = (user + system) * 1000;
  }
  return { wallMs, peakMiB, cpuMs, stdout: String(result.stdout) };
}

/** Runs the commands `times` times each, interleaved (so load on the machine hits all alike). */
export function runSideBySide(commands: readonly Command[], times: number): Map<string, Run[]> {
  const runs = new Map<string, Run[]>(commands.map((c) => [c.name, []]));
  for (let i = 0; i < times; i++) {
    for (const command of commands) runs.get(command.name)!.push(runOnce(command));
  }
  return runs;
}
