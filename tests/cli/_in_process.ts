/** Runs the CLI's `main` in this process, as on a pipe (no terminal), on linux/amd64. */
import { main } from "../../src/cli/main.ts";

/** What a run gave. */
export interface InProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ocistore ARGV` with an empty environment and collects its output. */
export async function runCli(argv: string[]): Promise<InProcessRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    isTTY: false,
    host: { os: "linux", architecture: "amd64" },
  });
  return { code, stdout, stderr };
}
