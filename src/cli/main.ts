/**
 * The ocistore command line as a library: `main(argv, io)` runs one command and returns its exit
 * code ({@link EXIT}); `io` says where output goes.
 *
 * @module
 */
import { OciStoreError, UnreachableError } from "../core/errors.ts";
import { parseArgs, UsageError } from "./args.ts";
import { COMMANDS, loadCommands } from "./commands/mod.ts";
import { type CliIO, createContext } from "./context.ts";
import { oneLine } from "./terminal_lines.ts";
import { commandHelp, programHelp, VERSION } from "./help.ts";
import { ImageNameError } from "./image_name_error.ts";
import { processIO } from "./process_io.ts";
import { SourceError } from "./transports.ts";
import { checkUsage } from "./usage.ts";

export type { CliIO } from "./context.ts";

/** The exit codes: 0 ok, 1 failure, 2 usage or bad input, 3 not found or ambiguous. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, NOT_FOUND: 3 } as const;

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Usage mistakes and sources that cannot be opened are 2, not-found and ambiguous 3, else 1. */
function _exitCodeOf(error: unknown): ExitCode {
  if (
    error instanceof UsageError || error instanceof SourceError ||
    error instanceof UnreachableError || error instanceof ImageNameError
  ) {
    return EXIT.USAGE;
  }
  if (
    error instanceof OciStoreError && (error.code === "NOT_FOUND" || error.code === "AMBIGUOUS")
  ) {
    return EXIT.NOT_FOUND;
  }
  return EXIT.FAILURE;
}

/**
 * Runs the CLI: parses `argv` (the arguments after the program name), runs the command, writes
 * to `io`, and returns the exit code. Never exits the process and never throws: errors become one
 * line on stderr (`--debug` adds the stack and causes).
 *
 * @param argv The arguments, e.g. `["images", "oci:./layout", "-o", "json"]`.
 * @param io Where output goes, the environment, whether stderr is a terminal, the host platform
 *   (default: this process's).
 * @returns The exit code (see {@link EXIT}).
 * @example
 * ```ts
 * import { EXIT, main } from "@ocistore/ocistore/cli";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 *
 * let out = "";
 * const io = { stdout: (t: string) => out += t, stderr: (t: string) => out += t };
 * assertEquals(await main(["--help"], io), EXIT.OK);
 * assertStringIncludes(out, "Usage: ocistore COMMAND");
 * assertEquals(await main(["frobnicate"], io), EXIT.USAGE);
 * ```
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<ExitCode> {
  let debug = argv.includes("--debug");
  let command: string | undefined;
  try {
    const parsed = parseArgs(argv);
    debug = parsed.options.debug;
    command = parsed.command;
    if (parsed.options.version) {
      io.stdout(`ocistore ${VERSION}\n`);
      return EXIT.OK;
    }
    if (command === undefined || command === "help") {
      const topic = command === "help" ? parsed.operands[0] ?? "" : "";
      const page = topic === ""
        ? programHelp(await loadCommands())
        : await COMMANDS.find((c) => c.name === topic)?.load();
      if (page === undefined) throw new UsageError(`unknown command "${topic}"`);
      const text = typeof page === "string" ? page : commandHelp(page);
      (parsed.options.help || command === "help" ? io.stdout : io.stderr)(text);
      return parsed.options.help || command === "help" ? EXIT.OK : EXIT.USAGE;
    }
    const found = await COMMANDS.find((c) => c.name === command)?.load();
    if (!found) {
      command = undefined;
      throw new UsageError(`unknown command "${parsed.command}"`);
    }
    if (parsed.options.help) {
      io.stdout(commandHelp(found));
      return EXIT.OK;
    }
    const ctx = createContext(parsed.operands, checkUsage(found, parsed), io);
    try {
      return (await found.run(ctx)) as ExitCode;
    } finally {
      await ctx.close();
    }
  } catch (error) {
    const code = _exitCodeOf(error);
    const color = io.isTTY === true && !io.env?.NO_COLOR;
    const prefix = color ? "\x1b[31mocistore\x1b[0m" : "ocistore";
    const message = error instanceof Error ? error.message : String(error);
    let text = `${prefix}: ${oneLine(message)}`;
    if (error instanceof UsageError) {
      // The first operand of a line that failed to parse may be no command at all.
      const named = error.command ?? command;
      const where = COMMANDS.some((c) => c.name === named) ? named : undefined;
      text += ` (see 'ocistore ${where ? `${where} ` : ""}--help')`;
    }
    io.stderr(`${text}\n`);
    if (debug) io.stderr(_details(error));
    return code;
  }
}

function _details(error: unknown): string {
  let text = "";
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    const stack = current instanceof Error ? current.stack ?? String(current) : String(current);
    text += `${depth === 0 ? "" : "caused by: "}${stack}\n`;
    current = current instanceof Error ? current.cause : undefined;
  }
  return text;
}
