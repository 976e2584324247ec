/**
 * Following redirects ourselves, so that `Authorization` is dropped as soon as the origin changes
 * (a blob redirect to storage must not receive registry credentials) and a plain-http hop off
 * loopback is refused after https.
 */
import { UnavailableError } from "../../core/errors.ts";
import { isLoopbackHost } from "../../core/host_address.ts";
import { discard } from "./_body.ts";

const _REDIRECTS = new Set([301, 302, 303, 307, 308]);
const _MAX_HOPS = 10;

/**
 * Fetches `start` with `fetcher`, following redirects; `headers` go to every hop on `origin`, and
 * all but `Authorization` to hops elsewhere. Resolves with the final answer and its URL.
 */
export async function followRedirects(
  fetcher: typeof fetch,
  start: string,
  method: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  origin: string,
): Promise<{ response: Response; url: string }> {
  let url = start;
  let current = { ...headers };
  for (let hop = 0; hop <= _MAX_HOPS; hop++) {
    const response = await fetcher(url, { method, headers: current, redirect: "manual", signal });
    if (response.type === "opaqueredirect") {
      // A browser hides the Location of a manual redirect; its own following drops
      // Authorization on cross-origin hops (Fetch standard), so let it follow.
      const followed = await fetcher(url, {
        method,
        headers: current,
        redirect: "follow",
        signal,
      });
      return { response: followed, url: followed.url || url };
    }
    const location = response.headers.get("location");
    if (!_REDIRECTS.has(response.status) || location === null) return { response, url };
    await discard(response);
    const next = new URL(location, url);
    const from = new URL(url);
    if (
      from.protocol === "https:" && next.protocol !== "https:" && !isLoopbackHost(next.hostname)
    ) {
      throw new UnavailableError(
        `Cannot follow redirect from ${from.origin}: refusing to downgrade to ${next.origin}`,
      );
    }
    if (next.protocol !== "https:" && next.protocol !== "http:") {
      throw new UnavailableError(
        `Cannot follow redirect to ${next.href}: expected http or https`,
      );
    }
    if (next.origin !== origin) {
      current = Object.fromEntries(
        Object.entries(current).filter(([name]) => name.toLowerCase() !== "authorization"),
      );
    }
    url = next.href;
  }
  throw new UnavailableError(`Cannot fetch ${start}: more than ${_MAX_HOPS} redirects`);
}
