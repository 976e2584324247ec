// Runs bench/main.ts under Node: bundles it (and the benchmarks it loads) with esbuild into
// .cache/bench/node/, then runs the bundle with the same arguments. `node bench/run_node.mjs [SCENARIO…]`
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { build } from "esbuild";

const root = process.cwd();
const out = join(root, ".cache/bench/node");
const entries = ["main", "registry_bench", "bundle_bench", "containerd_bench"]
  .map((name) => join(root, "bench", `${name}.ts`))
  .filter((file) => existsSync(file));
await build({
  entryPoints: entries,
  bundle: true,
  platform: "node",
  format: "esm",
  outdir: out,
  outExtension: { ".js": ".mjs" },
  splitting: true,
  external: ["esbuild", "playwright-core"],
  logLevel: "warning",
});
const result = spawnSync(
  process.execPath,
  ["--expose-gc", join(out, "main.mjs"), ...process.argv.slice(2)],
  { stdio: "inherit" },
);
process.exitCode = result.status ?? 1;
