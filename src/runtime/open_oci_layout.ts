/** The OCI layout source with directory paths: `openOciLayout("dir")` on Deno, Bun and Node. */
import type { ImageSource } from "../core/content.ts";
import type { Files } from "../core/files.ts";
import { type OciLayoutOptions, openOciLayout as openLayoutFiles } from "../adapters/oci_layout.ts";
import { nodeFiles } from "./node_files.ts";

export type { NamingOptions, OciLayoutOptions } from "../adapters/oci_layout.ts";

/**
 * Opens an OCI image layout the way `ctr images import` reads one (see the adapter's
 * documentation for the naming rules): a directory path is read through {@link nodeFiles}, any
 * other {@link Files} (such as `httpFiles(url)`) as it is.
 *
 * @param dirOrFiles The layout directory, or the files of the layout.
 * @param options Naming (`baseName`, `digestRefs`) and the label used in errors.
 * @returns The layout's content and image records.
 * @throws {NotFoundError} When the directory, `oci-layout` or `index.json` is missing.
 * @throws {UnsupportedError} When `imageLayoutVersion` is not `1.0.0`.
 * @throws {InvalidArgumentError} When a file is not JSON or an entry is not a valid descriptor.
 * @example
 * ```ts
 * import { openOciLayout } from "@ocistore/ocistore/runtime";
 * import { assertEquals } from "@std/assert";
 *
 * const source = await openOciLayout("examples/layout");
 * const names = (await source.images.list()).map((record) => record.name);
 * assertEquals(names.includes("example.com/ocistore/hello:1.0"), true);
 * ```
 */
export async function openOciLayout(
  dirOrFiles: string | Files,
  options: OciLayoutOptions = {},
): Promise<ImageSource> {
  if (typeof dirOrFiles !== "string") return await openLayoutFiles(dirOrFiles, options);
  const label = options.label ?? `OCI layout "${dirOrFiles}"`;
  return await openLayoutFiles(nodeFiles(dirOrFiles), { ...options, label });
}
