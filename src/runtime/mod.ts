/**
 * The host subpath, for Deno, Bun and Node (never a browser): the capabilities the adapters take,
 * built from the host — files over `node:fs/promises` (`nodeFiles`), a file read by range
 * (`openFileReader`), a disk blob cache, the native SHA-256 and gzip, the host platform — and the
 * path conveniences that open a source from a directory path, a file path or a socket
 * (`openOciLayout("dir")`, `openArchive("image.tar")`, `openContainerd("/var/lib/containerd")`,
 * `connectContainerd(socket)`), and what runs the registry proxy on a socket (`serveHandler`, a
 * `node:http` bridge for a Web handler; `pinnedFetch`, which connects to the address checked).
 * The adapter subpaths themselves (`./oci-layout`, `./archive`, `./containerd`,
 * `./containerd-api`, …) take those capabilities and run in a browser too.
 *
 * @module
 */
export * from "./node_files.ts";
export * from "./node_file_reader.ts";
export * from "./host_platform.ts";
export * from "./disk_blob_store.ts";
export * from "./node_digester.ts";
export * from "./node_gunzip.ts";
export * from "./fetch_failure.ts";
export * from "./open_oci_layout.ts";
export * from "./open_archive.ts";
export * from "./open_containerd.ts";
export * from "./containerd_grpc.ts";
export * from "./serve_handler.ts";
export * from "./pinned_fetch.ts";
