/**
 * Runs every `*_test.ts` (or, compiled for Node, `*_test.js`) below this directory on the current
 * runtime and ends with `<runtime>: N passed, N failed`. Usage: `run.ts [substring-filter]`.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import process from "node:process";
import { registeredTests, runtimeName } from "./harness.ts";

const root = fileURLToPath(new URL(".", import.meta.url));
const filter = process.argv.slice(2).find((a) => !a.startsWith("-")) ?? "";

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "testdata" ? [] : findTests(path);
    return /_test\.(ts|js)$/.test(entry.name) ? [path] : [];
  }).sort();
}

for (const file of findTests(root)) {
  if (!filter || file.includes(filter)) await import(pathToFileURL(file).href);
}

let passed = 0;
let failed = 0;
const runtime = runtimeName();
for (const { name, fn } of registeredTests()) {
  const started = performance.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}`);
    console.log(String((error as Error)?.stack ?? error).replace(/^/gm, "     "));
  }
}
console.log(`${runtime}: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
