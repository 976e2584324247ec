/**
 * Why a registry refuses this page. A browser hides the reason of a CORS failure from scripts
 * (fetch rejects with a bare TypeError), so the diagnosis asks again, one CORS feature at a time:
 * an opaque request (is it reachable at all?), a simple GET (is `Access-Control-Allow-Origin`
 * sent?), then GETs whose headers need a preflight (does the OPTIONS answer allow them?).
 */

import { OciStoreError } from "../core/errors.ts";

/**
 * Whether a failure looks like a request the browser refused for CORS: a rejected `fetch` (a bare
 * `TypeError`, all a page sees of a refusal) at the bottom of the error's causes, and no `status`
 * on the way there. A status means the registry answered (404, 401, 5xx, or a 200 whose body
 * broke off): its own words are the message, and diagnosing CORS there would mislead.
 *
 * @param error What reading the registry threw.
 * @returns Whether to diagnose CORS.
 * @example
 * ```ts
 * import { looksLikeCorsRefusal } from "./cors_diagnosis.ts";
 * import { NotFoundError, UnavailableError } from "../core/errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const refused = new UnavailableError("Cannot list tags: Failed to fetch", {
 *   cause: new TypeError("Failed to fetch"),
 * });
 * assertEquals(looksLikeCorsRefusal(refused), true);
 * const answered = new UnavailableError("Cannot list tags: network error", {
 *   cause: new TypeError("network error"),
 *   status: 200,
 * });
 * assertEquals(looksLikeCorsRefusal(answered), false);
 * assertEquals(looksLikeCorsRefusal(new NotFoundError("tag not found", { status: 404 })), false);
 * ```
 */
export function looksLikeCorsRefusal(error: unknown): boolean {
  let cause = error;
  while (cause instanceof OciStoreError) {
    if (cause.status !== undefined) return false;
    cause = cause.cause;
  }
  return error instanceof OciStoreError && cause instanceof TypeError;
}

/** What was found. */
export interface CorsDiagnosis {
  /** Whether the registry refuses the page because of CORS (false: reachable and allowed, or unreachable). */
  readonly refused: boolean;
  /** Whether the registry answered at all. */
  readonly reachable: boolean;
  /** The header or preflight answer found missing, e.g. `Access-Control-Allow-Origin`. */
  readonly missing?: string;
  /**
   * One paragraph for the page; when the registry is not `reachable`, the reason alone, to end the
   * failed action's message ("Cannot list the tags of …: no answer at all from …").
   */
  readonly message: string;
}

/** distribution's configuration that lets a browser page read a registry. */
export const DISTRIBUTION_CORS_CONFIG: string = [
  "http:",
  "  headers:",
  "    Access-Control-Allow-Origin: ['*']",
  "    Access-Control-Allow-Methods: ['HEAD, GET, OPTIONS']",
  "    Access-Control-Allow-Headers: ['Authorization, Accept, Range']",
  "    Access-Control-Expose-Headers: ['Docker-Content-Digest, Link, WWW-Authenticate']",
].join("\n");

const _ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

async function _ok(fetcher: typeof fetch, url: string, init: RequestInit): Promise<boolean> {
  try {
    const response = await fetcher(url, init);
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds which CORS answer of the registry at `base` is missing for this page.
 *
 * @param base The registry's base URL (`http://127.0.0.1:5000`).
 * @param options The fetch to use, and whether requests carry `Authorization`.
 * @returns The diagnosis.
 */
export async function diagnoseCors(
  base: string,
  options: { readonly fetch?: typeof fetch; readonly authorization?: boolean } = {},
): Promise<CorsDiagnosis> {
  const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  const url = new URL("/v2/", base).href;
  const origin = typeof location === "undefined" ? "this page" : `origin ${location.origin}`;
  const fix =
    `Configure the registry to answer browsers; for distribution (docker-registry), in its config.yml:\n${DISTRIBUTION_CORS_CONFIG}`;
  if (!await _ok(fetcher, url, { mode: "no-cors", cache: "no-store" })) {
    return {
      refused: false,
      reachable: false,
      message:
        `no answer at all from ${base} (it is down, its name or port is wrong, or an https page asks an http registry)`,
    };
  }
  const refuse = (missing: string, what: string): CorsDiagnosis => ({
    refused: true,
    reachable: true,
    missing,
    message: `The registry at ${base} answers, but refuses ${origin}: ${what}. ${fix}`,
  });
  if (!await _ok(fetcher, url, { cache: "no-store" })) {
    return refuse(
      "Access-Control-Allow-Origin",
      "its answers carry no Access-Control-Allow-Origin header allowing this origin",
    );
  }
  if (!await _ok(fetcher, url, { cache: "no-store", headers: { Accept: _ACCEPT } })) {
    return refuse(
      "Access-Control-Allow-Headers: Accept",
      "its answer to the preflight (OPTIONS) does not allow the Accept header (Access-Control-Allow-Headers) or is not a success",
    );
  }
  if (!await _ok(fetcher, url, { cache: "no-store", headers: { Range: "bytes=0-0" } })) {
    return refuse(
      "Access-Control-Allow-Headers: Range",
      "its answer to the preflight (OPTIONS) does not allow the Range header (Access-Control-Allow-Headers)",
    );
  }
  if (
    options.authorization &&
    !await _ok(fetcher, url, {
      cache: "no-store",
      headers: { Authorization: "Basic Og==" },
    })
  ) {
    return refuse(
      "Access-Control-Allow-Headers: Authorization",
      "its answer to the preflight (OPTIONS) does not allow the Authorization header, or needs credentials itself (distribution answers OPTIONS with 401 when auth is on)",
    );
  }
  if (
    !await _ok(fetcher, url, { cache: "no-store", method: "HEAD", headers: { Accept: _ACCEPT } })
  ) {
    return refuse(
      "Access-Control-Allow-Methods: HEAD",
      "its answer to the preflight (OPTIONS) does not allow the HEAD method (Access-Control-Allow-Methods)",
    );
  }
  return {
    refused: false,
    reachable: true,
    message: `The registry at ${base} allows ${origin} (CORS answers are complete).`,
  };
}
