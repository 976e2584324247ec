/** Runs the CLI's `main` in this process, as on a pipe (no terminal), on linux/amd64. */
import { main } from "../../src/cli/main.ts";

/** What a run gave. */
export interface InProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Standard output and error interleaved in the order they were written, as a terminal shows them. */
  readonly output: string;
}

/** Runs `ocistore ARGV` with an empty environment (or `env`) and collects its output. */
export async function runCli(
  argv: string[],
  env: Readonly<Record<string, string>> = {},
): Promise<InProcessRun> {
  let stdout = "";
  let stderr = "";
  let output = "";
  const code = await main(argv, {
    stdout: (t) => void (stdout += t, output += t),
    stderr: (t) => void (stderr += t, output += t),
    env,
    isTTY: false,
    host: { os: "linux", architecture: "amd64" },
  });
  return { code, stdout, stderr, output };
}
