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

/** What a {@link tamperingProxy} does to one answer's body: new bytes, or cut it halfway. */
export type Tamper = (method: string, path: string, body: Buffer) => Buffer | "cut" | undefined;

/** A proxy run by a test. */
export interface TestProxy {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** Breaks the connections of the answers held half sent (see {@link tamperingProxy}). */
  cut(): void;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of `upstream` (`127.0.0.1:PORT`) that hands every answer's body to
 * `tamper`: other bytes are sent in its place (headers unchanged); `"cut"` sends the headers and
 * half the body and holds the connection until `cut()` breaks it (a test calls it once the
 * browser has seen the headers, so the break comes mid-body whatever the machine's speed).
 */
export async function tamperingProxy(upstream: string, tamper: Tamper): Promise<TestProxy> {
  const held = new Set<{ destroy(): void }>();
  const server = createServer((incoming, outgoing) => {
    const forward = httpRequest(
      `http://${upstream}${incoming.url}`,
      { method: incoming.method, headers: { ...incoming.headers, host: upstream } },
      (answer) => {
        const chunks: Uint8Array[] = [];
        answer.on("data", (chunk: Uint8Array) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          const done = tamper(incoming.method ?? "GET", incoming.url ?? "", body) ?? body;
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          if (done !== "cut") return void outgoing.end(done);
          outgoing.write(body.subarray(0, body.length >> 1));
          if (outgoing.socket) held.add(outgoing.socket);
        });
      },
    );
    forward.on("error", () => outgoing.writeHead(502).end());
    incoming.pipe(forward);
  });
  const url = await listen(server);
  const cut = () => {
    for (const socket of held) socket.destroy();
    held.clear();
  };
  return {
    host: new URL(url).host,
    cut,
    close: () => {
      cut();
      return closeServer(server);
    },
  };
}

/** A {@link tamperingProxy} that flips one byte of the blob `digest` whenever it passes. */
export function damagingProxy(upstream: string, digest: string): Promise<TestProxy> {
  return tamperingProxy(upstream, (method, path, body) => {
    if (method !== "GET" || !path.endsWith(`/blobs/${digest}`) || body.length === 0) return;
    const damaged = Buffer.from(body);
    damaged[damaged.length - 1] ^= 0x01;
    return damaged;
  });
}
