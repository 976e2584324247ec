/**
 * Target 1: `ocistore images oci:DIR -o json --platform linux/amd64` on the 1,000-reference layout,
 * on Deno, Bun and Node, against a Go program built on containerd 1.6's own packages
 * (bench/go/images.go), side by side, median of 7, process start included. CPU time (user +
 * system) is given beside wall time: on a shared machine it moves less with the load.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { atMost, type Figure, info, median, skipped } from "./_figure.ts";
import { cliCommands, type Command, EMPTY_RUNS, ROOT, runSideBySide } from "./_spawn.ts";
import { generateLayout } from "./gen_layout.ts";

const _GOCODE = "/usr/share/gocode";
const _RATIOS: Record<string, number> = { deno: 0.8, bun: 0.5, node: 1.0 };

/** The 1,000-reference layout, generated once into .cache/bench. */
export async function nodeLayout(): Promise<string> {
  const dir = join(ROOT, ".cache/bench/node1000");
  if (!existsSync(join(dir, "index.json"))) await generateLayout(dir, 1000, "node");
  return dir;
}

/** Builds the Go program, or says why it cannot be built here. */
export function goProgram(): { path: string } | { skip: string } {
  const source = join(ROOT, "bench/go/images.go");
  const out = join(ROOT, ".cache/bench/go_images");
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return { path: out };
  if (!existsSync(join(_GOCODE, "src/github.com/containerd/containerd/images"))) {
    return {
      skip: "Debian's golang-github-containerd-containerd-dev is not installed " +
        "(apt-get install -y golang-go golang-github-containerd-containerd-dev)",
    };
  }
  const built = spawnSync("go", ["build", "-o", out, source], {
    encoding: "utf8",
    env: { ...process.env, GOPATH: _GOCODE, GO111MODULE: "off", GOFLAGS: "" },
  });
  if (built.error) return { skip: `go is not installed (${built.error.message})` };
  if (built.status !== 0) return { skip: `go build failed: ${built.stderr.slice(-500)}` };
  return { path: out };
}

import process from "node:process";

/** Runs the comparison. */
export async function run(): Promise<Figure[]> {
  const dir = await nodeLayout();
  const args = ["images", `oci:${dir}`, "-o", "json", "--platform", "linux/amd64"];
  const commands: Command[] = [];
  const figures: Figure[] = [];
  for (const command of cliCommands(args)) {
    if ("skip" in command) {
      figures.push(
        skipped(
          `cli.${command.name}.wall_ratio`,
          "ratio",
          `<= ${_RATIOS[command.name]}`,
          command.skip,
        ),
      );
    } else commands.push(command);
  }
  const go = goProgram();
  if ("path" in go) commands.push({ name: "go", argv: [go.path, dir, "linux/amd64"] });
  // The runtimes' empty runs go in the same interleaved rounds: the floor under the same load.
  const empty = EMPTY_RUNS.filter((e) => commands.some((c) => c.name === e.name))
    .map((e) => ({ name: `${e.name}.empty`, argv: e.argv }));
  const runs = runSideBySide([...commands, ...empty], 7);
  const wall = (name: string) => median(runs.get(name)!.map((r) => r.wallMs));
  const cpu = (name: string) => median(runs.get(name)!.map((r) => r.cpuMs ?? NaN));
  const peak = (name: string) => Math.max(...runs.get(name)!.map((r) => r.peakMiB ?? NaN));
  const count = (name: string) =>
    (JSON.parse(runs.get(name)![0].stdout) as { images: unknown[] }).images.length;
  if ("path" in go) {
    figures.push(info("cli.go.wall_ms", wall("go"), "ms", "containerd 1.6 packages, same layout"));
    figures.push(info("cli.go.peak_rss", peak("go"), "MiB"));
    figures.push(info("cli.go.cpu_ms", cpu("go"), "ms", "user + system, both cores"));
  }
  for (const command of commands) {
    if (command.name === "go") continue;
    const name = command.name;
    figures.push(info(`cli.${name}.wall_ms`, wall(name), "ms", `${count(name)} images listed`));
    figures.push(info(`cli.${name}.peak_rss`, peak(name), "MiB"));
    figures.push(info(`cli.${name}.empty_wall_ms`, wall(`${name}.empty`), "ms", "start-up floor"));
    figures.push(info(`cli.${name}.empty_rss`, peak(`${name}.empty`), "MiB", "start-up floor"));
    figures.push(info(`cli.${name}.cpu_ms`, cpu(name), "ms", "user + system"));
    figures.push(info(`cli.${name}.empty_cpu_ms`, cpu(`${name}.empty`), "ms", "start-up floor"));
    if ("path" in go) {
      const note = `Go lists ${count("go")} images`;
      figures.push(
        atMost(`cli.${name}.wall_ratio`, wall(name) / wall("go"), "ratio", _RATIOS[name], note),
      );
      figures.push(info(`cli.${name}.peak_ratio`, peak(name) / peak("go"), "ratio"));
      figures.push(info(`cli.${name}.cpu_ratio`, cpu(name) / cpu("go"), "ratio", "CPU over Go's"));
      // What a user pays for our code: the RSS the work adds over the runtime's empty run (issue 23).
      const added = peak(name) - peak(`${name}.empty`);
      figures.push(
        atMost(
          `cli.${name}.added_rss_ratio`,
          added / peak("go"),
          "ratio",
          2,
          `+${added.toFixed(1)} MiB`,
        ),
      );
      figures.push(
        info(
          `cli.${name}.floor_ratio`,
          wall(`${name}.empty`) / wall("go"),
          "ratio",
          "empty run over Go",
        ),
      );
    } else {
      figures.push(skipped(`cli.${name}.wall_ratio`, "ratio", `<= ${_RATIOS[name]}`, go.skip));
    }
  }
  return figures;
}

if (import.meta.main) { for (const figure of await run()) console.log(JSON.stringify(figure)); }
