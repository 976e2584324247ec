/**
 * Runtime capabilities for Deno, Bun and Node: files over `node:fs/promises` or HTTP, and the host
 * platform. Composition roots (the CLI, scripts) hand these to the adapters.
 *
 * @module
 */
export * from "./node_files.ts";
export * from "../adapters/http_files.ts";
export * from "./node_file_reader.ts";
export * from "./host_platform.ts";
export * from "./disk_blob_store.ts";
export * from "./node_digester.ts";
export * from "./node_gunzip.ts";
export * from "./fetch_failure.ts";
