/**
 * The flag table and the command-line parser. {@link FLAGS} is the one place a flag is declared:
 * parsing, the {@link CliOptions} type, the help text and which command accepts it all come from it.
 */
import { parseArgs as parseNodeArgs } from "node:util";

/** How a flag is declared in {@link FLAGS}. */
export interface FlagSpec {
  /** The long spelling, without `--`. */
  readonly long: string;
  /** The one-letter spelling, without `-`. */
  readonly short?: string;
  /** `string` flags take a value (`--x V`, `--x=V`, `-xV`); `boolean` flags take none. */
  readonly type: "boolean" | "string";
  /** The value's placeholder in the help text (`NAME`). */
  readonly value?: string;
  /** The values a `string` flag accepts. */
  readonly choices?: readonly string[];
  /** A `string` flag whose value is a whole number (`0`, `1`, …), refused otherwise while parsing. */
  readonly whole?: boolean;
  /** The value when the flag is absent, unless the command declares its own (see `CommandFlag`). */
  readonly default?: string;
  /** One line of help. */
  readonly help: string;
  /**
   * Who accepts it: `common` flags every command (and every command's help lists them), `command`
   * flags only the commands that name them (see {@link SOURCE_FLAGS}), `global` flags are answered
   * before any command runs.
   */
  readonly scope: "common" | "command" | "global";
}

/** Every flag, in help order (command flags first, then common ones). */
export const FLAGS = {
  quiet: {
    long: "quiet",
    short: "q",
    type: "boolean",
    help: "no progress line",
    scope: "command",
  },
  noTrunc: {
    long: "no-trunc",
    type: "boolean",
    help: "show full image IDs and digests",
    scope: "command",
  },
  digests: { long: "digests", type: "boolean", help: "show the DIGEST column", scope: "command" },
  pinned: { long: "pinned", type: "boolean", help: "show the PINNED column", scope: "command" },
  layer: {
    long: "layer",
    type: "string",
    value: "N",
    whole: true,
    help: "one layer, 0 being the base (files: its entries as stored; diff: what it changed)",
    scope: "command",
  },
  ci: {
    long: "ci",
    type: "boolean",
    help: "judge the image by the .dive-ci rules; exit code 1 when one fails",
    scope: "command",
  },
  ciConfig: {
    long: "ci-config",
    type: "string",
    value: "FILE",
    help: "the .dive-ci rules file (default ./.dive-ci when present, else dive's defaults)",
    scope: "command",
  },
  platform: {
    long: "platform",
    type: "string",
    value: "OS/ARCH[/VARIANT]",
    help: "resolve images for this platform (default: the host)",
    scope: "command",
  },
  baseName: {
    long: "base-name",
    type: "string",
    value: "NAME",
    help: "name tag-only layout/archive entries NAME:TAG (default import-<date>, as ctr import)",
    scope: "command",
  },
  digestRefs: {
    long: "digest-refs",
    type: "boolean",
    help: "also name every layout/archive entry NAME@DIGEST (ctr import --digests)",
    scope: "command",
  },
  output: {
    long: "output",
    short: "o",
    type: "string",
    value: "FMT",
    choices: ["table", "json"],
    default: "table",
    help: "table or json",
    scope: "command",
  },
  plainHttp: {
    long: "plain-http",
    type: "boolean",
    help: "talk plain HTTP to a loopback docker:// registry",
    scope: "command",
  },
  insecureRegistry: {
    long: "insecure-registry",
    type: "string",
    value: "HOST",
    help: "talk plain HTTP to this docker:// registry host",
    scope: "command",
  },
  listen: {
    long: "listen",
    type: "string",
    value: "HOST:PORT",
    help: "serve on this address (default 127.0.0.1:0, a free port)",
    scope: "command",
  },
  allowRegistry: {
    long: "allow-registry",
    type: "string",
    value: "HOST[:PORT],…",
    help: "let the proxy reach these loopback or private registries, over plain HTTP",
    scope: "command",
  },
  open: {
    long: "open",
    type: "boolean",
    help: "open the printed URL in the host's browser",
    scope: "command",
  },
  creds: {
    long: "creds",
    type: "string",
    value: "USER:PASS",
    help: "registry user and password",
    scope: "command",
  },
  registryToken: {
    long: "registry-token",
    type: "string",
    value: "TOKEN",
    help: "registry bearer token",
    scope: "command",
  },
  authfile: {
    long: "authfile",
    type: "string",
    value: "FILE",
    help: "Docker config with registry logins (default ~/.docker/config.json)",
    scope: "command",
  },
  cacheDir: {
    long: "cache-dir",
    type: "string",
    value: "DIR",
    help: "registry blob cache (default $XDG_CACHE_HOME/ocistore)",
    scope: "command",
  },
  noCache: {
    long: "no-cache",
    type: "boolean",
    help: "do not read or write the registry blob cache",
    scope: "command",
  },
  debug: {
    long: "debug",
    type: "boolean",
    help: "print stack traces and causes of errors",
    scope: "common",
  },
  help: { long: "help", short: "h", type: "boolean", help: "show this help", scope: "common" },
  version: { long: "version", type: "boolean", help: "print the version", scope: "global" },
} as const;

