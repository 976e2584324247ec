/** Command-line parsing: the command, its operands and the flags, with usage errors for the rest. */

/** The flags, as parsed (defaults filled in). */
export interface CliOptions {
  /** `--platform os/arch[/variant]`: the platform to resolve images for (default: the host). */
  readonly platform?: string;
  /** `--base-name NAME`: the repository for tag-only names in a layout or archive. */
  readonly baseName?: string;
  /** `--digest-refs`: also name every layout or archive entry `NAME@digest`. */
  readonly digestRefs: boolean;
  /** `-o, --output table|json` (default `table`). */
  readonly output: "table" | "json";
  /** `-q, --quiet`: image IDs only. */
  readonly quiet: boolean;
  /** `--no-trunc`: full IDs and digests. */
  readonly noTrunc: boolean;
  /** `--digests`: crictl's DIGEST column. */
  readonly digests: boolean;
  /** `--pinned`: crictl's PINNED column. */
  readonly pinned: boolean;
  /** `--debug`: stack traces and causes on errors. */
  readonly debug: boolean;
  /** `-h, --help`. */
  readonly help: boolean;
  /** `--version`. */
  readonly version: boolean;
}

/** What {@link parseArgs} returns. */
export interface ParsedArgs {
  /** The command (first operand), if any. */
  readonly command?: string;
  /** The operands after the command. */
  readonly operands: readonly string[];
  /** The flags. */
  readonly options: CliOptions;
  /** The long names of the flags that were given (`platform`, `quiet`, …). */
  readonly given: readonly string[];
}

/** A mistake on the command line (exit code 2); `command` names the help to point at. */
export class UsageError extends Error {
  /** The command whose usage applies, when known. */
  readonly command?: string;

  /**
   * Creates a usage error.
   *
   * @param message What is wrong, e.g. `unknown flag "--foo"`.
   * @param command The command whose usage applies.
   */
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    if (command !== undefined) this.command = command;
  }
}

interface _Flag {
  readonly name: keyof CliOptions;
  readonly value?: boolean;
}

/** Flags by spelling; `value` flags take an argument (`--x V`, `--x=V`, `-oV`). */
const _FLAGS: Readonly<Record<string, _Flag>> = {
  "--platform": { name: "platform", value: true },
  "--base-name": { name: "baseName", value: true },
  "--digest-refs": { name: "digestRefs" },
  "--output": { name: "output", value: true },
  "-o": { name: "output", value: true },
  "--quiet": { name: "quiet" },
  "-q": { name: "quiet" },
  "--no-trunc": { name: "noTrunc" },
  "--digests": { name: "digests" },
  "--pinned": { name: "pinned" },
  "--debug": { name: "debug" },
  "--help": { name: "help" },
  "-h": { name: "help" },
  "--version": { name: "version" },
};

const _LONG: Readonly<Record<keyof CliOptions, string>> = {
  platform: "platform",
  baseName: "base-name",
  digestRefs: "digest-refs",
  output: "output",
  quiet: "quiet",
  noTrunc: "no-trunc",
  digests: "digests",
  pinned: "pinned",
  debug: "debug",
  help: "help",
  version: "version",
};

/**
 * Parses the arguments after the program name. Flags may come before or after the command and
 * its operands; `--` ends the flags; short flags combine (`-qh`) and a value may be attached
 * (`-ojson`, `--output=json`).
 *
 * @param argv The arguments, e.g. `["images", "oci:./layout", "-o", "json"]`.
 * @returns The command, operands and flags.
 * @throws {UsageError} For an unknown flag, a missing or bad flag value, or a repeated flag.
 * @example
 * ```ts
 * import { parseArgs } from "@ocistore/ocistore/cli";
 * import { assertEquals } from "@std/assert";
 *
 * const parsed = parseArgs(["images", "oci:./layout", "-qo", "json"]);
 * assertEquals([parsed.command, parsed.operands, parsed.options.output], ["images", ["oci:./layout"], "json"]);
 * assertEquals(parsed.options.quiet, true);
 * ```
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values: Record<string, string | boolean> = {};
  const positional: string[] = [];
  const given: string[] = [];
  const set = (flag: _Flag, spelling: string, value: string | true) => {
    const long = _LONG[flag.name];
    if (given.includes(long)) throw new UsageError(`flag "${spelling}" given more than once`);
    given.push(long);
    values[flag.name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const spelling = eq < 0 ? arg : arg.slice(0, eq);
      const flag = _FLAGS[spelling];
      if (!flag) throw new UsageError(`unknown flag "${spelling}"`);
      if (!flag.value) {
        if (eq >= 0) throw new UsageError(`flag "${spelling}" takes no value`);
        set(flag, spelling, true);
      } else if (eq >= 0) set(flag, spelling, arg.slice(eq + 1));
      else if (i + 1 < argv.length) set(flag, spelling, argv[++i]);
      else throw new UsageError(`flag "${spelling}" needs a value`);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spelling = `-${arg[j]}`;
        const flag = _FLAGS[spelling];
        if (!flag) throw new UsageError(`unknown flag "${spelling}"`);
        if (!flag.value) {
          set(flag, spelling, true);
          continue;
        }
        if (j + 1 < arg.length) set(flag, spelling, arg.slice(j + 1));
        else if (i + 1 < argv.length) set(flag, spelling, argv[++i]);
        else throw new UsageError(`flag "${spelling}" needs a value`);
        break;
      }
      continue;
    }
    positional.push(arg);
  }
  const output = values.output ?? "table";
  if (output !== "table" && output !== "json") {
    throw new UsageError(`cannot use output format "${output}": expected "table" or "json"`);
  }
  const text = (name: string) => values[name] as string | undefined;
  const flag = (name: string) => values[name] === true;
  for (const name of ["platform", "baseName"]) {
    if (text(name) === "") {
      throw new UsageError(`flag "--${_LONG[name as keyof CliOptions]}" needs a value`);
    }
  }
  const [command, ...operands] = positional;
  return {
    ...(command !== undefined ? { command } : {}),
    operands,
    options: {
      ...(text("platform") !== undefined ? { platform: text("platform") } : {}),
      ...(text("baseName") !== undefined ? { baseName: text("baseName") } : {}),
      digestRefs: flag("digestRefs"),
      output,
      quiet: flag("quiet"),
      noTrunc: flag("noTrunc"),
      digests: flag("digests"),
      pinned: flag("pinned"),
      debug: flag("debug"),
      help: flag("help"),
      version: flag("version"),
    },
    given,
  };
}
