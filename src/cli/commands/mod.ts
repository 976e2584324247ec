/**
 * The commands, in the order `ocistore --help` lists them. Adding a command is one file and one line
 * here. Each is imported only when it runs (or when help lists it), so `images oci:DIR` loads no
 * other command's code: a command that reaches a registry, a socket or a filesystem costs nothing
 * to the ones that do not.
 */
import type { Command } from "../command.ts";

/** A command by name, loaded on demand. */
export interface CommandEntry {
  /** The word that selects it; equal to the loaded command's `name`. */
  readonly name: string;
  /** Imports the command's module. */
  load(): Promise<Command>;
}

/** Every command. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: "images", load: async () => (await import("./images.ts")).images },
  { name: "inspect", load: async () => (await import("./inspect.ts")).inspect },
  { name: "resolve", load: async () => (await import("./resolve.ts")).resolve },
  { name: "platforms", load: async () => (await import("./platforms.ts")).platforms },
  { name: "tags", load: async () => (await import("./tags.ts")).tags },
  { name: "verify", load: async () => (await import("./verify.ts")).verify },
  { name: "watch", load: async () => (await import("./watch.ts")).watch },
  { name: "files", load: async () => (await import("./files.ts")).files },
  { name: "diff", load: async () => (await import("./diff.ts")).diff },
  { name: "efficiency", load: async () => (await import("./efficiency.ts")).efficiency },
  { name: "cat", load: async () => (await import("./cat.ts")).cat },
  { name: "serve", load: async () => (await import("./serve.ts")).serve },
];

/**
 * Loads every command, for the overview help and for tests that walk them all.
 *
 * @example
 * ```ts
 * import { loadCommands } from "./mod.ts";
 * import { assert } from "@std/assert";
 *
 * const commands = await loadCommands();
 * assert(commands.some((c) => c.name === "images"));
 * ```
 */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMANDS.map((entry) => entry.load()));
}
