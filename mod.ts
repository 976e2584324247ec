/**
 * ocistore: containerd's CRI image store and the libraries beneath it, in TypeScript, over an
 * abstract content provider. This module is the runtime-agnostic core; adapters are subpath exports.
 *
 * @module
 */
export * from "./src/core/errors.ts";
export type * from "./src/core/types.ts";
export * from "./src/core/media_types.ts";
export * from "./src/core/digest.ts";
export * from "./src/core/digester.ts";
export * from "./src/core/digest_set.ts";
export * from "./src/core/chain_id.ts";
export * from "./src/core/reference.ts";
export * from "./src/core/normalize.ts";
export * from "./src/core/sort_references.ts";
export * from "./src/core/platform.ts";
export * from "./src/core/platform_matcher.ts";
export * from "./src/core/documents.ts";
export * from "./src/core/descriptor.ts";
export * from "./src/core/manifest.ts";
export * from "./src/core/image_config.ts";
export * from "./src/core/content.ts";
export * from "./src/core/cached_content.ts";
export * from "./src/core/walk.ts";
export * from "./src/core/image.ts";
export * from "./src/core/usage.ts";
export * from "./src/core/image_store.ts";
export * from "./src/core/files.ts";
export * from "./src/core/document_cache.ts";
export * from "./src/core/compression.ts";
export * from "./src/core/tar_entries.ts";
export * from "./src/core/image_filesystem.ts";
export * from "./src/core/filesystem_diff.ts";
export * from "./src/core/image_layers.ts";
export * from "./src/core/image_efficiency.ts";
export * from "./src/core/image_file.ts";
export * from "./src/core/inflate.ts";
export * from "./src/core/seek_index.ts";
