/** Registry authentication: challenges to credentials, bearer tokens cached per realm, service and scope. */
import { InvalidArgumentError, UnauthorizedError, UnavailableError } from "../../core/errors.ts";
import { isLoopbackHost } from "../../core/host_address.ts";
import { readLimited } from "./_body.ts";
import { type Challenge, parseChallenges } from "./_challenge.ts";

/** A user name and password (or a personal access token as the password). */
export interface Credentials {
  /** The user name. */
  readonly username: string;
  /** The password or access token. */
  readonly password: string;
}

/** Fetches a URL with the client's redirect rules (Authorization dropped off-origin). */
export type Send = (
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
) => Promise<Response>;

/** What the registry told us about how it wants to be authenticated. */
type Mode =
  | { readonly scheme: "none" }
  | { readonly scheme: "basic" }
  | { readonly scheme: "bearer"; readonly realm: string; readonly service?: string };

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Docker's minimum token lifetime: shorter `expires_in` values are read as 60 seconds. */
const _MIN_LIFETIME = 60;
/** Tokens are refreshed this long before they expire, so a request never carries a dying one. */
const _MARGIN_MS = 5_000;
const _MAX_TOKEN_RESPONSE = 1 << 20;

/** Base64 of the UTF-8 bytes of `text`. */
function _base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** Options of {@link RegistryAuth}. */
export interface AuthOptions {
  /** The registry's base URL (`https://host:port`). */
  readonly registry: URL;
  /** Basic credentials, sent to the registry (basic) or to the token realm (bearer). */
  readonly credentials?: Credentials;
  /** A static bearer token, sent as is. */
  readonly token?: string;
  /** Sends a token request. */
  readonly send: Send;
  /** The clock, in milliseconds (tests move it to expire tokens). */
  readonly now?: () => number;
}

/**
 * Authorization for one registry: the header to send for a scope, and what to do with a 401.
 * Concurrent requests for the same scope share one token request.
 */
export class RegistryAuth {
  readonly #options: AuthOptions;
  readonly #now: () => number;
  #mode: Mode = { scheme: "none" };
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<CachedToken>>();

  /**
   * Creates the authorization state of one registry.
   *
   * @param options The registry, credentials and how to send token requests.
   */
  constructor(options: AuthOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The `Authorization` value for a request in `scope`, when one is known to be needed. */
  async header(scope: string, signal?: AbortSignal): Promise<string | undefined> {
    const { token, credentials } = this.#options;
    if (token !== undefined) return `Bearer ${token}`;
    const mode = this.#mode;
    if (mode.scheme === "basic" && credentials) {
      return `Basic ${_base64(`${credentials.username}:${credentials.password}`)}`;
    }
    if (mode.scheme === "bearer") return `Bearer ${(await this.#token(mode, scope, signal)).token}`;
    return undefined;
  }

  /**
   * Learns from a 401: switches to what the challenge asks for and forgets the token that was
   * refused, so the retried request gets a fresh one. Throws when nothing we hold can answer it.
   */
  challenged(response: Response, scope: string, what: string): void {
    const header = response.headers.get("www-authenticate");
    const host = this.#options.registry.host;
    if (this.#options.token !== undefined) {
      throw new UnauthorizedError(`${what}: ${host} refused the registry token (401)`);
    }
    if (header === null) {
      if (response.type === "cors") {
        throw new UnauthorizedError(
          `${what}: ${host} asks for authentication (401), but its WWW-Authenticate header is ` +
            "not visible to this page: the registry must list it in Access-Control-Expose-Headers",
        );
      }
      if (this.#options.credentials && this.#mode.scheme !== "basic") {
        this.#mode = { scheme: "basic" };
        return;
      }
      throw new UnauthorizedError(`${what}: ${host} answered 401 without a challenge`);
    }
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
    const basic = challenges.find((c) => c.scheme === "basic");
    if (bearer) {
      const realm = this.#checkRealm(bearer, what);
      this.#mode = { scheme: "bearer", realm, service: bearer.params.service };
      this.#tokens.delete(this.#key(this.#mode, scope));
      return;
    }
    if (basic) {
      if (!this.#options.credentials) {
        throw new UnauthorizedError(`${what}: ${host} asks for a user name and password (401)`);
      }
      this.#mode = { scheme: "basic" };
      return;
    }
    throw new UnauthorizedError(
      `${what}: expected a Bearer or Basic challenge from ${host}, found ${JSON.stringify(header)}`,
    );
  }

  /** Whether a retried request would carry different authorization than the refused one. */
  get mode(): string {
    return this.#mode.scheme;
  }

  #checkRealm(challenge: Challenge, what: string): string {
    const registry = this.#options.registry;
    let url: URL;
    try {
      url = new URL(challenge.params.realm);
    } catch {
      throw new UnauthorizedError(
        `${what}: expected a token realm URL from ${registry.host}, found ${
          JSON.stringify(challenge.params.realm)
        }`,
      );
    }
    // Credentials go to the realm: only over TLS, to the registry itself, or between two
    // loopback services (a local test registry); never to a plain-http third party.
    const safe = url.protocol === "https:" ||
      (url.protocol === "http:" &&
        (url.origin === registry.origin ||
          (isLoopbackHost(url.hostname) && isLoopbackHost(registry.hostname))));
    if (!safe) {
      throw new UnauthorizedError(
        `${what}: refusing token realm "${url.href}": expected https, the registry's own origin ` +
          `(${registry.origin}) or loopback`,
      );
    }
    return url.href;
  }

