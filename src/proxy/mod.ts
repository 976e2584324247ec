/**
 * A same-origin registry proxy: one Web-standard handler that lets a page read registries that
 * send no CORS headers. It is a pipe for bytes — the page still verifies every manifest and blob
 * by digest — and it is no open proxy: only the distribution API's reads, only to registries on
 * an allow-list, only from the page it serves, and never to a private address unless allowed.
 *
 * Routes: `/_registry/HOST[:PORT]/v2/…` forwards to `https://HOST[:PORT]/v2/…`;
 * `/_token/HOST[:PORT]/REALM` forwards a token request to the URL-encoded `REALM` when it
 * belongs to that registry. Bearer challenges are rewritten to name the token route.
 * @module
 */
import { isAddressLiteral, isLoopbackHost, isPrivateAddress } from "../core/host_address.ts";

/** Resolves a hostname to its IP addresses (`node:dns` `lookup(…, { all: true })`, `Deno.resolveDns`). */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

/**
 * Sends a request over a connection to `address`, the one the proxy checked, while naming `url`'s
 * host (TLS SNI, Host): `ocistore/runtime`'s `pinnedFetch`. A name that resolves elsewhere by the
 * time of the connection (DNS rebinding) then reaches nothing unchecked.
 */
export type PinnedFetch = (url: URL, init: RequestInit, address: string) => Promise<Response>;

/** An upstream registry the proxy may reach. */
export interface UpstreamRule {
  /** `host[:port]`, or `*.suffix` for every host under it (`*.pkg.dev`). */
  readonly host: string;
  /** Hosts besides the registry's own site that may serve its tokens (`auth.docker.io`). */
  readonly tokenHosts?: readonly string[];
}

/** Options of {@link registryProxy}. */
export interface RegistryProxyOptions {
  /** Sends upstream requests; called with `redirect: "manual"`, the proxy follows hops itself. */
  readonly fetch: typeof fetch;
  /** Resolves hostnames, so a hop to a private address is refused before it is connected. */
  readonly resolve: Resolver;
  /**
   * Connects to the address checked instead of resolving again (without it, `fetch` resolves
   * the name itself, and a name rebound between check and connection is not caught).
   */
  readonly pinnedFetch?: PinnedFetch;
  /** More registries to allow, besides {@link DEFAULT_UPSTREAMS}. */
  readonly registries?: readonly UpstreamRule[];
  /**
   * `host[:port]` of origins allowed although loopback or private (a local registry, a local
   * store its blobs redirect to): plain http is then used for them, and a registry's token realm
   * may be on its hostname at another port. A redirect reaches only an origin named here.
   */
  readonly allowPrivate?: readonly string[];
  /** Origins whose pages may use the proxy (default: the proxy's own origin only). */
  readonly origins?: readonly string[];
  /** Milliseconds an upstream has to answer each hop (default 30 000). */
  readonly timeoutMs?: number;
  /** Upstream requests one client may have in flight (default 16); more get 429. */
  readonly concurrencyPerClient?: number;
  /** Names the client of a request, for the concurrency bound (default: its Origin). */
  readonly clientOf?: (request: Request) => string;
}

/** The registries allowed by default: the public ones people pull from. */
export const DEFAULT_UPSTREAMS: readonly UpstreamRule[] = [
  { host: "registry-1.docker.io", tokenHosts: ["auth.docker.io"] },
  { host: "ghcr.io" },
  { host: "quay.io" },
  { host: "gcr.io" },
  { host: "*.gcr.io" },
  { host: "*.pkg.dev" },
  { host: "public.ecr.aws" },
  { host: "mcr.microsoft.com" },
  { host: "registry.k8s.io" },
  { host: "registry.gitlab.com", tokenHosts: ["gitlab.com"] },
];

