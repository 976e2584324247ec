/** A tiny static file server on 127.0.0.1 for tests (node:http, so it runs on Deno, Bun and Node). */
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import type { AddressInfo } from "node:net";

/** A running server. */
export interface StaticServer {
  /** Base URL, ending with `/`. */
  readonly url: string;
  /** How many requests carried a Range header. */
  readonly rangeRequests: () => number;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves `dir` read-only; `ranges: false` ignores Range headers (answers 200 with the whole file),
 * as some static servers do.
 */
export async function serveDir(
  dir: string,
  options: { ranges?: boolean } = {},
): Promise<StaticServer> {
  let ranged = 0;
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    if (path.includes("..")) {
      response.writeHead(400).end();
      return;
    }
    let body: Uint8Array;
    try {
      body = await readFile(join(dir, path));
    } catch {
      response.writeHead(404).end("not found");
      return;
    }
    const range = /^bytes=(\d+)-(\d+)?$/.exec(request.headers.range ?? "");
    if (request.headers.range) ranged++;
    if (range && options.ranges !== false) {
      const start = Number(range[1]);
      const end = Math.min(
        body.length - 1,
        range[2] === undefined ? body.length - 1 : Number(range[2]),
      );
      if (start >= body.length) {
        response.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      const part = body.subarray(start, end + 1);
      response.writeHead(206, {
        "content-length": String(part.length),
        "content-range": `bytes ${start}-${end}/${body.length}`,
      });
      response.end(request.method === "HEAD" ? undefined : part);
      return;
    }
    response.writeHead(200, { "content-length": String(body.length) });
    response.end(request.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    rangeRequests: () => ranged,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
