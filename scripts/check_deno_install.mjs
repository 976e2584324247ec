#!/usr/bin/env node
// Checks that `deno install` leaves a working checkout, the way a Deno user meets the repository
// after `npm ci`: copies the tree and its npm-laid node_modules to a temporary directory, runs the
// npm-installed Deno's `deno install` there, then checks that Deno and Bun still start and run a
// test file. What made it break (and what deno.json now says): Deno's default "isolated" linker
// re-lays node_modules into node_modules/.deno (deleting the running deno binary under itself, a
// panic as soon as a lifecycle script runs), and without `allowScripts` it skips bun's postinstall,
// which leaves a stub that only prints an error. Uses Deno's shared npm cache (DENO_DIR), filled
// from the npm registry on first use like `npm ci`. Ends with `deno-install: N passed, N failed`.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(join(tmpdir(), "ocistore-deno-install-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

let passed = 0;
let failed = 0;
function check(name, fn) {
  try {
    const detail = fn();
    passed++;
    console.log(`ok   ${name}${detail ? ` (${detail})` : ""}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}`);
    console.log(String(error?.message ?? error).trimEnd().replace(/^/gm, "     "));
  }
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ?? ""}`;
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited with ${result.status}:\n${output}`);
  }
  return output;
}

const skip = new Set(["node_modules", "npm", ".cache", ".git"].map((name) => join(root, name)));
cpSync(root, work, { recursive: true, filter: (source) => !skip.has(source) });
// The worktree's node_modules may be a symlink to a shared one: copy what it points at, keeping the
// relative links of .bin as npm wrote them.
cpSync(realpathSync(join(root, "node_modules")), join(work, "node_modules"), {
  recursive: true,
  verbatimSymlinks: true,
});
const before = ["package.json", "package-lock.json"].map((f) =>
  readFileSync(join(work, f), "utf8")
);
const { devDependencies } = JSON.parse(before[0]);
const bin = (name) => join(work, "node_modules/.bin", name);

check("deno install succeeds and runs every lifecycle script it needs", () => {
  const output = run(bin("deno"), ["install"]);
  if (/Ignored build scripts/i.test(output)) throw new Error(`scripts were skipped:\n${output}`);
});
check("bun still starts after deno install", () => {
  const version = run(bin("bun"), ["--version"]).trim();
  if (version !== devDependencies.bun) {
    throw new Error(`expected bun ${devDependencies.bun}, found "${version}"`);
  }
  return version;
});
check("deno still starts after deno install", () => {
  const version = run(bin("deno"), ["--version"]).split("\n")[0];
  if (!version.startsWith(`deno ${devDependencies.deno} `)) {
    throw new Error(`expected deno ${devDependencies.deno}, found "${version}"`);
  }
  return version;
});
for (const [runtime, cmd] of [["deno", [bin("deno"), "run", "-A"]], ["bun", [bin("bun")]]]) {
  check(`the tests run on ${runtime} after deno install`, () => {
    const output = run(cmd[0], [...cmd.slice(1), "tests/run.ts", "tests/core/digest_test"]);
    const summary = output.match(new RegExp(`${runtime}: (\\d+) passed, (\\d+) failed`));
    if (!summary || summary[1] === "0" || summary[2] !== "0") {
      throw new Error(`expected "${runtime}: N passed, 0 failed", found:\n${output}`);
    }
    return summary[0];
  });
}
check("deno install leaves package.json and package-lock.json as they were", () => {
  ["package.json", "package-lock.json"].forEach((file, i) => {
    if (readFileSync(join(work, file), "utf8") !== before[i]) {
      throw new Error(`${relative(work, join(work, file))} was rewritten`);
    }
  });
});

console.log(`deno-install: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
