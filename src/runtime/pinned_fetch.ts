/**
 * A `fetch` that connects to an address given beforehand instead of resolving the URL's name again,
 * so what a caller checked (the registry proxy: "not a private address") is what it reaches; a
 * name that resolves elsewhere a moment later (DNS rebinding) changes nothing. TLS still names the
 * host (SNI, and the certificate is checked against it) and so does the Host header.
 * @module
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";

/**
 * Sends `init` to `url` over a connection to `address` (an IP address), not to where `url`'s name
 * resolves. Redirects are not followed (the caller checks each hop); the body is streamed.
 *
 * @param url The URL named in the request (its host goes into SNI and the Host header).
 * @param init Method, headers and signal (a request body is not supported: GET and HEAD only).
 * @param address The IP address to connect to.
 * @returns The response.
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { pinnedFetch } from "./pinned_fetch.ts";
 * const server = createServer((req, res) => res.end(req.headers.host));
 * await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
 * const { port } = server.address() as { port: number };
 * // "rebind.invalid" resolves nowhere: the connection goes to the address given.
 * const response = await pinnedFetch(new URL(`http://rebind.invalid:${port}/`), {}, "127.0.0.1");
 * console.assert((await response.text()) === `rebind.invalid:${port}`);
 * server.close();
 * ```
 */
export function pinnedFetch(url: URL, init: RequestInit, address: string): Promise<Response> {
  const method = init.method ?? "GET";
  if (init.body != null || (method !== "GET" && method !== "HEAD")) {
    return Promise.reject(new TypeError(`pinnedFetch sends GET and HEAD only, not ${method}`));
  }
  const headers: Record<string, string> = { host: url.host };
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve, reject) => {
    const outgoing = send({
      host: address.replace(/^\[|\]$/g, ""),
      port: url.port || (url.protocol === "https:" ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      // The certificate is checked against the name, not the address connected to.
      servername: hostname,
      signal: init.signal ?? undefined,
    }, (incoming) => {
      const answer = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) answer.append(name, one);
      }
      const status = incoming.statusCode ?? 502;
      const empty = method === "HEAD" || status === 204 || status === 304;
      if (empty) incoming.resume();
      resolve(
        new Response(empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), {
          status,
          statusText: incoming.statusMessage,
          headers: answer,
        }),
      );
    });
    outgoing.once("error", reject);
    outgoing.end();
  });
}
