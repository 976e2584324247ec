/**
 * Registry credentials for the CLI, found the way skopeo and crane find them: `--creds`,
 * `--registry-token`, else the Docker config file as `docker login` writes it (`auths` with a
 * base64 `auth`, `credHelpers` per host and `credsStore` run as `docker-credential-NAME get`).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Credentials } from "../adapters/registry.ts";
import { UsageError } from "./args.ts";

/** What a registry request authenticates with; both absent means anonymous. */
export interface Login {
  /** User and password (or a token as the password). */
  readonly credentials?: Credentials;
  /** A bearer token sent as is. */
  readonly token?: string;
}

/** Where the logins come from. */
export interface LoginOptions {
  /** `--creds USER:PASS`. */
  readonly creds?: string;
  /** `--registry-token TOKEN`. */
  readonly token?: string;
  /** `--authfile FILE`. */
  readonly authfile?: string;
  /** The environment (HOME, DOCKER_CONFIG, REGISTRY_AUTH_FILE, PATH for helpers). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

interface DockerConfig {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The keys `docker login` may have used for `host` (Docker Hub's is a v1 URL). */
function _keys(host: string): string[] {
  if (host === "docker.io" || host === "registry-1.docker.io" || host === "index.docker.io") {
    return ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];
  }
  return [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `http://${host}/v1/`];
}

/** The Docker config path: `--authfile`, `$REGISTRY_AUTH_FILE`, `$DOCKER_CONFIG/config.json`, `~/.docker/config.json`. */
function _configPath(options: LoginOptions): string | undefined {
  const env = options.env ?? {};
  if (options.authfile !== undefined) return options.authfile;
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, "config.json");
  return env.HOME ? join(env.HOME, ".docker", "config.json") : undefined;
}

/** Runs `docker-credential-NAME get` with the server on stdin; undefined when it has none. */
function _helper(
  name: string,
  server: string,
  env: Readonly<Record<string, string | undefined>> | undefined,
): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    return Promise.reject(
      new UsageError(`invalid credential helper name "${name}" in the Docker config`),
    );
  }
  return new Promise((resolve, reject) => {
    const child = execFile(
      `docker-credential-${name}`,
      ["get"],
      { env: env as Record<string, string>, maxBuffer: 1 << 20 },
      (error, stdout) => {
        if (error) {
          // The helper's way of saying it has nothing for this server.
          if (/credentials not found/i.test(String(stdout))) return resolve(undefined);
          return reject(
            new UsageError(
              `Cannot get credentials for ${server} from docker-credential-${name}: ${error.message}`,
            ),
          );
        }
        try {
          const { Username, Secret } = JSON.parse(String(stdout));
          if (typeof Username !== "string" || typeof Secret !== "string") throw new Error("fields");
          resolve({ username: Username, password: Secret });
        } catch {
          reject(
            new UsageError(
              `Cannot read the answer of docker-credential-${name}: expected {"Username","Secret"}`,
            ),
          );
        }
      },
    );
    child.stdin?.end(server);
  });
}

/**
 * The login for a registry host (`127.0.0.1:5000`, `docker.io`).
 *
 * @param host The registry host as the reference names it.
 * @param options The flags and environment.
 * @returns The credentials or token, or nothing for anonymous access.
 * @throws {UsageError} For a malformed `--creds`, an unreadable `--authfile` or a failing helper.
 * @example
 * ```ts
 * import { loginFor } from "./registry_login.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(await loginFor("example.com", { creds: "me:secret" }), {
 *   credentials: { username: "me", password: "secret" },
 * });
 * ```
 */
export async function loginFor(host: string, options: LoginOptions): Promise<Login> {
  if (options.creds !== undefined) {
    const colon = options.creds.indexOf(":");
    if (colon <= 0) throw new UsageError(`invalid --creds: expected USER:PASS`);
    return {
      credentials: {
        username: options.creds.slice(0, colon),
        password: options.creds.slice(colon + 1),
      },
    };
  }
  if (options.token !== undefined) return { token: options.token };
  const path = _configPath(options);
  if (path === undefined) return {};
  let config: DockerConfig;
  try {
    config = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    const missing = (error as { code?: string }).code === "ENOENT";
    if (missing && options.authfile === undefined) return {};
    throw new UsageError(`Cannot read the Docker config "${path}": ${(error as Error).message}`);
  }
  const keys = _keys(host);
  const helper = keys.map((k) => config.credHelpers?.[k]).find((h) => h !== undefined) ??
    config.credsStore;
  if (helper !== undefined) {
    const found = await _helper(helper, keys[0] === host ? host : keys[0], options.env);
    if (found) {
      return found.username === "<token>" ? { token: found.password } : { credentials: found };
    }
  }
  const entry = keys.map((k) => config.auths?.[k]).find((a) => a !== undefined);
  if (!entry) return {};
  if (entry.auth) {
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(entry.auth), (c) => c.charCodeAt(0)));
    } catch {
      throw new UsageError(`Cannot read the login for ${host} in "${path}": "auth" is not base64`);
    }
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      return {
        credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
      };
    }
  }
  if (entry.username && entry.password) {
    return { credentials: { username: entry.username, password: entry.password } };
  }
  return {};
}
