/** What every command receives: its operands and flags, output channels, and the opened SOURCE. */
import { importBaseName, tagOnlyNamesWarning } from "../core/import_naming.ts";
import type { ImageSource } from "../core/content.ts";
import type { DigesterFactory } from "../core/digester.ts";
import { OciStoreError } from "../core/errors.ts";
import { ImageStore } from "../core/image_store.ts";
import type { BlobStore } from "../core/cached_content.ts";
import { DEFAULT_PLATFORM, parsePlatform } from "../core/platform.ts";
import { parseReference } from "../core/reference.ts";
import { printedName } from "../core/normalize.ts";
import { defaultMatcher, type MatchComparer, only } from "../core/platform_matcher.ts";
import type { Platform } from "../core/types.ts";
import { type CliOptions, UsageError } from "./args.ts";
import { findExampleLayout } from "./examples.ts";
import { terminalLines } from "./terminal_lines.ts";
import { openSource, type RegistryAccess, SourceError } from "./transports.ts";

/** The outside world as the CLI sees it; `main` receives it, so tests can capture everything. */
export interface CliIO {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes bytes to standard output as they are (`cat`); without it, they are decoded as UTF-8. */
  readonly stdoutBytes?: (bytes: Uint8Array) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** The environment (for `NO_COLOR`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether standard error is a terminal (progress and colours are shown only then). */
  readonly isTTY?: boolean;
  /** The host platform (default linux/amd64; `bin.ts` passes the real one). */
  readonly host?: Platform;
  /** A signal that aborts on Ctrl-C (SIGINT), for commands that run until then (`watch`). */
  readonly interrupt?: () => AbortSignal;
  /** Hashes with this instead of the portable digester (`bin.ts` passes the runtime's native one). */
  readonly digester?: DigesterFactory;
  /** Opens a URL in the host's browser (`serve --open`; default: the platform's opener). */
  readonly openUrl?: (url: string) => Promise<void>;
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
  /** The repository tag-only names were given (`--base-name`, or ctr's `import-<date>`), if any. */
  readonly baseName?: string;
  /** The registry blob cache of a `docker://` SOURCE, where layers' seek indexes are kept. */
  readonly indexCache?: BlobStore;
}

/** What {@link CommandContext.open} may add to the flags. */
export interface OpenOptions {
  /** Name every layout or archive entry `NAME@DIGEST` too, so that none goes unseen. */
  readonly everyEntry?: boolean;
  /**
   * The command shows the names (`images`): only then are tag-only names worth a warning; a
   * command given a name already chosen from that list has no news in it.
   */
  readonly showsNames?: boolean;
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
  open(sourceText: string | undefined, options?: OpenOptions): Promise<OpenedStore>;
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
 * import { parseArgs } from "./args.ts";
 * import { createContext } from "./context.ts";
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
  const platform = _platformMatcher(options.platform, host);
  if (options.baseName !== undefined) _checkBaseName(options.baseName);
  const lines = terminalLines(io, options.quiet);
  // Only `docker://` reaches a registry: its logins, blob cache and their modules (a child process
  // for credential helpers, the cache directory) are loaded for that transport alone.
  let registryAccess: Promise<() => RegistryAccess> | undefined;
  const accessFor = async (text: string): Promise<RegistryAccess | undefined> => {
    if (!text.startsWith("docker:")) return undefined;
    registryAccess ??= import("./registry_access.ts").then((m) =>
      m.registryAccessFor(options, io.env, lines)
    );
    return (await registryAccess)();
  };
  const opened: ImageSource[] = [];
  return {
    operands,
    options,
    io,
    warn: lines.warn,
    progress: lines.progress,
    async open(sourceText, openOptions = {}) {
      const text = sourceText ?? `oci:${await _exampleLayout()}`;
      const defaultBaseName = importBaseName(new Date());
      const access = await accessFor(text);
      const { source, naming, warnings } = await openSource(text, {
        ...(options.baseName !== undefined ? { baseName: options.baseName } : { defaultBaseName }),
        digestRefs: options.digestRefs,
        everyEntry: openOptions.everyEntry === true,
        ...(access && { registry: access }),
        ...(io.env && { env: io.env }),
      });
      opened.push(source);
      for (const warning of warnings) lines.warn(warning);
      const baseName = naming ? options.baseName ?? defaultBaseName : undefined;
      if (naming && options.baseName === undefined && openOptions.showsNames === true) {
        const warning = await _tagOnlyWarning(source, defaultBaseName);
        if (warning) lines.warn(warning);
      }
      const store = new ImageStore(source, {
        platform,
        host,
        concurrency: 16,
        digester: io.digester,
        nameImage: (name) => printedName(name) ?? name,
      });
      const indexCache = access?.cache;
      return {
        source,
        store,
        platform,
        host,
        ...(baseName ? { baseName } : {}),
        ...(indexCache ? { indexCache } : {}),
      };
    },
    async close() {
      for (const source of opened.splice(0)) await source.close?.();
    },
  };
}

/** The matcher `--platform` names (containerd's `platforms.Only`), else the host's default one. */
function _platformMatcher(text: string | undefined, host: Platform): MatchComparer {
  try {
    return text === undefined
      ? defaultMatcher(host)
      : only(parsePlatform(text, { host }), { host });
  } catch (error) {
    if (!(error instanceof OciStoreError)) throw error;
    throw new UsageError(`invalid --platform: ${error.message}`);
  }
}

/** The example layout's directory, for a command given no SOURCE. */
async function _exampleLayout(): Promise<string> {
  const layout = await findExampleLayout().catch((error) => {
    throw new SourceError(`Cannot open the example images: ${error.message}`, { cause: error });
  });
  if (!layout) {
    throw new SourceError(
      "Cannot open the example images: examples/layout is not shipped with this copy; name a SOURCE",
    );
  }
  return layout;
}

/** ctr's warning when entries named by a tag alone went into `import-<date>` (none when none did). */
async function _tagOnlyWarning(
  source: ImageSource,
  defaultBaseName: string,
): Promise<string | undefined> {
  const names = (await source.images.list()).map((r) => r.name);
  return tagOnlyNamesWarning(names, defaultBaseName, "--base-name");
}

/** A `--base-name` must be a repository name (no tag or digest), lowercase as references are. */
function _checkBaseName(baseName: string): void {
  let problem: string | undefined;
  try {
    const parsed = parseReference(baseName);
    if (parsed.tag !== undefined || parsed.digest !== undefined) problem = "a tag or digest";
  } catch (error) {
    if (!(error instanceof OciStoreError)) throw error;
    problem = error.problem ?? error.message;
  }
  if (problem !== undefined) {
    throw new UsageError(
      `invalid --base-name "${baseName}": expected a repository name such as example.com/team/app, found ${problem}`,
    );
  }
}
