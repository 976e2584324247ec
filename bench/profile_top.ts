/**
 * Summarizes a V8 `.cpuprofile` (from `deno run --cpu-prof`, `bun --cpu-prof`, `node --cpu-prof`):
 * the functions with the most self time and the most inclusive time.
 * `deno run -A bench/profile_top.ts FILE.cpuprofile [N=25]`.
 */
import { readFileSync } from "node:fs";
import process from "node:process";

interface _Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface _Profile {
  nodes: _Node[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The top functions of a profile by self and inclusive time.
 *
 * @param profile The parsed `.cpuprofile`.
 * @param count How many rows of each.
 * @returns Printable lines.
 */
export function profileTop(profile: _Profile, count = 25): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const key = (node: _Node) => {
    const url = node.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, "$1/");
    return `${node.callFrame.functionName || "(anonymous)"} ${url}:${
      node.callFrame.lineNumber + 1
    }`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const [id, time] of selfTime) {
    total += time;
    const node = byId.get(id)!;
    self.set(key(node), (self.get(key(node)) ?? 0) + time);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = key(byId.get(at)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + time);
    }
  }
  const rows = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, time]) =>
      `${(time / 1000).toFixed(1).padStart(8)} ms ${
        (100 * time / total).toFixed(1).padStart(5)
      }%  ${name}`
    );
  return [
    `total ${(total / 1000).toFixed(1)} ms`,
    "-- self",
    ...rows(self),
    "-- inclusive",
    ...rows(inclusive),
  ];
}

if (import.meta.main) {
  const [file, count = "25"] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, "utf8")) as _Profile;
  console.log(profileTop(profile, Number(count)).join("\n"));
}
