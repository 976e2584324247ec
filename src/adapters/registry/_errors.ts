/** The registry's error answers (distribution's `errcode` JSON) as typed errors. */
import {
  InvalidArgumentError,
  NotFoundError,
  type OciStoreError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedError,
} from "../../core/errors.ts";

/**
 * The registry asked us to slow down (`429`/`TOOMANYREQUESTS`) and retries ran out, or its
 * `Retry-After` was longer than we wait; `retryAfter` says how many seconds it asked for.
 */
export class TooManyRequestsError extends UnavailableError {
  /**
   * Creates the error.
   *
   * @param message The request, then what the registry said.
   * @param options The wrapped cause and the wait the registry asked for, in seconds.
   */
  constructor(message: string, options: { cause?: unknown; retryAfter?: number } = {}) {
    super(message, options);
  }
}

const _notFound = new Set(["MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "NAME_UNKNOWN", "NOT_FOUND"]);
const _unauthorized = new Set(["UNAUTHORIZED", "DENIED"]);
const _invalid = new Set([
  "NAME_INVALID",
  "TAG_INVALID",
  "DIGEST_INVALID",
  "MANIFEST_INVALID",
  "SIZE_INVALID",
  "PAGINATION_NUMBER_INVALID",
  "RANGE_INVALID",
]);

/** The first `errors[].code` and message of a registry error body, when it has one. */
export function registryErrorOf(body: string): { code: string; message: string } | undefined {
  try {
    const json = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = Array.isArray(json?.errors) ? json.errors[0] : undefined;
    if (first && typeof first.code === "string") {
      return {
        code: first.code,
        message: typeof first.message === "string" ? first.message : "",
      };
    }
  } catch {
    // Not JSON: the status decides.
  }
  return undefined;
}

/** Whole seconds for a wait in milliseconds, the unit every error's `retryAfter` is in. */
export function retryAfterSeconds(ms: number | undefined): { retryAfter?: number } {
  return ms === undefined ? {} : { retryAfter: Math.ceil(ms / 1000) };
}

/**
 * The typed error for an unsuccessful answer: the registry's error code first, the HTTP status
 * when there is none. `what` is the action (`Cannot read manifest "…" from …`); `retryAfterMs`
 * the wait the registry asked for.
 */
export function errorForStatus(
  what: string,
  status: number,
  body: string,
  retryAfterMs?: number,
): OciStoreError {
  const registry = registryErrorOf(body);
  const found = registry
    ? `${status} ${registry.code}${registry.message ? ` (${registry.message})` : ""}`
    : `HTTP ${status}`;
  const message = `${what}: ${found}`;
  const code = registry?.code ?? "";
  if (_notFound.has(code)) return new NotFoundError(message);
  if (_unauthorized.has(code)) return new UnauthorizedError(message);
  if (code === "TOOMANYREQUESTS" || status === 429) {
    return new TooManyRequestsError(message, retryAfterSeconds(retryAfterMs));
  }
  if (code === "UNSUPPORTED") return new UnsupportedError(message);
  if (_invalid.has(code)) return new InvalidArgumentError(message);
  if (status === 404) return new NotFoundError(message);
  if (status === 401 || status === 403) return new UnauthorizedError(message);
  if (status === 400 || status === 416) return new InvalidArgumentError(message);
  return new UnavailableError(message, retryAfterSeconds(retryAfterMs));
}
