/** The OCI image layout source: a directory (or any `Files`) with `oci-layout`, `index.json` and `blobs/`. */
import type { ImageSource } from "../core/content.ts";
import { describeValue } from "../core/errors.ts";
import type { Files } from "../core/files.ts";
import { type NamingOptions, openLayoutFiles } from "./_layout_open.ts";

export type { EntrySelector } from "./_layout_naming.ts";
export type { NamingOptions };
export { httpFiles, type HttpFilesOptions } from "./_http_files.ts";

/** Options of {@link openOciLayout}. */
export interface OciLayoutOptions extends NamingOptions {
  /** How errors name the layout; the directory, or `OCI layout` for a `Files`. */
  readonly label?: string;
}

/**
 * Opens an OCI image layout the way `ctr images import` reads one: `oci-layout` must say version
 * `1.0.0`; `index.json` is read once (reopen to see later changes) and each entry becomes an image
 * record named by its `io.containerd.image.name` annotation, else by a full-reference
 * `org.opencontainers.image.ref.name`, else `<baseName>:<ref.name>` (entries without a usable name
 * are skipped); `digestRefs` adds `<baseName>@<digest>`. Records list in `index.json` order, with no
 * labels; targets carry media type, digest and size (what containerd stores). Blobs are read from
 * `blobs/<algorithm>/<encoded>`, the path only ever built from a validated digest.
 *
 * The layout comes as a {@link Files} ({@link httpFiles} over HTTP, in a browser or anywhere); on
 * Deno, Bun and Node, `openOciLayout` of `@ocistore/ocistore/runtime` takes a directory path.
 *
 * @param files The files of the layout.
 * @param options Naming (`baseName`, `digestRefs`) and the label used in errors.
 * @returns The layout's content and image records.
 * @throws {NotFoundError} When `oci-layout` or `index.json` is missing.
 * @throws {UnsupportedError} When `imageLayoutVersion` is not `1.0.0`.
 * @throws {InvalidArgumentError} When a file is not JSON, an entry is not a valid descriptor, or
 *   `digestRefs` is set without `baseName`.
 *
 * @example A layout held in memory
 * ```ts
 * import { openOciLayout } from "@ocistore/ocistore/oci-layout";
 * import { digestOf, NotFoundError } from "@ocistore/ocistore";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const manifest = new TextEncoder().encode('{"schemaVersion":2}');
 * const digest = await digestOf(manifest);
 * const tree = new Map<string, Uint8Array>([
 *   ["oci-layout", new TextEncoder().encode('{"imageLayoutVersion":"1.0.0"}')],
 *   ["index.json", new TextEncoder().encode(JSON.stringify({
 *     schemaVersion: 2,
 *     manifests: [{
 *       mediaType: "application/vnd.oci.image.manifest.v1+json",
 *       digest,
 *       size: manifest.length,
 *       annotations: { "org.opencontainers.image.ref.name": "1.0" },
 *     }],
 *   }))],
 *   [`blobs/sha256/${digest.slice(7)}`, manifest],
 * ]);
 * const file = (path: string) =>
 *   tree.get(path) ?? Promise.reject(new NotFoundError(`no ${path}`));
 * const files = {
 *   read: async (path: string) => await file(path),
 *   readRange: async (path: string, offset: number, length: number) =>
 *     (await file(path)).slice(offset, offset + length),
 *   stat: async (path: string) => ({ isFile: true, isDirectory: false, size: (await file(path)).length }),
 *   list: () => Promise.resolve([...tree.keys()]),
 * };
 *
 * const source = await openOciLayout(files, { baseName: "example.com/app" });
 * const [image] = await source.images.list();
 * assertEquals(image.name, "example.com/app:1.0");
 * assertEquals(await source.content.read(image.target), manifest);
 * await assertRejects(() => source.images.get("example.com/app:2.0"), NotFoundError);
 * ```
 */
export async function openOciLayout(
  files: Files,
  options: OciLayoutOptions = {},
): Promise<ImageSource> {
  if (typeof files !== "object" || files === null || typeof files.read !== "function") {
    throw new TypeError(
      `Cannot open OCI layout: expected a Files object (openOciLayout of ./runtime takes a directory path), found ${
        describeValue(files)
      }`,
    );
  }
  return await openLayoutFiles(files, options.label ?? "OCI layout", options);
}
