/**
 * Test support: Debian's docker-registry 2.8 on free loopback ports, with filesystem storage in a
 * temp directory, in three configurations (anonymous with CORS headers, htpasswd, token auth with
 * a token issuer run here and a key and certificate made for the run), filled with `skopeo copy`
 * from the example OCI layout.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { repoRoot } from "../fixtures.ts";

/** The example layout the registry is filled from. */
export const EXAMPLE_LAYOUT: string = join(repoRoot(), "examples", "layout");

/** What the shared storage holds: repository → tag → the layout reference it was copied from. */
export const PUSHED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "ocistore/hello": { "1.0": "example.com/ocistore/hello:1.0" },
  "ocistore/app": {
    "2.1": "example.com/ocistore/app:2.1",
    "latest": "example.com/ocistore/app:latest",
  },
  "ocistore/multi": { "1.0": "example.com/ocistore/multi:1.0" },
};
/** A Docker schema 2 copy (`skopeo --format v2s2`) of hello, under several tags. */
export const DOCKER_REPO = "ocistore/hello-v2s2";
/** The tags of {@link DOCKER_REPO}. */
export const DOCKER_TAGS: readonly string[] = ["1.0", "1", "stable", "latest", "old", "v1.0.0"];

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Token requests the issuer answered (token configuration only), by scope. */
  readonly tokenRequests: string[];
  /** Stops the registry (and its issuer). */
  stop(): Promise<void>;
}

/** The registry's auth configuration. */
export type RegistryKind = "anonymous" | "basic" | "token";

/** The user the basic and token registries accept. */
export const USER = { username: "tester", password: "s3cret-pass" };

const _children = new Set<ChildProcess>();
const _dirs = new Set<string>();
let _hooked = false;

function _hook(): void {
  if (_hooked) return;
  _hooked = true;
  // A failed or finished run must leave no registry and no temp directory behind.
  process.once("exit", () => {
    for (const child of _children) child.kill("SIGKILL");
    for (const dir of _dirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Runs a command, resolving with stdout. */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")}: ${error.message}\n${stderr}`));
      else resolve(String(stdout));
    });
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A temp directory removed at exit. */
export function tempDir(prefix: string): string {
  _hook();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  _dirs.add(dir);
  return dir;
}

/** Listens on a free loopback port; resolves with the server and its base URL. */
export function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

/** Closes a server, dropping its open connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

const _b64url = (bytes: Uint8Array | string) =>
  btoa(typeof bytes === "string" ? bytes : String.fromCharCode(...bytes))
    .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

/**
 * Makes an EC P-256 key and a self-signed certificate for `subject` (`/CN=…`) in `dir` with
 * `openssl req`, plus any extra arguments (`-addext subjectAltName=DNS:…`).
 */
export async function selfSignedCert(
  dir: string,
  name: string,
  subject: string,
  extra: string[] = [],
): Promise<{ key: string; cert: string }> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "2",
    "-subj",
    subject,
    ...extra,
  ]);
  return { key, cert };
}

/** A token issuer on loopback signing ES256 JWTs with a key and self-signed certificate made here. */
async function _issuer(dir: string, service: string, issuer: string) {
  const { key, cert } = await selfSignedCert(dir, "issuer", "/CN=ocistore test issuer");
  const pem = readFileSync(key, "utf8").replace(/-----[^-]+-----|\s/g, "");
  const der = Uint8Array.from(atob(pem), (c) => c.charCodeAt(0));
  const signingKey = await crypto.subtle.importKey(
    "pkcs8",
    der,
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const certDer = readFileSync(cert, "utf8").replace(/-----[^-]+-----|\s/g, "");
  const requests: string[] = [];
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    const scope = url.searchParams.get("scope") ?? "";
    requests.push(scope);
    const auth = request.headers.authorization;
    if (auth !== undefined) {
      const [user, pass] = atob(auth.replace(/^Basic /, "")).split(":");
      if (user !== USER.username || pass !== USER.password) {
        response.writeHead(401).end('{"details":"bad credentials"}');
        return;
      }
    }
    // Anonymous users may pull; push needs the user (skopeo pushes with credentials).
    const access = scope
      ? [scope].map((s) => {
        const [type, name, actions] = s.split(":");
        const allowed = actions.split(",").filter((a) => a === "pull" || auth !== undefined);
        return { type, name, actions: allowed };
      })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "ES256", x5c: [certDer] };
    const claims = {
      iss: issuer,
      sub: auth ? USER.username : "",
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: crypto.randomUUID(),
      access,
    };
    const input = `${_b64url(JSON.stringify(header))}.${_b64url(JSON.stringify(claims))}`;
    const signature = new Uint8Array(
      await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        signingKey,
        new TextEncoder().encode(input),
      ),
    );
    const token = `${input}.${_b64url(signature)}`;
    // Alternate the two field names registries use, so both are exercised.
    const body = requests.length % 2 === 0
      ? { access_token: token, expires_in: 300 }
      : { token, expires_in: 300, issued_at: new Date().toISOString() };
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  const url = await listen(server);
  return { url, cert, requests, close: () => closeServer(server) };
}

/**
 * The CORS answers of the anonymous registry (distribution's `http.headers`, one comma-joined value
 * each): any origin, the methods and request headers the client sends, and the response headers
 * it reads.
 */