/** The key of a flag in {@link FLAGS}. */
export type FlagName = keyof typeof FLAGS;

/** The flags of a command that reads a `docker://` registry: its address, and the login. */
export const REGISTRY_FLAGS: readonly FlagName[] = [
  "plainHttp",
  "insecureRegistry",
  "creds",
  "registryToken",
  "authfile",
];

/**
 * The flags of a command that opens a SOURCE and reads its images: the platform, how tag-only
 * layout and archive entries are named, the registry's, and the registry blob cache.
 */
export const SOURCE_FLAGS: readonly FlagName[] = [
  "platform",
  "baseName",
  "digestRefs",
  ...REGISTRY_FLAGS,
  "cacheDir",
  "noCache",
];

/** The value a flag's declaration gives it in {@link CliOptions}. */
export type FlagValue<F> = F extends { readonly type: "boolean" } ? boolean
  : F extends { readonly choices: readonly (infer C)[] } ? C | undefined
  : string | undefined;

/** The flags as parsed: booleans `false` when absent, values `undefined` when absent. */
export type CliOptions = { readonly [K in FlagName]: FlagValue<(typeof FLAGS)[K]> };

/** What {@link parseArgs} returns. */
export interface ParsedArgs {
  /** The command (first operand), if any. */
  readonly command?: string;
  /** The operands after the command. */
  readonly operands: readonly string[];
  /** The flags. */
  readonly options: CliOptions;
  /** The long names of the flags that were given (`platform`, `quiet`, …), in order. */
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

const _NAMES = Object.keys(FLAGS) as FlagName[];
const _BY_LONG = new Map<string, FlagName>(_NAMES.map((name) => [FLAGS[name].long, name]));
const _NODE_OPTIONS = Object.fromEntries(
  _NAMES.map((name) => {
    const flag: FlagSpec = FLAGS[name];
    return [flag.long, { type: flag.type, ...(flag.short ? { short: flag.short } : {}) }];
  }),
);

/**
 * Parses the arguments after the program name with `node:util`'s `parseArgs` (the same on Deno,
 * Bun and Node), driven by {@link FLAGS}. Flags may come before or after the command and its
 * operands; `--` ends the flags; short flags combine (`-qh`) and a value may be attached
 * (`-ojson`, `--output=json`).
 *
 * @param argv The arguments, e.g. `["images", "oci:./layout", "-o", "json"]`.
 * @returns The command, operands and flags.
 * @throws {UsageError} For an unknown flag, a missing or bad flag value, or a repeated flag.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const { tokens } = parseNodeArgs({
    args: [...argv],
    options: _NODE_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | boolean> = {};
  const positional: string[] = [];
  const given: string[] = [];
  // A mistake names the command (the first operand, wherever the flag stands), so that the
  // hint can point at that command's help.
  const first = tokens.find((token) => token.kind === "positional");
  const refuse = (message: string) => new UsageError(message, first?.value);
  for (const token of tokens) {
    if (token.kind === "positional") positional.push(token.value);
    if (token.kind !== "option") continue;
    const name = _BY_LONG.get(token.name);
    if (name === undefined) throw refuse(`unknown flag "${token.rawName}"`);
    const flag: FlagSpec = FLAGS[name];
    if (given.includes(flag.long)) {
      throw refuse(`flag "${token.rawName}" given more than once`);
    }
    given.push(flag.long);
    if (flag.type === "boolean") {
      if (token.value !== undefined) throw refuse(`flag "${token.rawName}" takes no value`);
      values[name] = true;
      continue;
    }
    // crictl (urfave/cli) also takes `-o=json`; node:util leaves the `=` in the value.
    const value = token.rawName.length === 2 && token.inlineValue && token.value?.startsWith("=")
      ? token.value.slice(1)
      : token.value;
    if (value === undefined || value === "") {
      throw refuse(`flag "${token.rawName}" needs a value`);
    }
    if (flag.whole && !/^\d+$/.test(value)) {
      throw refuse(`invalid --${flag.long} "${value}": expected a whole number (0, 1, …)`);
    }
    if (flag.choices && !flag.choices.includes(value)) {
      throw refuse(
        `cannot use ${flag.long} format "${value}": expected ${
          flag.choices.map((c) => `"${c}"`).join(" or ")
        }`,
      );
    }
    values[name] = value;
  }
  const options = Object.fromEntries(
    _NAMES.map((
      name,
    ) => [name, values[name] ?? (FLAGS[name].type === "boolean" ? false : undefined)]),
  ) as unknown as CliOptions;
  const [command, ...operands] = positional;
  return { ...(command !== undefined ? { command } : {}), operands, options, given };
}
