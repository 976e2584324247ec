/** The CLI's lines on standard error: one-line warnings and a progress line that redraws in place. */

/** Where the lines go: standard error, whether it is a terminal, the environment (`NO_COLOR`). */
export interface TerminalOutput {
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** Whether standard error is a terminal. */
  readonly isTTY?: boolean;
  /** The environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Warnings and progress on standard error. */
export interface TerminalLines {
  /** Prints `ocistore: warning: …` on stderr (one line), clearing a progress line first. */
  warn(message: string): void;
  /** Shows a progress line on a terminal (nothing otherwise); `undefined` clears it. */
  progress(text: string | undefined): void;
}

/**
 * Warnings and a progress line over `io`: progress only on a terminal and not `quiet`, redrawn at
 * most every 100 ms; the warning label is yellow on a terminal unless `NO_COLOR` is set.
 *
 * @param io Where the lines go, and whether it is a terminal.
 * @param quiet `--quiet`: no progress line.
 * @returns The two writers.
 * @example
 * ```ts
 * import { terminalLines } from "./terminal_lines.ts";
 * import { assertEquals } from "@std/assert";
 *
 * let err = "";
 * const lines = terminalLines({ stderr: (t) => err += t }, false);
 * lines.progress("not a terminal: nothing shown");
 * lines.warn("careful\nnow");
 * assertEquals(err, "ocistore: warning: careful now\n");
 * ```
 */
export function terminalLines(io: TerminalOutput, quiet: boolean | undefined): TerminalLines {
  const color = io.isTTY === true && !io.env?.NO_COLOR;
  let shown = false;
  let last = 0;
  return {
    warn(message) {
      if (shown) {
        io.stderr("\r\x1b[2K");
        shown = false;
      }
      const label = color ? "\x1b[33mwarning\x1b[0m" : "warning";
      io.stderr(`ocistore: ${label}: ${oneLine(message)}\n`);
    },
    progress(text) {
      if (!io.isTTY || quiet) return;
      if (text === undefined) {
        if (shown) io.stderr("\r\x1b[2K");
        shown = false;
        return;
      }
      const now = Date.now();
      if (shown && now - last < 100) return;
      last = now;
      shown = true;
      io.stderr(`\r\x1b[2K${text}`);
    },
  };
}

/**
 * Collapses a message to one line (newlines and runs of whitespace become one space).
 *
 * @param message The message.
 * @returns One line.
 * @example
 * ```ts
 * import { oneLine } from "./terminal_lines.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(oneLine("a\n  b"), "a b");
 * ```
 */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
