/** How the CLI's `docker://` sources reach registries: flags, logins, the blob cache, progress. */
import { join } from "node:path";
import type { CliOptions } from "./args.ts";
import { loginFor } from "./registry_login.ts";
import type { TerminalLines } from "./terminal_lines.ts";
import type { RegistryAccess } from "./transports.ts";
import { diskBlobStore } from "../runtime/disk_blob_store.ts";

/**
 * A maker of the {@link RegistryAccess} each opened source gets from the flags: the requests of
 * all of them are counted on one progress line, and a failing blob cache is warned about once.
 *
 * @param options The flags (`--plain-http`, `--creds`, `--cache-dir`, `--no-cache`, …).
 * @param env The environment (logins, the cache directory).
 * @param lines Where warnings and progress go.
 * @returns A function giving the access for one source.
 * @example
 * ```ts
 * import { parseArgs } from "./args.ts";
 * import { registryAccessFor } from "./registry_access.ts";
 * import { terminalLines } from "./terminal_lines.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const { options } = parseArgs(["tags", "--plain-http", "--no-cache", "docker://127.0.0.1/x"]);
 * const access = registryAccessFor(options, {}, terminalLines({ stderr: () => {} }, false))();
 * assertEquals([access.plainHttp, access.cache], [true, undefined]);
 * ```
 */
export function registryAccessFor(
  options: CliOptions,
  env: Readonly<Record<string, string | undefined>> | undefined,
  lines: TerminalLines,
): () => RegistryAccess {
  let requests = 0;
  let cacheWarned = false;
  return () => {
    const cacheDir = options.cacheDir ?? defaultCacheDir(env ?? {});
    const counted: typeof fetch = (input, init) => {
      requests++;
      lines.progress(`fetching from the registry: ${requests} requests`);
      return fetch(input, init);
    };
    return {
      plainHttp: options.plainHttp,
      ...(options.insecureRegistry !== undefined
        ? { insecureRegistry: options.insecureRegistry }
        : {}),
      login: (host) =>
        loginFor(host, {
          creds: options.creds,
          token: options.registryToken,
          authfile: options.authfile,
          env,
        }),
      ...(options.noCache || cacheDir === undefined ? {} : { cache: diskBlobStore(cacheDir) }),
      onCacheError: (error) => {
        if (cacheWarned) return;
        cacheWarned = true;
        lines.warn(
          `the blob cache is not working, reading on without it: ${(error as Error).message}`,
        );
      },
      onWarning: (message) => lines.warn(`registry: ${message}`),
      fetch: counted,
    };
  };
}

/**
 * The registry blob cache directory: `$XDG_CACHE_HOME/ocistore`, else `~/.cache/ocistore`.
 *
 * @param env The environment.
 * @returns The directory, or `undefined` when neither variable is set.
 * @example
 * ```ts
 * import { defaultCacheDir } from "./registry_access.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(defaultCacheDir({ XDG_CACHE_HOME: "/c" }), "/c/ocistore");
 * assertEquals(defaultCacheDir({ HOME: "/home/me" }), "/home/me/.cache/ocistore");
 * ```
 */
export function defaultCacheDir(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "ocistore");
  return env.HOME ? join(env.HOME, ".cache", "ocistore") : undefined;
}
