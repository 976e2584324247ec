// The runner itself: tests/run.ts runs as a subprocess of this very runtime on a directory of
// fixture tests written here as plain JavaScript (so Deno, Bun and Node load them alike).
import { assert, assertEquals } from "@std/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName, test } from "./harness.ts";

// Compiled for Node this file is runner_test.js beside run.js and harness.js.
const ext = import.meta.url.endsWith(".js") ? "js" : "ts";
const runScript = fileURLToPath(new URL(`./run.${ext}`, import.meta.url));
const harness = new URL(`./harness.${ext}`, import.meta.url).href;
const runtime = runtimeName();

const fixtures: Record<string, string> = {
  "package.json": `{ "type": "module" }`,
  "a_test.js": `import { test } from ${JSON.stringify(harness)};
test("alpha passes", () => {});
test("beta fails", () => { throw new Error("beta's own failure"); });
test("gamma hangs past its own timeout", () => new Promise((r) => setTimeout(r, 30000)), {
  timeout: 100,
});
test("delta passes after the hang", () => {});
`,
  "b_test.js": `import { test } from ${JSON.stringify(harness)};
test("epsilon takes 300 ms", () => new Promise((r) => setTimeout(r, 300)));
`,
  "c_test.js": `import { test } from ${JSON.stringify(harness)};
test("zeta registers before the file fails to load", () => {});
throw new Error("c_test cannot load");
`,
};

interface Run {
  readonly status: number | null;
  readonly lines: string[];
}

/** Runs tests/run.ts on the fixture directory with `args`. */
function runFixtures(...args: string[]): Run {
  const dir = mkdtempSync(join(tmpdir(), "ocistore-runner-"));
  try {
    for (const [name, text] of Object.entries(fixtures)) writeFileSync(join(dir, name), text);
    const command = runtime === "deno" ? ["run", "-A", runScript] : [runScript];
    const result = spawnSync(process.execPath, [...command, "--dir", dir, ...args], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    assertEquals(result.stderr, "", "the runner writes nothing to stderr");
    return { status: result.status, lines: result.stdout.trimEnd().split("\n") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const outcome = (run: Run, name: string) =>
  run.lines.find((line) => line.endsWith(` ${name}`) || line.includes(` ${name} (`));

test("run.ts goes on past a failing and a timed-out test and ends with the summary line", () => {
  const run = runFixtures("a_test");
  assert(outcome(run, "alpha passes")?.startsWith("ok   "), run.lines.join("\n"));
  assert(outcome(run, "beta fails")?.startsWith("FAIL "), run.lines.join("\n"));
  const gamma = run.lines.indexOf("FAIL gamma hangs past its own timeout");
  assert(gamma >= 0, run.lines.join("\n"));
  assert(run.lines[gamma + 1].includes("timed out after 100 ms"), run.lines[gamma + 1]);
  assert(outcome(run, "delta passes after the hang")?.startsWith("ok   "), run.lines.join("\n"));
  assertEquals(run.lines.at(-1), `${runtime}: 2 passed, 2 failed`);
  assertEquals(run.status, 1);
});

test("run.ts --grep and -g keep only the tests whose name contains the text", () => {
  const short = runFixtures("-g", "alpha");
  assertEquals(short.lines.filter((l) => /^(ok|FAIL) /.test(l)).length, 1, short.lines.join("\n"));
  assert(outcome(short, "alpha passes")?.startsWith("ok   "), short.lines.join("\n"));
  assertEquals(short.lines.at(-1), `${runtime}: 1 passed, 0 failed`);
  assertEquals(short.status, 0);

  const long = runFixtures("--grep", "passes");
  assertEquals(long.lines.at(-1), `${runtime}: 2 passed, 0 failed`);
  assertEquals(long.lines.some((l) => l.includes("beta") || l.includes("epsilon")), false);
});

test("run.ts --timeout sets the default timeout; without it a 300 ms test passes", () => {
  const short = runFixtures("b_test", "--timeout", "100");
  const epsilon = short.lines.indexOf("FAIL epsilon takes 300 ms");
  assert(epsilon >= 0, short.lines.join("\n"));
  assert(short.lines[epsilon + 1].includes("timed out after 100 ms"), short.lines[epsilon + 1]);
  assertEquals(short.lines.at(-1), `${runtime}: 0 passed, 1 failed`);

  const plain = runFixtures("b_test");
  assertEquals(plain.lines.at(-1), `${runtime}: 1 passed, 0 failed`);
  assertEquals(plain.status, 0);
});

test("run.ts fails when its filters select no test", () => {
  const run = runFixtures("--grep", "no such test");
  assertEquals(run.lines.at(-1), `${runtime}: 0 passed, 0 failed`);
  assertEquals(run.status, 1);
});

test("run.ts fails a test file that cannot load as one test and runs the others", () => {
  const run = runFixtures();
  const load = run.lines.indexOf("FAIL load c_test.js");
  assert(load >= 0, run.lines.join("\n"));
  assert(run.lines[load + 1].includes("c_test cannot load"), run.lines[load + 1]);
  assert(outcome(run, "alpha passes")?.startsWith("ok   "), run.lines.join("\n"));
  assertEquals(run.status, 1);
});
