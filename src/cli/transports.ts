/** SOURCE in skopeo's transport syntax (`oci:DIR`, `oci-archive:FILE`, …) opened as an image source. */
import { stat } from "node:fs/promises";
import type { ImageSource } from "../core/content.ts";
import { OciStoreError, UnsupportedError } from "../core/errors.ts";
import { UsageError } from "./args.ts";

/** How layout and archive entries are named (containerd's `ctr images import` options). */
export interface SourceOptions {
  /** `--base-name`: the repository for tag-only names. */
  readonly baseName?: string;
  /** `--digest-refs`: also name each entry `baseName@digest`. */
  readonly digestRefs?: boolean;
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
  /** Opens the location (the text after `name:`, query included). */
  open(location: string, options: SourceOptions): Promise<ImageSource>;
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
  ...(options.digestRefs ? { digestRefs: true } : {}),
});

/**
 * The transports by name. A registry transport (`docker://HOST/NAME[:TAG|@DIGEST]`) slots in as
 * one more entry whose `path` is `none`; until the registry source exists it reports so.
 */
export const TRANSPORTS: ReadonlyMap<string, Transport> = new Map<string, Transport>([
  ["oci", {
    name: "oci",
    usage: "oci:DIR                  an OCI image layout directory",
    naming: true,
    path: "directory",
    async open(location, options) {
      const { openOciLayout } = await import("../runtime/open_oci_layout.ts");
      return await openOciLayout(location, _naming(options));
    },
  }],
  ["oci-archive", {
    name: "oci-archive",
    usage: "oci-archive:FILE         a tar (or tar.gz) of an OCI image layout",
    naming: true,
    path: "file",
    async open(location, options) {
      const { openArchive } = await import("../runtime/open_archive.ts");
      return await openArchive(location, _naming(options));
    },
  }],
  ["docker-archive", {
    name: "docker-archive",
    usage: "docker-archive:FILE      a `docker save` tar",
    naming: true,
    path: "file",
    async open(location, options) {
      const { openArchive } = await import("../runtime/open_archive.ts");
      return await openArchive(location, _naming(options));
    },
  }],
  ["containerd", {
    name: "containerd",
    usage: "containerd:ROOT[?namespace=NS]  a containerd root (default namespace k8s.io)",
    naming: false,
    path: "directory",
    async open(location) {
      const { root, params } = _query(location, ["namespace"]);
      const { openContainerd } = await import("../runtime/open_containerd.ts");
      return await openContainerd(root, { namespace: params.get("namespace") ?? "k8s.io" });
    },
  }],
  ["docker", {
    name: "docker",
    usage: "docker://HOST/NAME[:TAG]  a registry (not available yet)",
    naming: false,
    path: "none",
    open(location) {
      return Promise.reject(
        new UnsupportedError(
          `Cannot open registry "docker:${location}": registry sources are not available yet`,
        ),
      );
    },
  }],
]);

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
 * import { parseSource } from "@ocistore/ocistore/cli";
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
 * import { openSource, SourceError } from "@ocistore/ocistore/cli";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => openSource("oci:/no/such/layout"), SourceError, "no such directory");
 * ```
 */
export async function openSource(text: string, options: SourceOptions = {}): Promise<OpenedSource> {
  const spec = parseSource(text);
  let transport = TRANSPORTS.get(spec.transport);
  const path = spec.transport === "containerd"
    ? _query(spec.location, ["namespace"]).root
    : spec.location;
  if (!transport || transport.path !== "none") {
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
      if (kind === "file") transport = TRANSPORTS.get("oci-archive")!;
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
  try {
    return { source: await transport.open(spec.location, options), transport: transport.name };
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
