/** The registry's error answers (distribution's `errcode` JSON) as typed errors. */
import {
  InvalidArgumentError,
  NotFoundError,
  type OciStoreError,
  type OciStoreErrorOptions,
  UnauthorizedError,
  UnavailableError,
  UnsupportedError,
} from "../../core/errors.ts";
import { tryParseDigest } from "../../core/digest.ts";

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
  constructor(
    message: string,
    options: OciStoreErrorOptions & { retryAfter?: number } = {},
  ) {
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

/** What a request asks for: a repository (`127.0.0.1:5000/demo/app`) and a tag or digest in it. */
export interface RegistrySubject {
  /** The repository, with its registry. */
  readonly repository: string;
  /** The tag or digest asked for, when the request names one. */
  readonly ref?: string;
}

/** The words for a missing subject, when the registry's code (or a bare 404) says what is missing. */
function _missing(code: string, subject: RegistrySubject | undefined): string | undefined {
  if (subject === undefined) return undefined;
  if (code === "NAME_UNKNOWN") return `repository ${subject.repository} not known to the registry`;
  if ((code === "MANIFEST_UNKNOWN" || code === "") && subject.ref !== undefined) {
    const kind = tryParseDigest(subject.ref) === undefined ? "tag" : "manifest";
    return `${kind} ${subject.ref} not found in ${subject.repository}`;
  }
  return undefined;
}

/**
 * The typed error for an unsuccessful answer: the registry's error code first, the HTTP status
 * when there is none. `what` is the action (`Cannot read manifest "…" from …`); `retryAfterMs`
 * the wait the registry asked for; `subject` what was asked for, so a not-found error names what
 * is missing. The error's `registryCode` is the registry's code and `status` the HTTP status.
 */
export function errorForStatus(
  what: string,
  status: number,
  body: string,
  retryAfterMs?: number,
  subject?: RegistrySubject,
): OciStoreError {
  const registry = registryErrorOf(body);
  const code = registry?.code ?? "";
  const fields = { status, ...(registry ? { registryCode: registry.code } : {}) };
  const missing = status === 404 || _notFound.has(code) ? _missing(code, subject) : undefined;
  const found = missing !== undefined
    ? `${missing}${registry ? ` (${registry.code})` : ""}`
    : registry
    ? `${status} ${registry.code}${registry.message ? ` (${registry.message})` : ""}`
    : `HTTP ${status}`;
  const message = `${what}: ${found}`;
  if (_notFound.has(code)) return new NotFoundError(message, fields);
  if (_unauthorized.has(code)) return new UnauthorizedError(message, fields);
  if (code === "TOOMANYREQUESTS" || status === 429) {
    return new TooManyRequestsError(message, { ...fields, ...retryAfterSeconds(retryAfterMs) });
  }
  if (code === "UNSUPPORTED") return new UnsupportedError(message, fields);
  if (_invalid.has(code)) return new InvalidArgumentError(message, fields);
  if (status === 404) return new NotFoundError(message, fields);
  if (status === 401 || status === 403) return new UnauthorizedError(message, fields);
  if (status === 400 || status === 416) return new InvalidArgumentError(message, fields);
  return new UnavailableError(message, { ...fields, ...retryAfterSeconds(retryAfterMs) });
}
