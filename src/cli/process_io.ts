/** The io of a real process (Deno, Bun and Node all provide `node:process`). */
import process from "node:process";
import { hostPlatform } from "../runtime/host_platform.ts";
import type { CliIO } from "./context.ts";

/**
 * The io `main` uses by default: this process's stdout and stderr, its environment, whether
 * stderr is a terminal, and the host platform of the running runtime.
 *
 * @returns The io.
 * @example
 * ```ts
 * import { processIO } from "./process_io.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(typeof processIO().stdout, "function");
 * ```
 */
export function processIO(): CliIO {
  // A reader that stops early (`| head`) closes the pipe: stop quietly, as a SIGPIPE would.
  process.stdout.on?.("error", (error: { code?: string }) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  });
  return {
    stdout: (text) => void process.stdout.write(text),
    stdoutBytes: (bytes) => void process.stdout.write(bytes),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
    host: hostPlatform(),
    // Installed only when asked, so Ctrl-C still ends every other command at once.
    interrupt: () => {
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      return controller.signal;
    },
  };
}
