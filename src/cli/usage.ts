/**
 * A command line checked against the command's declaration before the command runs, so that a
 * usage mistake is the only thing printed: no SOURCE is opened, nothing warns first.
 */
import { type CliOptions, type FlagName, FLAGS, type ParsedArgs, UsageError } from "./args.ts";
import type { Command, CommandFlag } from "./command.ts";

/** The flags every command takes. */
export const COMMON_FLAGS: readonly FlagName[] = (Object.keys(FLAGS) as FlagName[])
  .filter((name) => FLAGS[name].scope === "common");

/**
 * The flags `command` takes, its own first, each with its help line and default.
 *
 * @param command The command.
 * @returns Its flags, then the common ones.
 * @example
 * ```ts
 * import { commandFlags } from "./usage.ts";
 * import { inspect } from "./commands/inspect.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(commandFlags(inspect).find((f) => f.name === "output")?.default, "json");
 * ```
 */
export function commandFlags(
  command: Command,
): { name: FlagName; help: string; default?: string }[] {
  return [...command.flags, ...COMMON_FLAGS].map((entry: CommandFlag) => {
    const own = typeof entry === "string" ? { flag: entry } : entry;
    const flag: { help: string; default?: string } = FLAGS[own.flag];
    // A command's own help line stands alone; the flag's default goes with the flag's line.
    const fallback = own.help === undefined ? flag.default : undefined;
    const value = own.default ?? fallback;
    return { name: own.flag, help: own.help ?? flag.help, ...(value ? { default: value } : {}) };
  });
}

/**
 * Checks the flags and the operand count of a command line against `command`: each flag given
 * must be one it takes, and the operands must fit its usage (`SOURCE IMAGE [PATH]`: two or
 * three, none empty). Returns the flags with the command's defaults filled in.
 *
 * @param command The command.
 * @param parsed The parsed command line.
 * @returns The flags the command runs with.
 * @throws {UsageError} For a flag it does not take or a wrong operand count.
 * @example
 * ```ts
 * import { parseArgs } from "./args.ts";
 * import { checkUsage } from "./usage.ts";
 * import { inspect } from "./commands/inspect.ts";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(checkUsage(inspect, parseArgs(["inspect", "oci:x", "app"])).output, "json");
 * assertThrows(() => checkUsage(inspect, parseArgs(["inspect", "oci:x"])), Error, "takes SOURCE IMAGE");
 * ```
 */
export function checkUsage(command: Command, parsed: ParsedArgs): CliOptions {
  const flags = commandFlags(command);
  const taken = new Set<string>(flags.map((flag) => FLAGS[flag.name].long));
  const stray = parsed.given.find((name) => !taken.has(name));
  if (stray) throw new UsageError(`${command.name} does not take --${stray}`, command.name);
  const words = command.usage.split(/\s+/).filter(Boolean);
  const min = words.filter((word) => !word.startsWith("[")).length;
  const count = parsed.operands.length;
  if (count < min || count > words.length || parsed.operands.some((o) => o === "")) {
    throw new UsageError(
      `${command.name} takes ${command.usage || "no operands"}, found ${count} operand${
        count === 1 ? "" : "s"
      }`,
      command.name,
    );
  }
  const options: Record<string, unknown> = { ...parsed.options };
  for (const flag of flags) {
    if (flag.default !== undefined && options[flag.name] === undefined) {
      options[flag.name] = flag.default;
    }
  }
  return options as CliOptions;
}
