/** The ocistore command line: `main(argv, io)` runs one command and returns its exit code. */
import { OciStoreError } from "../core/errors.ts";
import { parseArgs, UsageError } from "./args.ts";
import { type CliIO, createContext, oneLine } from "./context.ts";
import { imagesCommand } from "./commands/images.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { platformsCommand } from "./commands/platforms.ts";
import { resolveCommand } from "./commands/resolve.ts";
import { verifyCommand } from "./commands/verify.ts";
import { COMMAND_FLAGS, HELP, VERSION } from "./help.ts";
import { processIO } from "./process_io.ts";
import { SourceError } from "./transports.ts";

export { parseArgs, UsageError } from "./args.ts";
export type { CliOptions, ParsedArgs } from "./args.ts";
export { createContext, oneLine } from "./context.ts";
export type { CliIO, CommandContext, OpenedStore } from "./context.ts";
export { parseImageReferences, sortCriImages, toCriImage } from "./cri_image.ts";
export type { CriImage, ParsedImageReferences } from "./cri_image.ts";
export { formatImagesJson, formatInspectJson, goImageSpec } from "./cri_json.ts";
export { EXAMPLE_LAYOUT_CANDIDATES, findExampleLayout } from "./examples.ts";
export { humanSize } from "./human_size.ts";
export { processIO } from "./process_io.ts";
export { localResolve } from "./local_resolve.ts";
export type { ResolvedImage } from "./local_resolve.ts";
export { formatTable } from "./table.ts";
export type { TableOptions } from "./table.ts";
export { openSource, parseSource, SourceError, TRANSPORTS } from "./transports.ts";
export type { OpenedSource, SourceOptions, SourceSpec, Transport } from "./transports.ts";
export { imagesCommand } from "./commands/images.ts";
export { inspectCommand } from "./commands/inspect.ts";
export { platformsCommand } from "./commands/platforms.ts";
export { resolveCommand } from "./commands/resolve.ts";
export { verifyCommand } from "./commands/verify.ts";
export type { VerifyProblem } from "./commands/verify.ts";

/** The exit codes: 0 ok, 1 failure, 2 usage or bad input, 3 not found or ambiguous. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, NOT_FOUND: 3 } as const;

const _COMMANDS: Readonly<
  Record<string, (ctx: ReturnType<typeof createContext>) => Promise<number>>
> = {
  images: imagesCommand,
  inspect: inspectCommand,
  resolve: resolveCommand,
  platforms: platformsCommand,
  verify: verifyCommand,
};

/**
 * Maps an error to the CLI's exit code: usage mistakes and sources that cannot be opened are 2,
 * not-found and ambiguous lookups 3, anything else 1.
 *
 * @param error The error.
 * @returns The exit code.
 * @example
 * ```ts
 * import { exitCodeOf, UsageError } from "@ocistore/ocistore/cli";
 * import { AmbiguousDigestError } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(exitCodeOf(new UsageError("bad flag")), 2);
 * assertEquals(exitCodeOf(new AmbiguousDigestError("2 match")), 3);
 * assertEquals(exitCodeOf(new Error("boom")), 1);
 * ```
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof SourceError) return EXIT.USAGE;
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
 *   (default: this process's, see {@link processIO}).
 * @returns The exit code (see {@link EXIT}).
 * @example
 * ```ts
 * import { main } from "@ocistore/ocistore/cli";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 *
 * let out = "";
 * const io = { stdout: (t: string) => out += t, stderr: (t: string) => out += t };
 * assertEquals(await main(["--help"], io), 0);
 * assertStringIncludes(out, "Usage: ocistore COMMAND");
 * assertEquals(await main(["frobnicate"], io), 2);
 * ```
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
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
      if (!(topic in HELP)) throw new UsageError(`unknown command "${topic}"`);
      (parsed.options.help || command === "help" ? io.stdout : io.stderr)(HELP[topic]);
      return parsed.options.help || command === "help" ? EXIT.OK : EXIT.USAGE;
    }
    const run = _COMMANDS[command];
    if (!run) {
      command = undefined;
      throw new UsageError(`unknown command "${parsed.command}"`);
    }
    if (parsed.options.help) {
      io.stdout(HELP[command]);
      return EXIT.OK;
    }
    const allowed = new Set([
      "platform",
      "base-name",
      "digest-refs",
      "output",
      "debug",
      ...COMMAND_FLAGS[command],
    ]);
    const stray = parsed.given.find((name) => !allowed.has(name));
    if (stray) throw new UsageError(`${command} does not take --${stray}`, command);
    const ctx = createContext(parsed.operands, parsed.options, io);
    try {
      return await run(ctx);
    } finally {
      await ctx.close();
    }
  } catch (error) {
    const code = exitCodeOf(error);
    const color = io.isTTY === true && !io.env?.NO_COLOR;
    const prefix = color ? "\x1b[31mocistore\x1b[0m" : "ocistore";
    const message = error instanceof Error ? error.message : String(error);
    let text = `${prefix}: ${oneLine(message)}`;
    if (error instanceof UsageError) {
      const where = error.command ?? command;
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