  #key(mode: { realm: string; service?: string }, scope: string): string {
    return `${mode.realm}\n${mode.service ?? ""}\n${scope}`;
  }

  #token(
    mode: { realm: string; service?: string },
    scope: string,
    signal?: AbortSignal,
  ): Promise<CachedToken> {
    const key = this.#key(mode, scope);
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAt > this.#now()) return Promise.resolve(cached);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#fetchToken(mode, scope, signal).then((token) => {
        this.#tokens.set(key, token);
        return token;
      }).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #fetchToken(
    mode: { realm: string; service?: string },
    scope: string,
    signal?: AbortSignal,
  ): Promise<CachedToken> {
    const url = new URL(mode.realm);
    if (mode.service !== undefined) url.searchParams.set("service", mode.service);
    url.searchParams.set("scope", scope);
    const headers: Record<string, string> = { accept: "application/json" };
    const { credentials } = this.#options;
    if (credentials) {
      headers.authorization = `Basic ${_base64(`${credentials.username}:${credentials.password}`)}`;
    }
    const what = `Cannot get a token for "${scope}" from ${url.origin}`;
    let response: Response;
    try {
      response = await this.#options.send(url.href, headers, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof Error && "code" in error) throw error;
      throw new UnavailableError(`${what}: ${(error as Error).message}`, { cause: error });
    }
    const text = await _text(response, _MAX_TOKEN_RESPONSE, what);
    if (response.status === 401 || response.status === 403) {
      throw new UnauthorizedError(`${what}: HTTP ${response.status}`);
    }
    if (!response.ok) throw new UnavailableError(`${what}: HTTP ${response.status}`);
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError(
        `${what}: expected a JSON token response, found ${text.slice(0, 80)}`,
      );
    }
    const token = typeof json?.token === "string" && json.token
      ? json.token
      : typeof json?.access_token === "string" && json.access_token
      ? json.access_token
      : undefined;
    if (token === undefined) {
      throw new UnauthorizedError(`${what}: expected "token" or "access_token" in the answer`);
    }
    const lifetime = typeof json.expires_in === "number" && json.expires_in > _MIN_LIFETIME
      ? json.expires_in
      : _MIN_LIFETIME;
    return { token, expiresAt: this.#now() + lifetime * 1000 - _MARGIN_MS };
  }
}

/** Reads at most `limit` bytes of a body as text; a longer body is an error. */
async function _text(response: Response, limit: number, what: string): Promise<string> {
  const bytes = await readLimited(response, limit, (found) => {
    throw new InvalidArgumentError(`${what}: expected at most ${limit} bytes, found ${found}`);
  });
  return new TextDecoder().decode(bytes);
}