const _MAX_REDIRECTS = 5;
const _API =
  /^\/v2\/(?:|(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\/(?:manifests\/[\w][\w.-]{0,127}|manifests\/[a-z0-9+._-]+:[a-zA-Z0-9=_-]+|blobs\/[a-z0-9+._-]+:[a-zA-Z0-9=_-]+|tags\/list|referrers\/[a-z0-9+._-]+:[a-zA-Z0-9=_-]+))$/;
const _FORWARD_REQUEST = ["accept", "range", "authorization", "if-none-match"];
const _FORWARD_RESPONSE = [
  "content-type",
  "content-length",
  "content-range",
  "accept-ranges",
  "docker-content-digest",
  "docker-distribution-api-version",
  "etag",
  "link",
  "www-authenticate",
  "oci-filters-applied",
  "warning",
  "retry-after",
];
const _EXPOSE = "Docker-Content-Digest, Content-Range, Content-Length, Link, WWW-Authenticate, " +
  "Docker-Distribution-Api-Version, OCI-Filters-Applied, Warning, ETag";

/** A request the proxy refuses; `status` and the message go to the client. */
class _Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function _refuse(status: number, message: string): Response {
  return new Response(`ocistore proxy: ${message}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function _hostnameOf(host: string): string {
  return new URL(`http://${host}`).hostname;
}

function _hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && !host.includes(":");
  return pattern === host;
}

/** The last two labels of a hostname: a site, near enough for registries we know; an address is its own. */
function _site(hostname: string): string {
  if (isAddressLiteral(hostname.replace(/^\[|\]$/g, ""))) return hostname;
  return hostname.split(".").slice(-2).join(".");
}

/**
 * Makes the proxy handler. Run it under `Deno.serve`, `Bun.serve`, the `node:http` bridge of
 * `ocistore/runtime` (`serveHandler`), or any `fetch`-handler platform.
 *
 * @param options Upstream fetch and resolver, allow-lists, timeouts and bounds.
 * @returns A handler answering the proxy's routes; anything else gets 404 or 403.
 * @example
 * ```ts
 * import { registryProxy } from "./mod.ts";
 * const attempts: string[] = [];
 * const proxy = registryProxy({
 *   fetch: (input) => {
 *     attempts.push(String(input));
 *     return Promise.resolve(new Response(null, { status: 500 }));
 *   },
 *   resolve: () => Promise.resolve(["140.82.112.34"]),
 * });
 * const refused = await proxy(new Request("http://127.0.0.1:8080/_registry/evil.example/v2/"));
 * console.assert(refused.status === 403 && attempts.length === 0);
 * ```
 */
export function registryProxy(
  options: RegistryProxyOptions,
): (request: Request) => Promise<Response> {
  const rules = [...DEFAULT_UPSTREAMS, ...(options.registries ?? [])];
  const allowPrivate = new Set(options.allowPrivate ?? []);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const bound = options.concurrencyPerClient ?? 16;
  const inFlight = new Map<string, number>();

  function ruleOf(host: string): UpstreamRule | undefined {
    if (allowPrivate.has(host)) return { host };
    return rules.find((r) => _hostMatches(r.host, host));
  }

  /**
   * Refuses a hop before it is connected: scheme, userinfo, and where its name resolves. Only a
   * `host[:port]` named in `allowPrivate` (or `trusted`: the checked realm of such a registry) may
   * be plain http or private; a redirect to another port of the same host is another origin.
   */
  async function checkHop(url: URL, previous?: URL, trusted?: string): Promise<string | undefined> {
    const explicit = allowPrivate.has(url.host) || url.host === trusted;
    if (url.username || url.password) {
      throw new _Refusal(502, `refusing ${url.origin}: a URL with user info`);
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && explicit)) {
      throw new _Refusal(
        502,
        `refusing ${url.href}: expected https (plain http only for a registry allowed explicitly)`,
      );
    }
    if (previous?.protocol === "https:" && url.protocol !== "https:") {
      throw new _Refusal(502, `refusing ${url.href}: a redirect from https to plain http`);
    }
    if (explicit) return undefined;
    const name = url.hostname.replace(/^\[|\]$/g, "");
    const addresses = isAddressLiteral(name) ? [name] : await options.resolve(name);
    const bad = isLoopbackHost(url.hostname) ? name : addresses.find(isPrivateAddress);
    if (addresses.length === 0 || bad !== undefined) {
      throw new _Refusal(
        502,
        `refusing ${url.host}: it resolves to ${bad ?? "no address"}, a private, loopback, ` +
          `link-local or metadata address (allow a local registry explicitly)`,
      );
    }
    return addresses[0];
  }

  /** Sends `url`, following redirects itself and checking each hop. */
  async function send(
    url: URL,
    method: string,
    headers: Headers,
    trusted: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    let previous: URL | undefined;
    for (let hop = 0; hop <= _MAX_REDIRECTS; hop++) {
      const address = await checkHop(url, previous, hop === 0 ? trusted : undefined);
      const init: RequestInit = {
        method,
        headers,
        redirect: "manual",
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      };
      const response = address !== undefined && options.pinnedFetch
        ? await options.pinnedFetch(url, init, address)
        : await options.fetch(url, init);
      const location = response.headers.get("location");
      if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== url.origin) headers.delete("authorization");
      previous = url;
      url = next;
    }
    throw new _Refusal(502, `refusing ${url.href}: more than ${_MAX_REDIRECTS} redirects`);
  }

  function rewriteChallenge(value: string, own: string, registry: string): string {
    // A Basic realm is a label, not a URL: only a Bearer challenge names a token service.
    if (!/^\s*bearer\b/i.test(value)) return value;
    return value.replace(
      /realm="([^"]*)"/i,
      (_, realm: string) => `realm="${own}/_token/${registry}/${encodeURIComponent(realm)}"`,
    );
  }

  /** Checks that a token realm belongs to the registry (same site, or one of its token hosts). */
  function checkRealm(realm: URL, registry: string, rule: UpstreamRule): void {
    const own = _hostnameOf(registry);
    const sameSite = rule.host.startsWith("*.")
      ? realm.hostname === own
      : _site(realm.hostname) === _site(own);
    if (!sameSite && !(rule.tokenHosts ?? []).includes(realm.host)) {
      throw new _Refusal(
        403,
        `refusing token realm ${realm.origin} for ${registry}: a realm must be on the registry's ` +
          `own site or one of its token hosts`,
      );
    }
  }

  function corsHeaders(origin: string | null): Headers {
    const headers = new Headers({ "vary": "Origin" });
    if (origin) {
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-expose-headers", _EXPOSE);
    }
    return headers;
  }

  return async function handle(request: Request): Promise<Response> {
    const own = new URL(request.url);
    const origins = options.origins ?? [own.origin];
    const origin = request.headers.get("origin");
    // A same-origin GET from a page may omit Origin; a cross-site fetch always sends it, and
    // Sec-Fetch-Site tells the rest.
    const site = request.headers.get("sec-fetch-site");
    if (
      (origin && !origins.includes(origin)) || (site && !["same-origin", "none"].includes(site))
    ) {
      return _refuse(
        403,
        `refusing a request from ${origin ?? site}: only ${origins.join(", ")} may use this proxy`,
      );
    }
    const route = own.pathname.match(/^\/_(registry|token)\/([^/]+)(\/.*)?$/);
    if (!route) {
      return _refuse(
        404,
        `no route ${own.pathname}: expected /_registry/HOST/v2/… or /_token/HOST/REALM`,
      );
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return _refuse(403, `refusing ${request.method}: only GET and HEAD are forwarded`);
    }
    const [, kind, registry, rest = ""] = route;
    const rule = ruleOf(registry);
    if (!rule) {
      return _refuse(
        403,
        `refusing registry ${registry}: not on the proxy's allow-list (${
          rules.map((r) => r.host).join(", ")
        }${allowPrivate.size ? ", " + [...allowPrivate].join(", ") : ""})`,
      );
    }
    const scheme = allowPrivate.has(registry) ? "http" : "https";
    let target: URL;
    /** The realm of an allowed local registry on its own hostname (an issuer on another port). */
    let trusted: string | undefined;
    if (kind === "registry") {
      if (!_API.test(rest)) {
        return _refuse(
          403,
          `refusing path ${rest}: only the distribution API's /v2/ reads are forwarded`,
        );
      }
      target = new URL(`${scheme}://${registry}${rest}${own.search}`);
    } else {
      try {
        target = new URL(decodeURIComponent(rest.slice(1)));
        checkRealm(target, registry, rule);
        if (allowPrivate.has(registry) && target.hostname === _hostnameOf(registry)) {
          trusted = target.host;
        }
      } catch (error) {
        if (error instanceof _Refusal) return _refuse(error.status, error.message);
        return _refuse(400, `expected a URL-encoded token realm after /_token/${registry}/`);
      }
      for (const [key, value] of own.searchParams) target.searchParams.append(key, value);
    }
    const client = options.clientOf?.(request) ?? origin ?? own.origin;
    const busy = inFlight.get(client) ?? 0;
    if (busy >= bound) {
      return _refuse(429, `refusing: ${bound} upstream requests already in flight for ${client}`);
    }
    inFlight.set(client, busy + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (inFlight.get(client) ?? 1) - 1;
      n ? inFlight.set(client, n) : inFlight.delete(client);
    };
    try {
      const headers = new Headers();
      for (const name of _FORWARD_REQUEST) {
        const value = request.headers.get(name);
        if (value !== null) headers.set(name, value);
      }
      const upstream = await send(target, request.method, headers, trusted, request.signal);
      const out = corsHeaders(origin);
      for (const name of _FORWARD_RESPONSE) {
        const value = upstream.headers.get(name);
        if (value === null) continue;
        out.set(
          name,
          name === "www-authenticate" ? rewriteChallenge(value, own.origin, registry) : value,
        );
      }
      if (!upstream.body || request.method === "HEAD") {
        await upstream.body?.cancel();
        release();
        return new Response(null, { status: upstream.status, headers: out });
      }
      // Streamed, never buffered; the client's slot is held until the body ends or is dropped.
      const reader = upstream.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const { done, value } = await reader.read();
            if (done) (release(), controller.close());
            else controller.enqueue(value);
          } catch (error) {
            release();
            controller.error(error);
          }
        },
        cancel(reason) {
          release();
          return reader.cancel(reason);
        },
      });
      return new Response(body, { status: upstream.status, headers: out });
    } catch (error) {
      release();
      if (error instanceof _Refusal) return _refuse(error.status, error.message);
      return _refuse(
        502,
        `upstream ${target.host} failed: ${error instanceof Error ? error.message : error}`,
      );
    }
  };
}
