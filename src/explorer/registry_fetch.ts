/**
 * The explorer's registry `fetch`: a registry is asked directly first; when the browser refuses the
 * answer (no CORS headers: fetch rejects with a bare TypeError) and the page's own origin runs
 * `ocistore serve`'s proxy, that host is read through `/_registry/HOST/v2/…` from then on. The
 * proxy's token route is hidden from the adapter: a challenge's rewritten realm is turned back into
 * the registry's own realm (so the adapter's realm rule judges the real one), and a request to that
 * realm is sent to the proxy's token route again.
 */

/** How a registry host is read. */
export type RegistryRoute = "direct" | "proxy";

/** The wrapped fetch and what it found. */
export interface RegistryFetch {
  /** The fetch to hand to `openRegistry`. */
  readonly fetch: typeof fetch;
  /** How `host` (`HOST[:PORT]`) was last read; undefined before it was asked. */
  route(host: string): RegistryRoute | undefined;
  /** The host of the latest registry request and how it was read. */
  latest(): { host: string; route: RegistryRoute } | undefined;
  /** Whether the page's origin runs the proxy (probed once, on the first refused answer). */
  hasProxy(): Promise<boolean>;
}

/** The path that the proxy refuses without contacting anything (`.invalid` is on no allow-list). */
const _PROBE = "/_registry/proxy-probe.invalid/v2/";

/**
 * Wraps `fetcher` so refused registries are read through the proxy on `origin`, if it runs there.
 *
 * @example With no proxy on the origin, an answer passes through and the host is read directly
 * ```ts
 * import { registryFetch } from "./registry_fetch.ts";
 * const wrapped = registryFetch(() => Promise.resolve(new Response("{}")), "http://127.0.0.1:1");
 * await wrapped.fetch("https://ghcr.io/v2/");
 * console.assert(wrapped.route("ghcr.io") === "direct");
 * ```
 */
export function registryFetch(fetcher: typeof fetch, origin: string): RegistryFetch {
  const routes = new Map<string, RegistryRoute>();
  /** The registry's own realm → the proxy's token route for it. */
  const realms = new Map<string, string>();
  let probe: Promise<boolean> | undefined;
  let last: { host: string; route: RegistryRoute } | undefined;

  function hasProxy(): Promise<boolean> {
    probe ??= fetcher(new URL(_PROBE, origin), { cache: "no-store" }).then(
      async (answer) =>
        answer.status === 403 && (await answer.text()).startsWith("ocistore proxy:"),
      () => false,
    );
    return probe;
  }

  /**
   * The proxy is asked with `credentials: "omit"`: it needs no cookies, and a same-origin 401 with
   * a Basic challenge would otherwise make the browser ask for a password itself and stall the page.
   */
  const omitting = (init?: RequestInit): RequestInit => ({ ...init, credentials: "omit" });

  async function viaProxy(url: URL, init?: RequestInit): Promise<Response> {
    const answer = await fetcher(
      new URL(`/_registry/${url.host}${url.pathname}${url.search}`, origin),
      omitting(init),
    );
    const challenge = answer.headers.get("www-authenticate");
    if (!challenge) return answer;
    const prefix = `${origin}/_token/`;
    const own = challenge.replace(/realm="([^"]*)"/i, (whole, realm: string) => {
      if (!realm.startsWith(prefix)) return whole;
      const [host, ...encoded] = realm.slice(prefix.length).split("/");
      const upstream = decodeURIComponent(encoded.join("/"));
      realms.set(upstream, `${prefix}${host}/${encoded.join("/")}`);
      return `realm="${upstream}"`;
    });
    const headers = new Headers(answer.headers);
    headers.set("www-authenticate", own);
    return new Response(answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers,
    });
  }

  const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const token = realms.get(`${url.origin}${url.pathname}`);
    if (token) return fetcher(`${token}${url.search}`, omitting(init));
    if (!url.pathname.startsWith("/v2/") || url.origin === origin) return fetcher(input, init);
    if (routes.get(url.host) === "proxy") {
      last = { host: url.host, route: "proxy" };
      return viaProxy(url, init);
    }
    try {
      const answer = await fetcher(input, init);
      routes.set(url.host, "direct");
      last = { host: url.host, route: "direct" };
      return answer;
    } catch (error) {
      // A bare TypeError is what a CORS refusal (or mixed content) looks like to a script.
      if (!(error instanceof TypeError) || init?.signal?.aborted || !await hasProxy()) throw error;
      routes.set(url.host, "proxy");
      last = { host: url.host, route: "proxy" };
      return viaProxy(url, init);
    }
  };
  return { fetch: wrapped, route: (host) => routes.get(host), latest: () => last, hasProxy };
}

/**
 * The page's one line on how `host` was read, or on the fix when the browser refused it.
 *
 * @example
 * ```ts
 * import { routeLine } from "./registry_fetch.ts";
 * console.assert(routeLine("ghcr.io", "proxy", true).includes("proxy"));
 * ```
 */
export function routeLine(host: string, route: RegistryRoute | undefined, proxy: boolean): string {
  if (route === "direct") return `Read ${host} directly (it answers this page's CORS requests).`;
  if (route === "proxy") {
    return `Read ${host} through this page's registry proxy (it sends no CORS headers).`;
  }
  return proxy ? "" : "This page has no registry proxy: run `ocistore serve` to open registries " +
    "that send no CORS headers (Docker Hub, ghcr.io, quay.io, …) through its same-origin proxy.";
}
