/** What a command declares: its name, usage, help and flags, and how it runs. */
import type { FlagName } from "./args.ts";
import type { CommandContext } from "./context.ts";

/** One command of the CLI; each lives in its own file under `commands/` and is listed once. */
export interface Command {
  /** The word that selects it, e.g. `images`. */
  readonly name: string;
  /** Its operands as `--help` writes them, e.g. `SOURCE IMAGE`. */
  readonly usage: string;
  /** One line for the overview (`ocistore --help`). */
  readonly summary: string;
  /** The paragraph of its own help page. */
  readonly help: string;
  /** The command flags it accepts beyond the common ones, in help order. */
  readonly flags: readonly FlagName[];
  /** Runs it; resolves to the exit code. */
  run(ctx: CommandContext): Promise<number>;
}
