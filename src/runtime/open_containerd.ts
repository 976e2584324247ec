/** containerd's root as a source with directory paths: `openContainerd("/var/lib/containerd")` on Deno, Bun and Node. */
import type { ImageSource } from "../core/content.ts";
import type { Files } from "../core/files.ts";
import {
  namespacesWithImages as namespacesInFiles,
  openContainerd as openContainerdFiles,
  type OpenContainerdOptions,
} from "../adapters/containerd.ts";
import { nodeFiles } from "./node_files.ts";

export type { OpenContainerdOptions } from "../adapters/containerd.ts";

/**
 * Opens a containerd root read-only (see the adapter's documentation): a directory path is read
 * through {@link nodeFiles}, any other {@link Files} as it is.
 *
 * @param rootOrFiles The root directory (`/var/lib/containerd`), or a `Files` over it.
 * @param options The namespace (`default` unless given; the CRI uses `k8s.io`).
 * @returns The source: `images.list()` in containerd's order (bytewise by name).
 * @throws {NotFoundError} When the root has no metadata database.
 * @throws {InvalidArgumentError} When the database is damaged or the namespace is not a valid name.
 * @example
 * ```ts
 * import { openContainerd } from "@ocistore/ocistore/runtime";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => openContainerd("examples/layout"), NotFoundError, "meta.db");
 * ```
 */
export async function openContainerd(
  rootOrFiles: string | Files,
  options: OpenContainerdOptions = {},
): Promise<ImageSource> {
  if (typeof rootOrFiles !== "string") return await openContainerdFiles(rootOrFiles, options);
  const label = options.label ?? `"${rootOrFiles}"`;
  return await openContainerdFiles(nodeFiles(rootOrFiles), { ...options, label });
}

/**
 * The namespaces of a containerd root that hold at least one image, in bbolt's order: the hint
 * for a namespace that holds none (`default` versus `k8s.io`).
 *
 * @param rootOrFiles The root directory, or a `Files` over it.
 * @returns The namespace names.
 * @throws {NotFoundError} When the root has no metadata database.
 * @example
 * ```ts
 * import { namespacesWithImages } from "@ocistore/ocistore/runtime";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => namespacesWithImages("examples/layout"), NotFoundError, "meta.db");
 * ```
 */
export async function namespacesWithImages(rootOrFiles: string | Files): Promise<string[]> {
  if (typeof rootOrFiles !== "string") return await namespacesInFiles(rootOrFiles);
  return await namespacesInFiles(nodeFiles(rootOrFiles), { label: `"${rootOrFiles}"` });
}
