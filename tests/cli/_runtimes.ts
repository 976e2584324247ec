/** Starts the CLI as a subprocess on each runtime, from the sources (Deno, Bun) or the npm build (Node). */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root (also from the compiled npm/esm/tests/cli). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) dir = dirname(dir);
  return dir;
}

/** What a subprocess run of the CLI gave. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Each runtime's way to start the CLI: `[name, command, leading arguments]`. Node runs the npm
 * build, and only when it is at least as new as `src/` (a stale build would compare old output);
 * the node stage of the suite always builds first.
 */
export function cliRuntimes(): [string, string, string[]][] {
  const root = repoRoot();
  const list: [string, string, string[]][] = [
    ["deno", join(root, "node_modules/.bin/deno"), ["run", "-A", "src/cli/bin.ts"]],
    ["bun", join(root, "node_modules/.bin/bun"), ["src/cli/bin.ts"]],
  ];
  const built = join(root, "npm/esm/src/cli/bin.js");
  if (existsSync(built) && statSync(built).mtimeMs >= _newest(join(root, "src"))) {
    list.push(["node", process.execPath, [built]]);
  }
  return list;
}

/** Runs a command in the repository root with `NO_COLOR` set; never rejects. */
export function runCommand(command: string, args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { cwd: repoRoot(), env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

function _newest(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? _newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs
    ),
  );
}