export const CORS_HEADERS: readonly string[] = [
  'Access-Control-Allow-Origin: ["*"]',
  'Access-Control-Allow-Methods: ["HEAD, GET, OPTIONS"]',
  'Access-Control-Allow-Headers: ["Authorization, Accept, Range"]',
  'Access-Control-Expose-Headers: ["Docker-Content-Digest, Link, WWW-Authenticate, Warning"]',
];

/**
 * Starts `docker-registry serve` over `storage` in the given configuration and waits until
 * `/v2/` answers. `headers` replaces {@link CORS_HEADERS} (none: no CORS at all);
 * `exposeHeaders: false` leaves out Access-Control-Expose-Headers, so a browser sees neither
 * Docker-Content-Digest nor Link. `blobRedirect` (`http://HOST:PORT`) makes blob reads redirect
 * there, to the blob's path in the storage, as a registry in front of a CDN does.
 */
export async function startRegistry(
  kind: RegistryKind,
  storage: string,
  options: { exposeHeaders?: boolean; headers?: readonly string[]; blobRedirect?: string } = {},
): Promise<TestRegistry> {
  _hook();
  const dir = tempDir("ocistore-registry-");
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth: string[] = [];
  let issuer: Awaited<ReturnType<typeof _issuer>> | undefined;
  if (kind === "basic") {
    const line = await run("htpasswd", ["-Bbn", USER.username, USER.password]);
    writeFileSync(join(dir, "htpasswd"), line);
    auth = [
      "auth:",
      "  htpasswd:",
      "    realm: ocistore-test",
      `    path: ${join(dir, "htpasswd")}`,
    ];
  } else if (kind === "token") {
    issuer = await _issuer(dir, "ocistore-test-registry", "ocistore-test-issuer");
    auth = [
      "auth:",
      "  token:",
      `    realm: ${issuer.url}/token`,
      "    service: ocistore-test-registry",
      "    issuer: ocistore-test-issuer",
      `    rootcertbundle: ${issuer.cert}`,
    ];
  }
  const headers = (options.headers ?? CORS_HEADERS).filter((line) =>
    options.exposeHeaders !== false || !line.startsWith("Access-Control-Expose-Headers")
  );
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
      "  delete:",
      "    enabled: true",
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      `  addr: ${host}`,
      ...(headers.length > 0 ? ["  headers:", ...headers.map((line) => `    ${line}`)] : []),
      ...auth,
      // distribution's redirect middleware: blob reads answer 307 to BASE/<storage path>.
      ...(options.blobRedirect
        ? ["middleware:", "  storage:", "    - name: redirect", "      options:"]
          .concat(`        baseurl: ${options.blobRedirect}`)
        : []),
      "",
    ].join("\n"),
  );
  const child = spawn("docker-registry", ["serve", config], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    })
  );
  _children.add(child);
  const stop = async () => {
    if (_children.delete(child)) {
      child.kill("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      if (!exited) child.kill("SIGKILL");
    }
    await issuer?.close();
  };
  // A stall stop, not a verdict: on a loaded machine the registry can take tens of seconds to start.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`docker-registry exited: ${stderr}`);
    try {
      const response = await fetch(`http://${host}/v2/`);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer in 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host, url: `http://${host}`, tokenRequests: issuer?.requests ?? [], stop };
}

/** Copies `source` (a skopeo transport reference) to `docker://HOST/REPO:TAG`. */
export async function push(
  source: string,
  host: string,
  target: string,
  extra: string[] = [],
): Promise<void> {
  await run("skopeo", [
    "copy",
    "--quiet",
    "--dest-tls-verify=false",
    ...extra,
    source,
    `docker://${host}/${target}`,
  ]);
}

let _storage: Promise<{ storage: string; registry: TestRegistry }> | undefined;

/**
 * The shared storage, filled once per run: {@link PUSHED} from the example layout (the index with
 * `--all`) and {@link DOCKER_REPO} as Docker schema 2; served by an anonymous registry that stays
 * up until the process exits. Other configurations serve the same directory.
 */
export function sharedRegistry(): Promise<{ storage: string; registry: TestRegistry }> {
  return (_storage ??= (async () => {
    const storage = tempDir("ocistore-registry-storage-");
    const registry = await startRegistry("anonymous", storage);
    for (const [repo, tags] of Object.entries(PUSHED)) {
      for (const [tag, ref] of Object.entries(tags)) {
        await push(`oci:${EXAMPLE_LAYOUT}:${ref}`, registry.host, `${repo}:${tag}`, ["--all"]);
      }
    }
    for (const tag of DOCKER_TAGS) {
      await push(
        `oci:${EXAMPLE_LAYOUT}:example.com/ocistore/hello:1.0`,
        registry.host,
        `${DOCKER_REPO}:${tag}`,
        ["--format", "v2s2"],
      );
    }
    return { storage, registry };
  })());
}

const _others = new Map<RegistryKind, Promise<TestRegistry>>();

/** A registry of the given kind over the shared storage, started once per run. */
export async function registryOf(kind: RegistryKind): Promise<TestRegistry> {
  const shared = await sharedRegistry();
  if (kind === "anonymous") return shared.registry;
  let started = _others.get(kind);
  if (!started) {
    started = startRegistry(kind, shared.storage);
    _others.set(kind, started);
  }
  return await started;
}
