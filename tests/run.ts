/**
 * Runs every `*_test.ts` (or, compiled for Node, `*_test.js`) below this directory on the current
 * runtime, one test at a time, and ends with `<runtime>: N passed, N failed`.
 *
 * Usage: `run.ts [FILE-FILTER] [--grep TEXT] [--timeout MS] [--dir DIR]`
 * - `FILE-FILTER` keeps the test files whose path contains it;
 * - `--grep TEXT` (`-g TEXT`) keeps the tests whose name contains TEXT;
 * - `--timeout MS` is the default per-test timeout (180 000 ms); `test(name, fn, { timeout })`
 *   sets a test's own. It is a stall stop, never a verdict on speed: tests that took 20-40 s at
 *   load 8 took over 60 s at load 18 on 2 cores. A test past its timeout fails and the next one
 *   starts; the late test's work is not cancelled (JavaScript cannot), and a synchronous endless
 *   loop still hangs the run;
 * - `--dir DIR` looks for test files below DIR instead (the runner's own tests use it).
 *
 * A filter that selects no test fails the run, so a misspelt one cannot pass silently.
 */
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import process from "node:process";
import { registeredTests, runtimeName, type TestCase } from "./harness.ts";

const DEFAULT_TIMEOUT_MS = 180_000;
const SLOWEST_SHOWN = 5;

const usage = "usage: run.ts [FILE-FILTER] [--grep TEXT] [--timeout MS] [--dir DIR]";
let args;
try {
  args = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      grep: { type: "string", short: "g" },
      timeout: { type: "string" },
      dir: { type: "string" },
    },
  });
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const fileFilter = args.positionals[0] ?? "";
const grep = args.values.grep ?? "";
const defaultTimeout = args.values.timeout === undefined
  ? DEFAULT_TIMEOUT_MS
  : Number(args.values.timeout);
if (!(defaultTimeout > 0)) {
  console.error(
    `Cannot use --timeout: expected milliseconds above 0, found "${args.values.timeout}"`,
  );
  process.exit(2);
}
const root = args.values.dir === undefined
  ? fileURLToPath(new URL(".", import.meta.url))
  : resolve(args.values.dir);

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "testdata" ? [] : findTests(path);
    return /_test\.(ts|js)$/.test(entry.name) ? [path] : [];
  }).sort();
}

/** Each test with the file that registered it, for the timing report. */
const cases: { test: TestCase; file: string }[] = [];
for (const file of findTests(root)) {
  if (fileFilter && !file.includes(fileFilter)) continue;
  const before = registeredTests().length;
  try {
    await import(pathToFileURL(file).href);
  } catch (error) {
    // A file that cannot load fails as one test; the other files still run.
    const fn = () => Promise.reject(error);
    registeredTests().push({ name: `load ${relative(root, file)}`, fn, options: {} });
  }
  for (const test of registeredTests().slice(before)) {
    cases.push({ test, file: relative(root, file) });
  }
}

/** Runs one test; rejects with its failure, or when it outlives its timeout. */
async function runOne(test: TestCase): Promise<void> {
  const ms = test.options.timeout ?? defaultTimeout;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(test.fn), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const seen = new Set<string>();
let passed = 0;
let failed = 0;
const timings: { name: string; file: string; ms: number }[] = [];
for (const { test, file } of cases) {
  if (grep && !test.name.includes(grep)) continue;
  if (seen.has(test.name)) console.log(`warning: two tests are named "${test.name}"`);
  seen.add(test.name);
  const started = performance.now();
  try {
    await runOne(test);
    passed++;
    console.log(`ok   ${test.name} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${test.name}`);
    console.log(String((error as Error)?.stack ?? error).replace(/^/gm, "     "));
  }
  timings.push({ name: test.name, file, ms: performance.now() - started });
}

const byFile = new Map<string, { ms: number; count: number }>();
for (const { file, ms } of timings) {
  const entry = byFile.get(file) ?? { ms: 0, count: 0 };
  byFile.set(file, { ms: entry.ms + ms, count: entry.count + 1 });
}
if (timings.length > SLOWEST_SHOWN) {
  console.log("slowest tests:");
  for (
    const { name, file, ms } of timings.toSorted((a, b) => b.ms - a.ms).slice(0, SLOWEST_SHOWN)
  ) {
    console.log(`  ${Math.round(ms).toString().padStart(6)} ms  ${name} (${file})`);
  }
  console.log("slowest files:");
  const files = [...byFile].toSorted(([, a], [, b]) => b.ms - a.ms).slice(0, SLOWEST_SHOWN);
  for (const [file, { ms, count }] of files) {
    console.log(
      `  ${Math.round(ms).toString().padStart(6)} ms  ${file} (${count} test${
        count === 1 ? "" : "s"
      })`,
    );
  }
}
const selectedNone = passed + failed === 0 && (fileFilter !== "" || grep !== "");
if (selectedNone) console.log(`no test matches the filters (file "${fileFilter}", grep "${grep}")`);
console.log(`${runtimeName()}: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && !selectedNone ? 0 : 1);
