/** SOURCE in skopeo's transport syntax (`oci:DIR`, `oci-archive:FILE`, …) opened as an image source. */
import { stat } from "node:fs/promises";
import type { ImageSource } from "../core/content.ts";
import { OciStoreError } from "../core/errors.ts";
import { isLoopbackHost } from "../core/host_address.ts";
import type { EntrySelector } from "../adapters/oci_layout.ts";
import { parseDockerRef } from "../core/normalize.ts";
import { formatReference } from "../core/reference.ts";
import type { Reference } from "../core/types.ts";
import { UsageError } from "./args.ts";
import { type BlobStore, cachedContent } from "../core/cached_content.ts";
import type { Login } from "./registry_login.ts";

/** How layout and archive entries are named (containerd's `ctr images import` options). */
export interface SourceOptions {
  /** `--base-name`: the repository for tag-only names (full references outside it dropped). */
  readonly baseName?: string;
  /** ctr's default repository for tag-only names without `--base-name` (`import-<date>`). */
  readonly defaultBaseName?: string;
  /** `--digest-refs`: also name each entry `baseName@digest`. */
  readonly digestRefs?: boolean;
  /** Name every entry `baseName@digest` too (as `--digest-refs`), so that `verify` sees them all. */
  readonly everyEntry?: boolean;
  /** How `docker://` sources are reached. */
  readonly registry?: RegistryAccess;
  /** The environment (`CONTAINERD_ADDRESS`, `CONTAINERD_NAMESPACE`, as ctr reads them). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** How the CLI reaches registries: transport, logins, cache and callbacks. */
export interface RegistryAccess {
  /** `--plain-http`: plain HTTP, allowed for loopback hosts only. */
  readonly plainHttp?: boolean;
  /** `--insecure-registry HOST`: plain HTTP for this host. */
  readonly insecureRegistry?: string;
  /** The login for a host. */
  readonly login?: (host: string) => Promise<Login>;
  /** The blob cache. */
  readonly cache?: BlobStore;
  /** Receives cache failures. */
  readonly onCacheError?: (error: unknown) => void;
  /** Receives the registry's `Warning` texts. */
  readonly onWarning?: (message: string) => void;
  /** The fetch to use (the CLI wraps the global one to show progress). */
  readonly fetch?: typeof fetch;
}

/** Opens `docker://REFERENCE` (the location is `//REFERENCE`). */
async function _openDocker(location: string, access: RegistryAccess = {}): Promise<ImageSource> {
  if (!location.startsWith("//") || location.length === 2) {
    throw new UsageError(
      `Cannot open "docker:${location}": expected docker://HOST[:PORT]/NAME[:TAG|@DIGEST]`,
    );
  }
  const text = location.slice(2);
  const { parseNormalizedReference } = await import("../core/normalize.ts");
  let host: string;
  try {
    host = parseNormalizedReference(text).domain;
  } catch (error) {
    throw new UsageError(`Cannot open "docker:${location}": ${(error as Error).message}`);
  }
  const plainHttp = access.insecureRegistry === host || access.plainHttp === true;
  if (access.plainHttp && !isLoopbackHost(host) && access.insecureRegistry !== host) {
    throw new UsageError(
      `cannot use --plain-http with ${host}: it is not a loopback host; use --insecure-registry ${host}`,
    );
  }
  const login = await access.login?.(host) ?? {};
  const { openRegistry } = await import("../adapters/registry.ts");
  const { explainFetchFailure } = await import("../runtime/fetch_failure.ts");
  const source = await openRegistry(text, {
    plainHttp,
    explainFetchFailure,
    ...login,
    ...(access.fetch ? { fetch: access.fetch } : {}),
    ...(access.onWarning ? { onWarning: access.onWarning } : {}),
  });
  if (!access.cache) return source;
  const content = cachedContent(source.content, access.cache, { onError: access.onCacheError });
  return { ...source, content };
}

/** One transport: a name before the colon and how to open what follows it. */
export interface Transport {
  /** The prefix, e.g. `oci-archive`. */
  readonly name: string;
  /** The syntax and what it opens, for `--help`. */
  readonly usage: string;
  /** Whether `--base-name` and `--digest-refs` apply. */
  readonly naming: boolean;
  /** What kind of path it needs, checked before opening (`none` for remote transports). */
  readonly path: "directory" | "file" | "none";
  /** The kind for this location, when it differs by location (`containerd:unix://` is a socket). */
  kindOf?(location: string): "directory" | "file" | "none";
  /** The local path in the location (`DIR` of `oci:DIR:REF`); the whole location by default. */
  pathOf?(location: string): string;
  /** Opens the location (the text after `name:`). */
  open(location: string, options: SourceOptions): Promise<ImageSource>;
  /** Warnings about what was opened (a containerd namespace without images), one line each. */
  warnings?(location: string, source: ImageSource, options?: SourceOptions): Promise<string[]>;
}

/** A SOURCE that cannot be opened (exit code 2): missing, not a source, or damaged. */
export class SourceError extends Error {
  /**
   * Creates a source error.
   *
   * @param message One line naming the file and the problem.
   * @param options The underlying error.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SourceError";
  }
}

const _naming = (options: SourceOptions) => ({
  ...(options.baseName !== undefined ? { baseName: options.baseName } : {}),
  ...(options.defaultBaseName !== undefined ? { defaultBaseName: options.defaultBaseName } : {}),
  ...(options.digestRefs || options.everyEntry ? { digestRefs: true } : {}),
});

/** skopeo's split of `PATH[:REF]`: at the first colon. */
function _splitRef(location: string): { path: string; ref?: string } {
  const colon = location.indexOf(":");
  return colon < 0
    ? { path: location }
    : { path: location.slice(0, colon), ref: location.slice(colon + 1) };
}

/** `:@N` picks the Nth entry; `:REF` an OCI entry by its ref name or a docker one by its tag. */
function _selector(ref: string | undefined, kind: "oci" | "docker"): { select?: EntrySelector } {
  if (ref === undefined || ref === "") return {};
  if (ref.startsWith("@")) {
    if (!/^@\d+$/.test(ref)) {
      throw new UsageError(`Cannot select "${ref}": expected @ and an entry number, e.g. @0`);
    }
    return { select: { index: Number(ref.slice(1)) } };
  }
  if (kind === "oci") return { select: { refName: ref } };
  let parsed: Reference | undefined;
  try {
    parsed = parseDockerRef(ref);
  } catch {
    // Not a reference at all: said below.
  }
  if (parsed === undefined || parsed.digest !== undefined) {
    throw new UsageError(
      `Cannot select "${ref}" in a docker-archive: expected a tagged reference such as app:1.0, found ${
        parsed === undefined ? "no reference" : "a digest"
      }`,
    );
  }
  return { select: { imageName: formatReference(parsed) } };
}

/** `oci-archive:` and `docker-archive:`: an archive that must be of that kind, as in skopeo. */
function _archive(name: string, usage: string, format: "oci" | "docker"): Transport {
  return {
    name,
    usage,
    naming: true,
    path: "file",
    pathOf: (location) => _splitRef(location).path,
    async open(location, options) {
      const { path, ref } = _splitRef(location);
      const { openArchive } = await import("../runtime/open_archive.ts");
      return await openArchive(path, { ..._naming(options), ..._selector(ref, format), format });
    },
  };
}

/**
 * The transports by name: adding one is one entry here.
 */
export const TRANSPORTS: ReadonlyMap<string, Transport> = new Map<string, Transport>(
  ([
    {
      name: "oci",
      usage: "oci:DIR[:REF]            an OCI image layout directory (REF: a ref name or @INDEX)",
      naming: true,
      path: "directory",
      pathOf: (location) => _splitRef(location).path,
      async open(location, options) {
        const { path, ref } = _splitRef(location);
        const { openOciLayout } = await import("../runtime/open_oci_layout.ts");
        return await openOciLayout(path, { ..._naming(options), ..._selector(ref, "oci") });
      },
    },
    _archive(
      "oci-archive",
      "oci-archive:FILE[:REF]   a tar (or tar.gz) of an OCI image layout",
      "oci",
    ),
    _archive("docker-archive", "docker-archive:FILE[:REF|:@INDEX]  a `docker save` tar", "docker"),
    {
      name: "containerd",
      usage:
        "containerd:ROOT[?namespace=NS]  a containerd root (default namespace k8s.io)\n  containerd:unix://SOCKET[?namespace=NS]  a running containerd's API (unix:// alone: $CONTAINERD_ADDRESS or ctr's default)",
      naming: false,
      path: "directory",
      kindOf: (location) => location.startsWith("unix://") ? "none" : "directory",
      pathOf: (location) => _query(location, ["namespace"]).root,
      async open(location, options) {
        const { root, params } = _query(location, ["namespace"]);
        if (root.startsWith("unix://")) {
          const { openContainerdSocket } = await import("./containerd_socket.ts");
          return await openContainerdSocket(root, params.get("namespace"), options.env ?? {});
        }
        const { openContainerd } = await import("../runtime/open_containerd.ts");
        return await openContainerd(root, { namespace: params.get("namespace") ?? "k8s.io" });
      },
      async warnings(location, source, options) {
        const { root, params } = _query(location, ["namespace"]);
        const { containerdWarnings } = await import("./containerd_socket.ts");
        return await containerdWarnings(root, params.get("namespace"), source, options?.env ?? {});
      },
    },
    {
      name: "docker",
      usage:
        "docker://HOST[:PORT]/NAME[:TAG|@DIGEST]  a registry repository (every tag without TAG)",
      naming: false,
      path: "none",
      open: (location, options) => _openDocker(location, options.registry),
    },
  ] satisfies Transport[]).map((transport) => [transport.name, transport]),
);

/** A bare path to a file: either kind of archive, detected from its content. */
const _ANY_ARCHIVE: Transport = {
  name: "archive",
  usage: "",
  naming: true,
  path: "file",
  async open(location, options) {
    const { openArchive } = await import("../runtime/open_archive.ts");
    return await openArchive(location, _naming(options));
  },
};

/** Where a SOURCE points: a transport and its location (`transport` is `""` for a bare path). */
export interface SourceSpec {
  /** The transport name, or `""` for a bare path to detect. */
  readonly transport: string;
  /** The rest: a path, with a query for `containerd:`. */
  readonly location: string;
}

/**
 * Splits SOURCE at the first colon when what precedes it is a known transport; anything else is
 * a bare path (so `./a:b` stays a path). Text that looks like `word:rest` with an unknown word
 * and no path separator before the colon is refused, so a typo does not become a missing path.
 *
 * @param text The SOURCE argument.
 * @returns The transport and location.
 * @throws {UsageError} For an empty SOURCE, an unknown transport or an empty location.
 * @example
 * ```ts
 * import { parseSource } from "./transports.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseSource("oci-archive:app.tar"), { transport: "oci-archive", location: "app.tar" });
 * assertEquals(parseSource("./layout"), { transport: "", location: "./layout" });
 * ```
 */
export function parseSource(text: string): SourceSpec {
  if (text === "") throw new UsageError("SOURCE is empty");
  const colon = text.indexOf(":");
  const prefix = colon < 0 ? "" : text.slice(0, colon);
  if (TRANSPORTS.has(prefix)) {
    const location = text.slice(colon + 1);
    if (location === "") throw new UsageError(`SOURCE "${text}" names no location`);
    return { transport: prefix, location };
  }
  if (/^[a-z][a-z0-9-]*$/.test(prefix) && prefix.length > 1) {
    throw new UsageError(
      `unknown transport "${prefix}" in SOURCE "${text}": expected one of ${
        [...TRANSPORTS.keys()].join(", ")
      }, or a path`,
    );
  }
  return { transport: "", location: text };
}

/** An opened SOURCE. */
export interface OpenedSource {
  /** The image source. */
  readonly source: ImageSource;
  /** The transport used (detected for a bare path). */
  readonly transport: string;
  /** Whether the transport names images from tags (layouts and archives). */
  readonly naming: boolean;
  /** Warnings about the source, one line each. */
  readonly warnings: readonly string[];
}

/**
 * Opens SOURCE: checks the path exists and has the right kind first (a bare directory is an OCI
 * layout, or a containerd root when it holds `io.containerd.metadata.v1.bolt/meta.db`; a bare
 * file is an archive), then opens it with its adapter.
 *
 * @param text The SOURCE argument.
 * @param options Naming options for layouts and archives.
 * @returns The source and the transport used.
 * @throws {UsageError} For a malformed SOURCE or naming flags the transport does not take.
 * @throws {SourceError} When it cannot be opened: missing, wrong kind, or damaged.
 * @example
 * ```ts
 * import { openSource, SourceError } from "./transports.ts";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => openSource("oci:/no/such/layout"), SourceError, "no such directory");
 * ```
 */
export async function openSource(text: string, options: SourceOptions = {}): Promise<OpenedSource> {
  const spec = parseSource(text);
  let transport = TRANSPORTS.get(spec.transport);
  const path = transport?.pathOf?.(spec.location) ?? spec.location;
  const needs = transport?.kindOf?.(spec.location) ?? transport?.path;
  if (!transport || needs !== "none") {
    let kind: "directory" | "file" | "other" | undefined;
    try {
      const info = await stat(path);
      kind = info.isDirectory() ? "directory" : info.isFile() ? "file" : "other";
    } catch (error) {
      const code = (error as { code?: string }).code;
      const what = transport?.path ?? "file or directory";
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new SourceError(`Cannot open source "${text}": no such ${what} "${path}"`, {
          cause: error,
        });
      }
      throw new SourceError(`Cannot open source "${text}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!transport) {
      if (kind === "file") transport = _ANY_ARCHIVE;
      else if (kind === "directory") {
        const bolt = await stat(`${path}/io.containerd.metadata.v1.bolt/meta.db`).catch(() =>
          undefined
        );
        transport = TRANSPORTS.get(bolt ? "containerd" : "oci")!;
      }
    }
    if (!transport || kind !== transport.path) {
      throw new SourceError(
        `Cannot open source "${text}": expected a ${
          transport?.path ?? "file or directory"
        }, found ${kind === "other" ? "neither" : `a ${kind}`} at "${path}"`,
      );
    }
  }
  if (!transport.naming && (options.baseName !== undefined || options.digestRefs)) {
    throw new UsageError(
      `cannot use --base-name or --digest-refs with ${transport.name}: its images are already named`,
    );
  }
  if (options.digestRefs && options.baseName === undefined) {
    throw new UsageError("cannot use --digest-refs without --base-name");
  }
  if (!transport.naming) {
    options = {
      ...(options.registry && { registry: options.registry }),
      ...(options.env && { env: options.env }),
    };
  }
  try {
    const source = await transport.open(spec.location, options);
    const warnings = await transport.warnings?.(spec.location, source, options) ?? [];
    return { source, transport: transport.name, naming: transport.naming, warnings };
  } catch (error) {
    if (error instanceof OciStoreError) throw new SourceError(error.message, { cause: error });
    throw error;
  }
}

function _query(
  location: string,
  keys: readonly string[],
): { root: string; params: URLSearchParams } {
  const mark = location.lastIndexOf("?");
  if (mark < 0) return { root: location, params: new URLSearchParams() };
  const params = new URLSearchParams(location.slice(mark + 1));
  for (const key of params.keys()) {
    if (!keys.includes(key)) {
      throw new UsageError(
        `unknown option "${key}" in SOURCE "${location}": expected ${keys.join(" or ")}`,
      );
    }
  }
  return { root: location.slice(0, mark), params };
}
