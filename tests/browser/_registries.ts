/**
 * Registries for the browser tests: Debian's docker-registry over the registry tests' shared
 * storage (filled by skopeo from the example layout), with or without CORS headers, and a loopback
 * proxy that damages one blob on its way.
 */
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { join } from "node:path";
import { closeServer, freePort, listen, sharedRegistry, tempDir } from "../adapters/_registry.ts";

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
export async function startRegistryWithHeaders(headers: readonly string[]): Promise<OwnRegistry> {
  const { storage } = await sharedRegistry();
  const dir = tempDir("ocistore-browser-registry-");
  const host = `127.0.0.1:${await freePort()}`;
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${storage}`,
      "http:",
      `  addr: ${host}`,
      ...(headers.length > 0 ? ["  headers:", ...headers.map((line) => `    ${line}`)] : []),
      "",
    ].join("\n"),
  );
  const child = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let i = 0; i < 200; i++) {
    try {
      const response = await fetch(`http://${host}/v2/`);
      await response.body?.cancel();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    host,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The CORS headers of the registry tests' anonymous registry. */
export const CORS_HEADERS: readonly string[] = [
  'Access-Control-Allow-Origin: ["*"]',
  'Access-Control-Allow-Methods: ["HEAD, GET, OPTIONS"]',
  'Access-Control-Allow-Headers: ["Authorization, Accept, Range"]',
  'Access-Control-Expose-Headers: ["Docker-Content-Digest, Link, WWW-Authenticate, Warning"]',
];

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
