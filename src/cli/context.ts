/** What every command receives: its operands and flags, output channels, and the opened SOURCE. */
import type { ImageSource } from "../core/content.ts";
import { OciStoreError } from "../core/errors.ts";
import { ImageStore } from "../core/image_store.ts";
import { DEFAULT_PLATFORM, parsePlatform } from "../core/platform.ts";
import { defaultMatcher, type MatchComparer, only } from "../core/platform_matcher.ts";
import type { Platform } from "../core/types.ts";
import { type CliOptions, UsageError } from "./args.ts";
import { findExampleLayout } from "./examples.ts";
import { openSource, SourceError } from "./transports.ts";

/** The outside world as the CLI sees it; `main` receives it, so tests can capture everything. */
export interface CliIO {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** The environment (for `NO_COLOR`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether standard error is a terminal (progress and colours are shown only then). */
  readonly isTTY?: boolean;
  /** The host platform (default linux/amd64; `bin.ts` passes the real one). */
  readonly host?: Platform;
}

/** An opened SOURCE and a store over it. */
export interface OpenedStore {
  /** The source. */
  readonly source: ImageSource;
  /** A store over it for the chosen platform. */
  readonly store: ImageStore;
  /** The platform matcher the store uses. */
  readonly platform: MatchComparer;
  /** The host platform. */
  readonly host: Platform;
}

/** Everything a command needs. */
export interface CommandContext {
  /** The command's operands. */
  readonly operands: readonly string[];
  /** The flags. */
  readonly options: CliOptions;
  /** Output channels. */
  readonly io: CliIO;
  /** Prints `ocistore: warning: …` on stderr (one line). */
  warn(message: string): void;
  /** Shows a progress line on a terminal (nothing otherwise); `undefined` clears it. */
  progress(text: string | undefined): void;
  /** Opens SOURCE (the example images when `undefined`) and a store over it. */
  open(sourceText: string | undefined): Promise<OpenedStore>;
  /** Releases every source `open` opened. */
  close(): Promise<void>;
}

/**
 * Builds the context of a command from the parsed command line and the io.
 *
 * @param operands The operands after the command.
 * @param options The flags.
 * @param io The io.
 * @returns The context.
 * @throws {UsageError} When `--platform` cannot be parsed.
 * @example
 * ```ts
 * import { createContext, parseArgs } from "@ocistore/ocistore/cli";
 * import { assertEquals } from "@std/assert";
 *
 * let err = "";
 * const { operands, options } = parseArgs(["images", "x"]);
 * const ctx = createContext(operands, options, { stdout: () => {}, stderr: (t) => err += t });
 * ctx.warn("careful");
 * assertEquals(err, "ocistore: warning: careful\n");
 * ```
 */
export function createContext(
  operands: readonly string[],
  options: CliOptions,
  io: CliIO,
): CommandContext {
  const host = io.host ?? DEFAULT_PLATFORM;
  let platform: MatchComparer;
  try {
    platform = options.platform === undefined
      ? defaultMatcher(host)
      : only(parsePlatform(options.platform, { host }), { host });
  } catch (error) {
    if (!(error instanceof OciStoreError)) throw error;
    throw new UsageError(`invalid --platform: ${error.message}`);
  }
  const color = io.isTTY === true && !io.env?.NO_COLOR;
  let shown = false;
  let last = 0;
  const opened: ImageSource[] = [];
  return {
    operands,
    options,
    io,
    warn(message) {
      if (shown) {
        io.stderr("\r\x1b[2K");
        shown = false;
      }
      const label = color ? "\x1b[33mwarning\x1b[0m" : "warning";
      io.stderr(`ocistore: ${label}: ${oneLine(message)}\n`);
    },
    progress(text) {
      if (!io.isTTY) return;
      if (text === undefined) {
        if (shown) io.stderr("\r\x1b[2K");
        shown = false;
        return;
      }
      const now = Date.now();
      if (shown && now - last < 100) return;
      last = now;
      shown = true;
      io.stderr(`\r\x1b[2K${text}`);
    },
    async open(sourceText) {
      let text = sourceText;
      if (text === undefined) {
        const layout = await findExampleLayout();
        if (!layout) {
          throw new SourceError(
            "Cannot open the example images: examples/layout is not shipped with this copy; name a SOURCE",
          );
        }
        text = `oci:${layout}`;
      }
      const naming = {
        ...(options.baseName !== undefined ? { baseName: options.baseName } : {}),
        digestRefs: options.digestRefs,
      };
      const { source } = await openSource(text, naming);
      opened.push(source);
      const store = new ImageStore(source, { platform, host, concurrency: 16 });
      return { source, store, platform, host };
    },
    async close() {
      for (const source of opened.splice(0)) await source.close?.();
    },
  };
}

/**
 * Collapses a message to one line (newlines and runs of whitespace become one space).
 *
 * @param message The message.
 * @returns One line.
 * @example
 * ```ts
 * import { oneLine } from "@ocistore/ocistore/cli";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(oneLine("a\n  b"), "a b");
 * ```
 */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
