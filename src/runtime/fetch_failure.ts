/** A fetch that failed before any answer, said in words: the runtimes only say "fetch failed". */
import { UnavailableError, UnreachableError, type UnreachableReason } from "../core/errors.ts";

/** The codes and messages of an error and its causes (Node and Bun put the cause's code there). */
function _chain(error: unknown): string {
  const parts: string[] = [];
  for (let at = error, depth = 0; at !== undefined && at !== null && depth < 5; depth++) {
    const { code, message, cause } = at as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string") parts.push(code);
    if (typeof message === "string") parts.push(message);
    at = cause;
  }
  return parts.join(" | ");
}

// Node's and Bun's codes, then Deno's words (it gives no code, only the message of its client).
const _REASONS: readonly [UnreachableReason, RegExp][] = [
  ["PLAIN_HTTP", /ERR_SSL_WRONG_VERSION_NUMBER|wrong version number|InvalidContentType|EPROTO/],
  ["CONNECTION_REFUSED", /ECONNREFUSED|ConnectionRefused|Connection refused/],
  ["NAME_NOT_RESOLVED", /ENOTFOUND|EAI_AGAIN|dns error|failed to lookup address/],
  ["TLS_CERTIFICATE", /CERT|invalid peer certificate|certificate/i],
];

/**
 * The error for a request whose fetch rejected on Deno, Bun or Node: an {@link UnreachableError}
 * naming the cause when the runtime's error says it, else an `UnavailableError` with the
 * runtime's message. Hand it to `openRegistry` as `explainFetchFailure`.
 *
 * @example
 * ```ts
 * import { explainFetchFailure } from "./fetch_failure.ts";
 * const refused = new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
 * const error = explainFetchFailure("Cannot list tags", "https://127.0.0.1:9/v2/", refused);
 * if (!error.message.endsWith("connection refused by 127.0.0.1:9")) throw error;
 * ```
 */
export function explainFetchFailure(
  what: string,
  url: string,
  error: unknown,
): UnavailableError {
  const chain = _chain(error);
  const reason = _REASONS.find(([, pattern]) => pattern.test(chain))?.[0];
  if (reason === undefined) {
    return new UnavailableError(`${what}: ${(error as Error).message}`, { cause: error });
  }
  const { host, hostname } = new URL(url);
  const words = {
    PLAIN_HTTP: "the registry answered plain HTTP to an HTTPS request; use --plain-http " +
      "(option plainHttp)",
    CONNECTION_REFUSED: `connection refused by ${host}`,
    NAME_NOT_RESOLVED: `the name ${hostname} does not resolve`,
    TLS_CERTIFICATE: `the TLS certificate of ${host} is not trusted (${_certificateDetail(chain)})`,
  }[reason];
  return new UnreachableError(`${what}: ${words}`, { cause: error, unreachable: reason });
}

function _certificateDetail(chain: string): string {
  return chain.match(/[A-Z_]*CERT[A-Z_]*|invalid peer certificate: \w+/)?.[0] ?? "certificate";
}
