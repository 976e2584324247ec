/** What a command declares: its name, usage, help and flags, and how it runs. */
import type { FlagName } from "./args.ts";
import type { CommandContext } from "./context.ts";

/**
 * A flag a command takes: its name, or its name with what is this command's own, a help line
 * (`-q` of `images` only shows IDs) or a default (`-o` of `inspect` is `json`).
 */
export type CommandFlag =
  | FlagName
  | { readonly flag: FlagName; readonly help?: string; readonly default?: string };

/** One command of the CLI; each lives in its own file under `commands/` and is listed once. */
export interface Command {
  /** The word that selects it, e.g. `images`. */
  readonly name: string;
  /**
   * Its operands as `--help` writes them, e.g. `SOURCE IMAGE [PATH]`: each word is one operand,
   * in brackets an optional one. The CLI checks the operand count against it before running.
   */
  readonly usage: string;
  /** One line for the overview (`ocistore --help`). */
  readonly summary: string;
  /** The paragraph of its own help page. */
  readonly help: string;
  /** The flags it accepts beyond the common ones (`--help`, `--debug`), in help order. */
  readonly flags: readonly CommandFlag[];
  /** Runs it; resolves to the exit code. */
  run(ctx: CommandContext): Promise<number>;
}
