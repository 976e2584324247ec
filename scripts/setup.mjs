#!/usr/bin/env node
// Quick start, step one: installs everything (npm packages, Deno and Bun from npm, Debian's real
// tools when root), then runs the main job: lists the example images shipped in examples/.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSetup } from "./setup_lib.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
ensureSetup(root);
// Imported only now: build_cli.mjs needs esbuild, which ensureSetup has just installed.
const { buildCli } = await import("./build_cli.mjs");
// The bundled CLI that `deno task ocistore`, `bun dist/cli/bin.js` and the main job below run.
const bin = await buildCli(root);
const deno = join(root, "node_modules/.bin/deno");
const result = spawnSync(
  deno,
  ["run", "-A", bin, "images", ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
  },
);
process.exit(result.status ?? 1);
