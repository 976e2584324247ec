/**
 * Opens a URL in the host's browser, with the opener each platform ships: `open` on macOS,
 * `start` (through `cmd`) on Windows, `xdg-open` elsewhere.
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";

/**
 * The command that opens `url` on `platform` (a `process.platform` value), as program and arguments.
 *
 * @param url The URL to open.
 * @param platform `darwin`, `win32`, `linux`, …
 * @returns The program and its arguments.
 * @example
 * ```ts
 * import { openerCommand } from "./open_url.ts";
 * console.assert(openerCommand("http://127.0.0.1:8080/", "linux")[0] === "xdg-open");
 * ```
 */
export function openerCommand(url: string, platform: string): [string, ...string[]] {
  if (platform === "darwin") return ["open", url];
  // `start`'s first quoted argument is a window title; the empty one keeps the URL from being taken for it.
  if (platform === "win32") return ["cmd", "/c", "start", '""', url.replace(/&/g, "^&")];
  return ["xdg-open", url];
}

/**
 * Opens `url` with the host's opener (or `command`) and resolves once it started; a missing
 * opener rejects with an error that names it.
 *
 * @param url The URL to open.
 * @param command The program and arguments to run (default: {@link openerCommand} for this host).
 * @returns Resolves when the opener runs (it is not waited for).
 * @example
 * ```ts
 * import { openUrl } from "./open_url.ts";
 * await openUrl("http://127.0.0.1:8080/", ["true"]);
 * const missing = await openUrl("http://127.0.0.1:8080/", ["no-such-opener"]).catch((e) => e);
 * console.assert(/running no-such-opener failed/.test(missing.message));
 * ```
 */
export function openUrl(
  url: string,
  command: readonly string[] = openerCommand(url, process.platform),
): Promise<void> {
  const [program, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: "ignore", detached: true });
    child.once("error", (error) =>
      reject(
        new Error(`Cannot open ${url} in a browser: running ${program} failed: ${error.message}`),
      ));
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}
