/** The help texts, written from the command declarations and the flag table. */
import { type FlagName, FLAGS, type FlagSpec } from "./args.ts";
import type { Command } from "./command.ts";
import { TRANSPORTS } from "./transports.ts";
import { commandFlags } from "./usage.ts";

/** The flags `ocistore --help` lists: help, and those answered before any command. */
const _overviewFlags = (Object.keys(FLAGS) as FlagName[])
  .filter((name) => name === "help" || FLAGS[name].scope === "global")
  .map((name) => ({ name, help: FLAGS[name].help }));

/** The CLI's version (the package version). */
export const VERSION = "0.1.0";

/** One help line per flag: `  -o, --output FMT   table or json (default: table)`. */
function _flagLines(flags: readonly { name: FlagName; help: string; default?: string }[]): string {
  return flags.map(({ name, help, default: value }) => {
    const flag: FlagSpec = FLAGS[name];
    const spelling = `${flag.short ? `-${flag.short}, ` : ""}--${flag.long}${
      flag.value ? ` ${flag.value}` : ""
    }`;
    return `  ${spelling.padEnd(17)}  ${help}${value ? ` (default: ${value})` : ""}\n`;
  }).join("");
}

/**
 * The overview page (`ocistore --help`).
 *
 * @param commands The commands, in listing order.
 * @returns The text.
 */
export function programHelp(commands: readonly Command[]): string {
  const list = commands.map((c) => `  ${`${c.name} ${c.usage}`.padEnd(23)}  ${c.summary}\n`);
  const sources = [...TRANSPORTS.values()].map((t) => `  ${t.usage}\n`).join("");
  return `Usage: ocistore COMMAND [SOURCE] [ARGS] [FLAGS]

See the images of an OCI layout, an archive or a containerd root as crictl shows them on a node.

Commands:
${list.join("")}
SOURCE (skopeo's transport syntax; a bare path is detected: directory → layout, file → archive):
${sources}Without SOURCE, images lists the example images shipped with ocistore.

Flags:
${_flagLines(_overviewFlags)}
Exit codes: 0 ok, 1 failure, 2 usage or bad input, 3 not found or ambiguous.
Run 'ocistore COMMAND --help' for the flags of a command. NO_COLOR turns colours off.
`;
}

/**
 * The help page of one command: usage, its paragraph, then its flags and the common ones.
 *
 * @param command The command.
 * @returns The text.
 */
export function commandHelp(command: Command): string {
  return `Usage: ocistore ${command.name} ${command.usage} [FLAGS]

${command.help}

Flags:
${_flagLines(commandFlags(command))}`;
}
