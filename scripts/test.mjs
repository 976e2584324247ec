#!/usr/bin/env node
// The whole test suite: static checks, doc examples, then the same tests on Deno (sources), Bun
// (sources) and Node.js (the built npm package). Installs what it needs on a bare Node.js machine.
// Ends with `N passed, N failed` summed over every stage; exits non-zero on any failure.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSetup } from "./setup_lib.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules/.bin", name);
const only = process.argv[2]; // optional: run one stage by name

ensureSetup(root);

/** Each stage: a command, and how to count its tests (a summary line, or one test for the exit code). */
const stages = [
  { name: "fmt", cmd: [bin("deno"), "fmt", "--check"] },
  { name: "lint", cmd: [bin("deno"), "lint"] },
  { name: "check", cmd: [bin("deno"), "check", "mod.ts", "src/", "tests/", "scripts/", "bench/"] },
  {
    name: "doc-lint",
    cmd: [bin("deno"), "doc", "--lint", "mod.ts", "src/adapters/", "src/cli/", "src/runtime/"],
  },
  // JSR: what `deno publish` would upload, type-checked, with no slow types.
  { name: "publish", cmd: [bin("deno"), "publish", "--dry-run", "--allow-dirty"] },
  {
    name: "doc",
    cmd: [bin("deno"), "test", "-A", "--doc", "mod.ts", "src/"],
    summary: /(?:ok|FAILED) \| (\d+) passed.*?\| (\d+) failed/,
  },
  {
    name: "deno",
    cmd: [bin("deno"), "run", "-A", "tests/run.ts"],
    summary: /deno: (\d+) passed, (\d+) failed/,
  },
  { name: "bun", cmd: [bin("bun"), "tests/run.ts"], summary: /bun: (\d+) passed, (\d+) failed/ },
  { name: "build", cmd: [bin("deno"), "run", "-A", "scripts/build_npm.ts"] },
  {
    name: "node",
    cmd: [process.execPath, "npm/esm/tests/run.js"],
    summary: /node: (\d+) passed, (\d+) failed/,
  },
  {
    name: "package",
    cmd: [process.execPath, "scripts/check_package.mjs"],
    summary: /package: (\d+) passed, (\d+) failed/,
    optional: "scripts/check_package.mjs",
  },
  {
    name: "deno-install",
    cmd: [process.execPath, "scripts/check_deno_install.mjs"],
    summary: /deno-install: (\d+) passed, (\d+) failed/,
  },
  // The explorer and the library in Debian's chromium, with the core suite bundled into a page.
  {
    name: "browser",
    cmd: [bin("deno"), "run", "-A", "tests/browser/run.ts"],
    summary: /browser: (\d+) passed, (\d+) failed/,
  },
];

let passed = 0;
let failed = 0;
const report = [];
for (const stage of stages) {
  if (only && stage.name !== only) continue;
  if (stage.optional && !existsSync(join(root, stage.optional))) continue;
  console.log(`\n=== ${stage.name}: ${stage.cmd.map((c) => c.replace(root + "/", "")).join(" ")}`);
  const started = Date.now();
  const result = spawnSync(stage.cmd[0], stage.cmd.slice(1), {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(result.stdout ?? "");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const match = stage.summary &&
    [...(result.stdout ?? "").matchAll(new RegExp(stage.summary, "g"))].at(-1);
  let p = 0;
  let f = 0;
  if (match) [p, f] = [Number(match[1]), Number(match[2])];
  else if (result.status === 0) p = 1;
  else f = 1;
  if (result.status !== 0 && f === 0) f = 1; // a crash after a clean summary is still a failure
  passed += p;
  failed += f;
  report.push(`${stage.name}: ${p} passed, ${f} failed (${seconds} s)`);
}
console.log(`\n${report.join("\n")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
