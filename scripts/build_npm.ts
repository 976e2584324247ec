/**
 * Builds the npm package into `npm/` the way dnt would: ESM JavaScript, `.d.ts` and source maps for
 * every export of `deno.json`, plus the test suite compiled beside it so `node npm/esm/tests/run.js`
 * runs the very same tests against the built files.
 */
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "npm");
const esm = join(out, "esm");

rmSync(out, { recursive: true, force: true });
execFileSync(join(root, "node_modules/.bin/tsc"), [
  "-p",
  join(root, "tsconfig.json"),
  "--outDir",
  esm,
], {
  stdio: "inherit",
});

// Tests import "@std/assert" by name (mapped in deno.json); point the compiled ones at our module.
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
const assertModule = join(esm, "tests/assert.js");
for (const file of walk(join(esm, "tests")).filter((f) => f.endsWith(".js"))) {
  const text = readFileSync(file, "utf8");
  let target = relative(dirname(file), assertModule);
  if (!target.startsWith(".")) target = `./${target}`;
  const rewritten = text.replaceAll(/(from\s+|import\s*\(\s*)"@std\/assert"/g, `$1"${target}"`);
  if (rewritten !== text) writeFileSync(file, rewritten);
}
cpSync(join(root, "tests/testdata"), join(esm, "tests/testdata"), { recursive: true });
