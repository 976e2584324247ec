/** Serves a Web-standard `(Request) => Promise<Response>` handler over `node:http` (Node, Deno, Bun). */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** A handler serving on a socket. */
export interface ServedHandler {
  /** `http://HOST:PORT/`, the port the system chose when asked for 0. */
  readonly url: string;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

function _request(incoming: IncomingMessage, base: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const method = incoming.method ?? "GET";
  const body = method === "GET" || method === "HEAD"
    ? undefined
    : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
  return new Request(new URL(incoming.url ?? "/", base), {
    method,
    headers,
    body,
    signal,
    ...(body ? { duplex: "half" } : {}),
  } as RequestInit);
}

async function _answer(response: Response, out: ServerResponse): Promise<void> {
  out.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void out.end();
  const reader = response.body.getReader();
  out.on("close", () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // Streamed with backpressure: wait for the socket to drain before reading on.
    if (!out.write(value)) await new Promise((resolve) => out.once("drain", resolve));
  }
  out.end();
}

/**
 * Serves `handler` on `hostname:port` (port 0: a free one) until closed. Each request's signal
 * aborts when its client goes away, so an upstream fetch the handler started stops with it.
 *
 * @param handler Answers each request.
 * @param options Where to listen.
 * @returns The server's URL and a way to close it.
 * @example
 * ```ts
 * import { serveHandler } from "./serve_handler.ts";
 * const served = await serveHandler(() => Promise.resolve(new Response("hi")), {
 *   hostname: "127.0.0.1",
 *   port: 0,
 * });
 * console.assert((await (await fetch(served.url)).text()) === "hi");
 * await served.close();
 * ```
 */
export async function serveHandler(
  handler: (request: Request) => Promise<Response>,
  options: { readonly hostname: string; readonly port: number },
): Promise<ServedHandler> {
  const server = createServer((incoming, out) => {
    const abort = new AbortController();
    out.on("close", () => abort.abort());
    const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
    const base = `http://${host}:${(server.address() as AddressInfo).port}`;
    handler(_request(incoming, base, abort.signal))
      .then((response) => _answer(response, out))
      .catch((error) => {
        if (!out.headersSent) out.writeHead(500, { "content-type": "text/plain" });
        out.end(`${error instanceof Error ? error.message : error}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
