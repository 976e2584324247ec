/** Answers `GET`/`HEAD` for the files of one directory, with byte ranges (the explorer reads layouts by range). */
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const _TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".png": "image/png",
};

/**
 * A handler for the files under `dir`: `path` (`/a/b`, `/` meaning `/index.html`) is looked up
 * there; `..` is refused, a missing file is 404, and `Range: bytes=A-B` gets 206 or 416.
 *
 * @param dir The directory served.
 * @returns Answers a request for `path` inside `dir`.
 * @example
 * ```ts
 * import { serveFiles } from "./serve_files.ts";
 * const files = serveFiles(Deno.cwd());
 * const part = await files(new Request("http://x/", { headers: { range: "bytes=0-1" } }), "/deno.json");
 * console.assert(part.status === 206 && (await part.text()).length === 2);
 * console.assert((await files(new Request("http://x/"), "/../etc/passwd")).status === 400);
 * ```
 */
export function serveFiles(dir: string): (request: Request, path: string) => Promise<Response> {
  return async (request, path) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("only GET and HEAD\n", { status: 405 });
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(path.endsWith("/") ? `${path}index.html` : path);
    } catch {
      return new Response("bad path\n", { status: 400 });
    }
    if (decoded.split("/").includes("..")) return new Response("bad path\n", { status: 400 });
    const file = normalize(decoded);
    let body: Uint8Array<ArrayBuffer>;
    try {
      // A fresh read owns a plain ArrayBuffer.
      body = (await readFile(join(dir, file))) as Uint8Array<ArrayBuffer>;
    } catch {
      return new Response("not found\n", {
        status: 404,
        headers: { "content-type": "text/plain" },
      });
    }
    const headers: Record<string, string> = {
      "content-type": _TYPES[extname(file)] ?? "application/octet-stream",
      "accept-ranges": "bytes",
      "cache-control": "no-cache",
    };
    const head = request.method === "HEAD";
    const range = /^bytes=(\d+)-(\d+)?$/.exec(request.headers.get("range") ?? "");
    if (!range) {
      headers["content-length"] = String(body.length);
      return new Response(head ? null : body, { headers });
    }
    const start = Number(range[1]);
    const end = Math.min(body.length - 1, range[2] === undefined ? Infinity : Number(range[2]));
    if (start >= body.length) {
      return new Response(null, {
        status: 416,
        headers: { "content-range": `bytes */${body.length}` },
      });
    }
    const part = body.subarray(start, end + 1);
    headers["content-length"] = String(part.length);
    headers["content-range"] = `bytes ${start}-${end}/${body.length}`;
    return new Response(head ? null : part, { status: 206, headers });
  };
}
