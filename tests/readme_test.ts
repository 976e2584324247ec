// What the README promises a new user, held against the project (issues 19 point 7 and 27 §7): the
// two Quick-start commands are the package scripts CI runs, the command table lists every command,
// the explorer task takes the port option the README shows, and a clean `npm ci` has no install
// scripts npm 11 would warn about ("not yet covered by allowScripts").
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "./harness.ts";
import { repoRoot } from "./fixtures.ts";
import { COMMANDS } from "../src/cli/commands/mod.ts";
import { runCli } from "./cli/_in_process.ts";

const ROOT = repoRoot();
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const README = read("README.md");

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  assert(start >= 0, `the README has no "## ${title}" section`);
  const end = README.indexOf("\n## ", start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

test("README: Quick start is exactly npm run setup and npm test, the package scripts .ci/run runs", () => {
  const block = /```sh\n([^]*?)```/.exec(section("Quick start"))?.[1] ?? "";
  const commands = block.split("\n").filter(Boolean).map((line) => line.replace(/\s+#.*$/, ""));
  assertEquals(commands, ["npm run setup", "npm test"]);
  const scripts = JSON.parse(read("package.json")).scripts;
  assertEquals(scripts.setup, "node scripts/setup.mjs");
  assertEquals(scripts.test, "node scripts/test.mjs");
  const ci = read(".ci/run").split("\n").filter((l) =>
    l && !l.startsWith("#") && !l.startsWith("set ")
  );
  assertEquals(ci.at(-1), "npm test");
});

test("Quick start on a machine with only Node: setup.mjs and test.mjs statically import nothing npm installs", () => {
  // Both scripts install the npm packages themselves; a static import of one (esbuild, once)
  // failed with ERR_MODULE_NOT_FOUND before anything was installed.
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const [, specifier] of read(path).matchAll(/^import\s[^;]*?from\s+"([^"]+)"/gm)) {
      if (specifier.startsWith("./")) visit(join(path, "..", specifier));
      else {
        assert(
          specifier.startsWith("node:"),
          `${path} imports "${specifier}" statically: expected only node: built-ins and scripts that import them`,
        );
      }
    }
  };
  visit("scripts/setup.mjs");
  visit("scripts/test.mjs");
  assert(seen.has("scripts/setup_lib.mjs"), [...seen].join(", "));
});

test("README and docs/cli.md: the command tables list every command of src/cli/commands", () => {
  for (
    const [doc, text] of [["README.md", section("The CLI")], ["docs/cli.md", read("docs/cli.md")]]
  ) {
    const listed = [...text.matchAll(/^\| `([a-z]+)[ `]/gm)].map((m) => m[1]);
    for (const { name } of COMMANDS) assert(listed.includes(name), `${doc} does not list ${name}`);
  }
});

test("README: the explorer task takes the port option the README shows", async () => {
  const shown = /deno task explorer (--[a-z-]+)/.exec(
    section("In the browser: the image explorer"),
  );
  assert(shown, "the README shows no option of deno task explorer");
  const task: string = JSON.parse(read("deno.json")).tasks.explorer;
  const script = /\b(scripts\/[\w/]+\.ts)\b/.exec(task)?.[1];
  if (script) {
    assertStringIncludes(read(script), `"${shown[1]}"`, `${script} does not read ${shown[1]}`);
  } else {
    // The task runs the CLI's serve command: its help lists the option.
    assertStringIncludes(task, " serve");
    const help = await runCli(["serve", "--help"]);
    assertStringIncludes(help.stdout, `${shown[1]} `);
  }
});

test("package.json allowScripts covers every dependency with an install script, so npm ci prints no allowScripts warning", async () => {
  const pkg = JSON.parse(read("package.json"));
  const lock = JSON.parse(read("package-lock.json")).packages as Record<
    string,
    { hasInstallScript?: boolean }
  >;
  const withScripts = Object.entries(lock)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length))
    .sort();
  assert(withScripts.length > 0, "the lockfile marks no install script (hasInstallScript)");
  assertEquals(Object.keys(pkg.allowScripts ?? {}).sort(), withScripts);
  assert(Object.values(pkg.allowScripts).every((v) => v === true));
  // npm's own check, the one `npm ci` runs before it prints the warning.
  const pending = await new Promise<string>((resolve, reject) =>
    execFile(
      "npm",
      ["approve-scripts", "--allow-scripts-pending"],
      { cwd: ROOT },
      (error, stdout, stderr) => error ? reject(error) : resolve(stdout + stderr),
    )
  );
  assertEquals(pending.trim(), "No packages with unreviewed install scripts.");
});
