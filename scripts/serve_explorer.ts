/**
 * `deno task explorer`: builds the explorer and serves it on 127.0.0.1 with the example images as
 * an OCI layout at `/layout/`, so it opens something with no registry at all. Usage:
 * `deno run -A scripts/serve_explorer.ts [--port N]`.
 */
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildExplorer, DEFAULT_EXPLORER_DIR } from "./build_explorer.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The example layout the explorer opens by default. */
export const EXAMPLE_LAYOUT_DIR: string = join(root, "examples/layout");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".png": "image/png",
};

/** A running explorer server. */
export interface ExplorerServer {
  /** The page's URL, ending with `/`. */
  readonly url: string;
  /** Stops serving. */
  close(): Promise<void>;
}

/**
 * Serves the built explorer at `/` and `layoutDir` at `/layout/` (with ranges), on 127.0.0.1.
 *
 * @param options The built explorer, the layout to serve, and the port (0 for a free one).
 * @returns The server.
 */
export async function serveExplorer(
  options: { dir?: string; layoutDir?: string; port?: number } = {},
): Promise<ExplorerServer> {
  const dir = options.dir ?? DEFAULT_EXPLORER_DIR;
  const layoutDir = options.layoutDir ?? EXAMPLE_LAYOUT_DIR;
  const server: Server = createServer(async (request, response) => {
    let path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    if (path.includes("..")) return void response.writeHead(400).end();
    let base = dir;
    if (path.startsWith("/layout/")) {
      base = layoutDir;
      path = path.slice("/layout".length);
    } else if (path.endsWith("/")) path += "index.html";
    let body: Uint8Array;
    try {
      body = await readFile(join(base, path));
    } catch {
      return void response.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
    const headers = {
      "content-type": TYPES[extname(path)] ?? "application/octet-stream",
      "accept-ranges": "bytes",
      "cache-control": "no-cache",
    };
    const range = /^bytes=(\d+)-(\d+)?$/.exec(request.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(body.length - 1, range[2] === undefined ? Infinity : Number(range[2]));
      if (start >= body.length) {
        return void response.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
      }
      const part = body.subarray(start, end + 1);
      response.writeHead(206, {
        ...headers,
        "content-length": String(part.length),
        "content-range": `bytes ${start}-${end}/${body.length}`,
      });
      return void response.end(request.method === "HEAD" ? undefined : part);
    }
    response.writeHead(200, { ...headers, "content-length": String(body.length) });
    response.end(request.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((ready) => server.listen(options.port ?? 0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

if (import.meta.main) {
  const portFlag = process.argv.indexOf("--port");
  const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 8080;
  const bytes = await buildExplorer();
  await esbuild.stop();
  const server = await serveExplorer({ port });
  console.log(`explorer: explorer.js ${bytes} bytes`);
  console.log(`explorer: open ${server.url}?layout=layout/  (the example images)`);
}
