/**
 * Test support: a loopback proxy in front of a registry that passes every request and answer
 * through untouched (headers, `Range`, CORS, bodies streamed, never held) and counts them: each
 * answer with its status, the `Range` asked for, and the body bytes it carried.
 */
import { createServer, request as httpRequest } from "node:http";
import { closeServer, listen } from "./_registry.ts";

/** One request the proxy passed, with what its answer carried. */
export interface Counted {
  /** The method. */
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** The `Range` header asked, when one was. */
  readonly range?: string;
  /** The answer's status. */
  readonly status: number;
  /** Body bytes passed so far (all of them once the answer ended). */
  bytes: number;
}

/** A running counting proxy. */
export interface CountingProxy {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** What it passed, in the order the answers started. */
  readonly seen: Counted[];
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Starts a counting proxy in front of `upstream` (`127.0.0.1:PORT`).
 *
 * @param upstream The registry's host.
 * @returns The proxy.
 */
export async function countingProxy(upstream: string): Promise<CountingProxy> {
  const seen: Counted[] = [];
  const server = createServer((incoming, outgoing) => {
    const forward = httpRequest(
      `http://${upstream}${incoming.url}`,
      { method: incoming.method, headers: { ...incoming.headers, host: upstream } },
      (answer) => {
        const range = incoming.headers.range;
        const counted: Counted = {
          method: incoming.method ?? "GET",
          path: incoming.url ?? "",
          ...(range ? { range } : {}),
          status: answer.statusCode ?? 502,
          bytes: 0,
        };
        seen.push(counted);
        answer.on("data", (chunk: Uint8Array) => void (counted.bytes += chunk.length));
        outgoing.writeHead(counted.status, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on("error", () => outgoing.writeHead(502).end());
    incoming.pipe(forward);
  });
  const url = await listen(server);
  return { host: new URL(url).host, seen, close: () => closeServer(server) };
}
