/** The help texts, written from the command declarations and the flag table. */
import { type FlagName, FLAGS, type FlagSpec } from "./args.ts";
import type { Command } from "./command.ts";
import { TRANSPORTS } from "./transports.ts";

/** The CLI's version (the package version). */
export const VERSION = "0.1.0";

/** One help line per flag: `  -o, --output FMT   table (default) or json`. */
function _flagLines(names: readonly FlagName[]): string {
  return names.map((name) => {
    const flag: FlagSpec = FLAGS[name];
    const spelling = `${flag.short ? `-${flag.short}, ` : ""}--${flag.long}${
      flag.value ? ` ${flag.value}` : ""
    }`;
    return `  ${spelling.padEnd(17)}  ${flag.help}\n`;
  }).join("");
}

const _byScope = (scope: FlagSpec["scope"]) =>
  (Object.keys(FLAGS) as FlagName[]).filter((name) => FLAGS[name].scope === scope);

/** The flags every command accepts. */
export const COMMON_FLAGS: readonly FlagName[] = _byScope("common");

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
${_flagLines(["help", ..._byScope("global")])}
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
${_flagLines([...command.flags, ...COMMON_FLAGS])}`;
}
