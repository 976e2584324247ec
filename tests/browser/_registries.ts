/**
 * Registries for the browser tests: Debian's docker-registry over the registry tests' shared
 * storage (filled by skopeo from the example layout), with or without CORS headers, and a loopback
 * proxy that damages one blob on its way.
 */
import { Buffer } from "node:buffer";
import { createServer, request as httpRequest } from "node:http";
import {
  closeServer,
  CORS_HEADERS,
  listen,
  sharedRegistry,
  startRegistry,
  type TestRegistry,
} from "../adapters/_registry.ts";

/** A registry run by a test. */
export interface OwnRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** Stops it. */
  stop(): Promise<void>;
}

/**
 * Starts docker-registry over the shared storage with only the given `http.headers` lines (none:
 * no CORS at all).
 */
export async function startRegistryWithHeaders(headers: readonly string[]): Promise<TestRegistry> {
  const { storage } = await sharedRegistry();
  return await startRegistry("anonymous", storage, { headers });
}

export { CORS_HEADERS };

/**
 * A loopback proxy in front of `upstream` (`127.0.0.1:PORT`) that flips one byte of the blob
 * `digest` whenever it passes (same length, other content).
 */
export async function damagingProxy(
  upstream: string,
  digest: string,
): Promise<{ host: string; close(): Promise<void> }> {
  const server = createServer((incoming, outgoing) => {
    const forward = httpRequest(
      `http://${upstream}${incoming.url}`,
      { method: incoming.method, headers: { ...incoming.headers, host: upstream } },
      (answer) => {
        const damage = incoming.method === "GET" && incoming.url?.endsWith(`/blobs/${digest}`);
        if (!damage) {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
          return;
        }
        const chunks: Uint8Array[] = [];
        answer.on("data", (chunk: Uint8Array) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          if (body.length > 0) body[body.length - 1] ^= 0x01;
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.end(body);
        });
      },
    );
    forward.on("error", () => outgoing.writeHead(502).end());
    incoming.pipe(forward);
  });
  const url = await listen(server);
  return { host: new URL(url).host, close: () => closeServer(server) };
}
