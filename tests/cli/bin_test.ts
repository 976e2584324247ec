import { assert, assertEquals } from "@std/assert";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";

/** The repository root (also from the compiled npm/esm/tests/cli). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) dir = dirname(dir);
  return dir;
}

const ROOT = repoRoot();

/** Each runtime's way to start the CLI; Node only once the npm build exists. */
function runtimes(): [string, string, string[]][] {
  const list: [string, string, string[]][] = [
    ["deno", join(ROOT, "node_modules/.bin/deno"), ["run", "-A", "src/cli/bin.ts"]],
    ["bun", join(ROOT, "node_modules/.bin/bun"), ["src/cli/bin.ts"]],
  ];
  const built = join(ROOT, "npm/esm/src/cli/bin.js");
  if (existsSync(built)) list.push(["node", process.execPath, [built]]);
  return list;
}

function run(command: string, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      command,
      args,
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

test("the CLI prints byte-identical output with the same exit code on Deno, Bun and Node", async () => {
  const f = await fixtures();
  const commands = [
    ["images"],
    ["images", "oci:examples/layout", "--digests", "--pinned", "--no-trunc"],
    ["images", `docker-archive:${f.dockerArchive}`, "-o", "json"],
    ["inspect", "examples/layout", "example.com/ocistore/app:2.1", "-o", "json"],
    ["platforms", "examples/layout", "example.com/ocistore/multi:1.0"],
    ["verify", `oci:${f.layout}`],
    ["inspect", "examples/layout", "nope"],
  ];
  const list = runtimes();
  assert(list.length >= 2);
  // One process per runtime and command, all at once: startup dominates.
  const results = await Promise.all(
    list.map(([, command, prefix]) =>
      Promise.all(commands.map((args) => run(command, [...prefix, ...args])))
    ),
  );
  for (const [i, args] of commands.entries()) {
    const [first, ...others] = results.map((r) => r[i]);
    for (const [j, other] of others.entries()) {
      assertEquals(
        [other.code, other.stdout, other.stderr],
        [first.code, first.stdout, first.stderr],
        `${list[j + 1][0]} versus ${list[0][0]}: ocistore ${args.join(" ")}`,
      );
    }
  }
  assertEquals(results[0].map((r) => r.code), [0, 0, 0, 0, 0, 0, 3]);
});
