/**
 * Test support: a fault-injecting HTTP proxy on loopback between the registry source and a real
 * registry (node:http, so it runs on Deno, Bun and Node), plus a second origin that serves
 * redirected blobs and records what it was sent.
 */
import {
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from "node:http";
import { closeServer, listen } from "./_registry.ts";

/** What the proxy does to one request. */
export type Fault =
  /** Forward, cutting the body to half while declaring the short length (a short read). */
  | { readonly kind: "short" }
  /** Forward, declaring the full length but closing the connection halfway. */
  | { readonly kind: "cut" }
  /** Forward with one byte of the body changed. */
  | { readonly kind: "flip" }
  /** Answer with this status, headers and body instead of forwarding. */
  | {
    readonly kind: "status";
    readonly status: number;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
  }
  /** Answer 307 to the second origin, same path. */
  | { readonly kind: "redirect" }
  /** Answer 307 to this location. */
  | { readonly kind: "location"; readonly location: string }
  /** Send the upstream headers, then never the body. */
  | { readonly kind: "stall" }
  /** Send nothing at all. */
  | { readonly kind: "hang" }
  /** Forward with response headers replaced (`null` removes one). */
  | { readonly kind: "headers"; readonly headers: Readonly<Record<string, string | null>> }
  /** Answer `tags/list` in pages of `size`, sorted, with `Link` to the next page. */
  | { readonly kind: "page"; readonly size: number; readonly loop?: boolean };

/** One request the proxy or the second origin saw. */
export interface Seen {
  /** The method. */
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** The Authorization header, when sent. */
  readonly authorization?: string;
}

/** A running proxy. */
export interface FaultProxy {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** Requests the proxy saw, in order. */
  readonly seen: Seen[];
  /** Requests the second origin saw. */
  readonly elsewhere: Seen[];
  /** The second origin, `http://127.0.0.1:PORT`. */
  readonly otherOrigin: string;
  /** Sets the rule deciding each request's fault (`undefined`: forward untouched). */
  rule(fn: (request: Seen, index: number) => Fault | undefined): void;
  /** Stops both servers. */
  close(): Promise<void>;
}

interface Upstream {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function _forward(
  upstream: string,
  method: string,
  path: string,
  headers: IncomingMessage["headers"],
): Promise<Upstream> {
  const target = new URL(path, upstream);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      target,
      { method, headers: { ...headers, host: target.host } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 502,
            headers: response.headers as Record<string, string | string[]>,
            body: Buffer.concat(chunks),
          }));
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end();
  });
}

function _send(response: ServerResponse, answer: Upstream, method: string): void {
  const headers = { ...answer.headers };
  delete headers["transfer-encoding"];
  if (method !== "HEAD") headers["content-length"] = String(answer.body.length);
  response.writeHead(answer.status, headers);
  response.end(method === "HEAD" ? undefined : answer.body);
}

/**
 * Starts the proxy in front of `upstream` (`http://127.0.0.1:PORT`); the second origin serves
 * from `blobsFrom` (default `upstream`) without forwarding any Authorization.
 */
export async function startFaultProxy(
  upstream: string,
  blobsFrom: string = upstream,
): Promise<FaultProxy> {
  const seen: Seen[] = [];
  const elsewhere: Seen[] = [];
  let decide: (request: Seen, index: number) => Fault | undefined = () => undefined;
  const hanging = new Set<ServerResponse>();

  const other = createServer(async (request, response) => {
    elsewhere.push({
      method: request.method ?? "GET",
      path: request.url ?? "/",
      authorization: request.headers.authorization,
    });
    const headers = { ...request.headers };
    delete headers.authorization;
    try {
      _send(
        response,
        await _forward(blobsFrom, request.method ?? "GET", request.url ?? "/", headers),
        request.method ?? "GET",
      );
    } catch {
      response.writeHead(502).end();
    }
  });
  const otherOrigin = await listen(other);

  const proxy = createServer(async (request, response) => {
    const method = request.method ?? "GET";
    const path = request.url ?? "/";
    const entry: Seen = { method, path, authorization: request.headers.authorization };
    seen.push(entry);
    const fault = decide(entry, seen.length - 1);
    try {
      if (fault?.kind === "status") {
        response.writeHead(fault.status, { ...fault.headers });
        response.end(method === "HEAD" ? undefined : fault.body ?? "");
        return;
      }
      if (fault?.kind === "redirect" || fault?.kind === "location") {
        const location = fault.kind === "redirect" ? `${otherOrigin}${path}` : fault.location;
        response.writeHead(307, { location, "content-length": "0" }).end();
        return;
      }
      if (fault?.kind === "hang") {
        hanging.add(response);
        return;
      }
      if (fault?.kind === "page") {
        const url = new URL(path, "http://x");
        const whole = await _forward(upstream, "GET", url.pathname, request.headers);
        if (whole.status !== 200) return _send(response, whole, method);
        const tags: string[] = [...JSON.parse(whole.body.toString()).tags].sort();
        const last = url.searchParams.get("last");
        const from = last === null ? 0 : tags.findIndex((t) => t > last);
        const page = from === -1 ? [] : tags.slice(from, from + fault.size);
        const headers: Record<string, string> = { "content-type": "application/json" };
        const more = from !== -1 && from + fault.size < tags.length;
        if (more || fault.loop) {
          const next = fault.loop
            ? `${url.pathname}?n=${fault.size}`
            : `${url.pathname}?n=${fault.size}&last=${encodeURIComponent(page[page.length - 1])}`;
          headers.link = `<${next}>; rel="next"`;
        }
        _send(response, {
          status: 200,
          headers,
          body: Buffer.from(JSON.stringify({ name: "x", tags: page })),
        }, method);
        return;
      }
      const answer = await _forward(upstream, method, path, request.headers);
      if (fault?.kind === "headers") {
        for (const [name, value] of Object.entries(fault.headers)) {
          if (value === null) delete answer.headers[name];
          else answer.headers[name] = value;
        }
        return _send(response, answer, method);
      }
      if (fault?.kind === "short") {
        return _send(response, {
          ...answer,
          body: answer.body.subarray(0, answer.body.length >> 1),
        }, method);
      }
      if (fault?.kind === "flip") {
        const body = Buffer.from(answer.body);
        if (body.length > 0) body[body.length >> 1] ^= 0xff;
        return _send(response, { ...answer, body }, method);
      }
      if (fault?.kind === "cut" || fault?.kind === "stall") {
        const headers: Record<string, string | string[]> = {
          ...answer.headers,
          "content-length": String(answer.body.length),
        };
        delete headers["transfer-encoding"];
        response.writeHead(answer.status, headers);
        if (fault.kind === "cut") {
          response.write(answer.body.subarray(0, answer.body.length >> 1), () => {
            response.socket?.destroy();
          });
        } else {
          response.flushHeaders();
          hanging.add(response);
        }
        return;
      }
      _send(response, answer, method);
    } catch {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    }
  });
  const url = await listen(proxy);
  return {
    host: new URL(url).host,
    seen,
    elsewhere,
    otherOrigin,
    rule(fn) {
      decide = fn;
    },
    async close() {
      for (const response of hanging) response.socket?.destroy();
      await closeServer(proxy);
      await closeServer(other);
    },
  };
}
