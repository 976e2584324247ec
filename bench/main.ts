/**
 * Runs the benchmarks and prints one JSON object per line: first the machine, runtime and
 * version, then one figure per line ({name, value, unit, target, pass}); a readable summary goes
 * to stderr. `deno task bench [SCENARIO…]`, `bun bench/main.ts`, `node bench/run_node.mjs`.
 *
 * Scenarios: store, sha256 (in-process, on the runtime running this), cli, archive (subprocesses
 * on every runtime, by default only from Deno), and registry, bundle, containerd, containerd_api
 * when bench/registry_bench.ts, bench/bundle_bench.ts, bench/containerd_bench.ts,
 * bench/containerd_api_bench.ts exist (each exports `run(): Promise<Figure[]>`).
 */
import { existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Figure } from "./_figure.ts";
import { ROOT } from "./_spawn.ts";

type _Run = () => Promise<Figure[]>;

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const version = runtime === "deno"
  ? (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno
  : runtime === "bun"
  ? (globalThis as unknown as { Bun: { version: string } }).Bun.version
  : process.versions.node;
// Under Node this file runs bundled (bench/run_node.mjs), beside bundled copies of the others.
const ext = import.meta.url.endsWith(".mjs") ? "mjs" : "ts";

const builtIn: Record<string, () => Promise<_Run>> = {
  store: async () => (await import("./store_bench.ts")).run,
  sha256: async () => (await import("./sha256_bench.ts")).run,
  cli: async () => (await import("./cli_bench.ts")).run,
  archive: async () => (await import("./archive_bench.ts")).run,
  inflate: async () => (await import("./inflate_bench.ts")).run,
  files: async () => (await import("./files_bench.ts")).run,
};
const external = ["registry", "bundle", "containerd", "containerd_api"];
const subprocess = new Set(["cli", "archive", "files"]);

const asked = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const scenarios = asked.length > 0
  ? asked
  : [...Object.keys(builtIn), ...external].filter((s) => runtime === "deno" || !subprocess.has(s));

const cpu = cpus();
console.log(JSON.stringify({
  machine: {
    cpus: cpu.length,
    model: cpu[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}/${process.arch}`,
  },
  runtime,
  version,
  date: new Date().toISOString(),
  scenarios,
}));

const figures: Figure[] = [];
for (const scenario of scenarios) {
  let run: _Run | undefined;
  if (scenario in builtIn) run = await builtIn[scenario]();
  else if (external.includes(scenario)) {
    const file = join(ROOT, "bench", `${scenario}_bench.ts`);
    if (!existsSync(file)) continue;
    const url = new URL(`./${scenario}_bench.${ext}`, import.meta.url).href;
    run = ((await import(url)) as { run: _Run }).run;
  } else {
    console.error(`bench: unknown scenario "${scenario}"`);
    process.exitCode = 2;
    continue;
  }
  try {
    for (const figure of await run()) {
      figures.push(figure);
      console.log(JSON.stringify(figure));
    }
  } catch (error) {
    const figure: Figure = {
      name: `${scenario}.error`,
      value: null,
      unit: "",
      target: "runs",
      pass: false,
      note: String((error as Error)?.message ?? error).slice(0, 500),
    };
    figures.push(figure);
    console.log(JSON.stringify(figure));
  }
}

// Rows from other benchmarks may give the target as a number (an upper bound).
const mark = (f: Figure) => (f.pass === true ? "ok  " : f.pass === false ? "MISS" : "    ");
const lines = figures.map((f) =>
  `${mark(f)} ${f.name.padEnd(36)} ${String(f.value ?? "-").padStart(12)} ${f.unit.padEnd(6)} ${
    (typeof f.target === "number" ? `<= ${f.target}` : String(f.target ?? "")).padEnd(12)
  } ${f.note ?? ""}`
);
const met = figures.filter((f) => f.pass === true).length;
const missed = figures.filter((f) => f.pass === false).length;
console.error(
  [`\n${runtime} ${version}: ${met} targets met, ${missed} missed`, ...lines].join("\n"),
);
