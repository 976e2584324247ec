/**
 * The HTTP side of the registry source: one registry origin, fetch handed in, authorization,
 * redirects followed by `_redirects.ts`, bounded retries honouring `Retry-After`, `Warning`
 * headers, typed errors and a limit on requests in flight.
 */
import { OciStoreError, UnavailableError } from "../../core/errors.ts";
import { type Credentials, RegistryAuth } from "./_auth.ts";
import { discard, readLimited } from "./_body.ts";
import { followRedirects } from "./_redirects.ts";
import {
  errorForStatus,
  type RegistrySubject,
  retryAfterSeconds,
  TooManyRequestsError,
} from "./_errors.ts";
import { type Pool, pool } from "../../core/_pool.ts";

/** How failed requests are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  readonly retries?: number;
  /** First backoff delay in milliseconds, doubled each time (default 200). */
  readonly baseDelay?: number;
  /** The longest wait, backoff or `Retry-After`, in milliseconds (default 10 000): a registry asking for longer gets an error at once. */
  readonly maxDelay?: number;
}

/** Options of {@link RegistryClient}. */
export interface ClientOptions {
  /** The fetch to use. */
  readonly fetch: typeof fetch;
  /** `https://host[:port]` or `http://…` for a plain-HTTP registry. */
  readonly base: URL;
  /** Basic credentials. */
  readonly credentials?: Credentials;
  /** A static bearer token. */
  readonly token?: string;
  /** Requests in flight at most (default 8). */
  readonly concurrency?: number;
  /** Receives each distinct `Warning` header text once. */
  readonly onWarning?: (message: string) => void;
  /** Retry policy. */
  readonly retry?: RetryOptions;
  /** The clock for token lifetimes. */
  readonly now?: () => number;
  /** Names why a fetch rejected before any answer; the default repeats the runtime's message. */
  readonly explainFetchFailure?: FetchFailureExplainer;
}

/**
 * The error for a request whose `fetch` rejected: `what` starts the message, `url` was asked.
 * Handed in because what a failed fetch carries (codes, causes) is the host's: a page learns
 * nothing beyond "Failed to fetch", so the words live where the runtime is known.
 */
export type FetchFailureExplainer = (what: string, url: string, error: unknown) => Error;

function _fetchFailed(what: string, _url: string, error: unknown): Error {
  return new UnavailableError(`${what}: ${(error as Error).message}`, { cause: error });
}

/** One request to the registry. */
export interface RegistryRequest {
  /** `GET` or `HEAD`. */
  readonly method: "GET" | "HEAD";
  /** A path below `/v2/`, or an absolute URL on the registry (a `Link` page). */
  readonly path: string;
  /** The scope its token needs, e.g. `repository:team/app:pull`. */
  readonly scope: string;
  /** Extra request headers (`Accept`, `Range`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Starts error messages: `Cannot read manifest "1.0" of 127.0.0.1:5000/app`. */
  readonly what: string;
  /** Aborts the request, its retries and its body. */
  readonly signal?: AbortSignal;
  /** Statuses that are answers (default 200 only; 206 is added for ranged requests). */
  readonly accept?: readonly number[];
  /** What is asked for, so a not-found answer can say what is missing. */
  readonly subject?: RegistrySubject;
}

/** An answered request; call `release` once the body is consumed or discarded. */
export interface Answer {
  /** The response, its body unread. */
  readonly response: Response;
  /** The final URL after redirects. */
  readonly url: string;
  /** Frees the concurrency slot. */
  readonly release: () => void;
}

const _RETRIABLE = new Set([429, 500, 502, 503, 504]);
const _MAX_ERROR_BODY = 64 * 1024;

/** `Retry-After` in milliseconds (delta-seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The texts of a `Warning` header (`299 - "text"`, several joined by commas). */
export function warningTexts(header: string | null): string[] {
  if (!header) return [];
  return [...header.matchAll(/\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g)].map((m) =>
    m[1].replace(/\\(.)/g, "$1")
  );
}

/** The HTTP client of one registry. */
export class RegistryClient {
  readonly #options: ClientOptions;
  readonly #limit: Pool;
  readonly #auth: RegistryAuth;
  readonly #warned = new Set<string>();
  /** Requests sent (token requests included), for callers that count (benchmarks, progress). */
  requests = 0;

  /**
   * Creates the client.
   *
   * @param options The fetch, base URL, credentials, limits and callbacks.
   */
  constructor(options: ClientOptions) {
    this.#options = options;
    this.#limit = pool(options.concurrency ?? 8);
    this.#auth = new RegistryAuth({
      registry: options.base,
      credentials: options.credentials,
      token: options.token,
      now: options.now,
      send: async (url, headers, signal) => {
        const release = await this.#limit.acquire(signal);
        try {
          this.requests++;
          const response = await followRedirects(
            this.#options.fetch,
            url,
            "GET",
            headers,
            signal,
            new URL(url).origin,
          );
          const body = await readLimited(response.response, 1 << 20, (found) => {
            throw new UnavailableError(`Cannot read token answer: ${found} bytes is too long`);
          });
          return new Response(body.byteLength === 0 ? null : body as Uint8Array<ArrayBuffer>, {
            status: response.response.status,
            headers: response.response.headers,
          });
        } finally {
          release();
        }
      },
    });
  }

  /** The registry's base URL. */
  get base(): URL {
    return this.#options.base;
  }

  /** The absolute URL of a `/v2/` path. */
  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : new URL(`/v2/${path}`, this.#options.base).href;
  }

  /**
   * Sends a request: authorizes it, follows redirects, retries what may pass, and resolves with
   * an accepted answer (its slot held until `release`) or rejects with a typed error.
   */
  async send(request: RegistryRequest): Promise<Answer> {
    const { signal } = request;
    const retry = this.#options.retry ?? {};
    const retries = retry.retries ?? 3;
    const baseDelay = retry.baseDelay ?? 200;
    const maxDelay = retry.maxDelay ?? 10_000;
    const accepted = new Set(request.accept ?? [200]);
    const url = this.url(request.path);
    if (new URL(url).origin !== this.#options.base.origin) {
      throw new UnavailableError(
        `${request.what}: refusing ${url}, which is not on ${this.#options.base.origin}`,
      );
    }
    let attempt = 0;
    let reauthorized = false;
    for (;;) {
      signal?.throwIfAborted();
      const headers: Record<string, string> = { ...request.headers };
      const authorization = await this.#auth.header(request.scope, signal);
      if (authorization !== undefined) headers.authorization = authorization;
      const release = await this.#limit.acquire(signal);
      let answer: { response: Response; url: string };
      try {
        this.requests++;
        answer = await followRedirects(
          this.#options.fetch,
          url,
          request.method,
          headers,
          signal,
          this.#options.base.origin,
        );
      } catch (error) {
        release();
        if (signal?.aborted) throw signal.reason;
        if (error instanceof OciStoreError) throw error;
        if (attempt < retries) {
          await _sleep(Math.min(maxDelay, baseDelay * 2 ** attempt++), signal);
          continue;
        }
        throw (this.#options.explainFetchFailure ?? _fetchFailed)(request.what, url, error);
      }
      const { response } = answer;
      this.#warn(response);
      if (accepted.has(response.status)) return { ...answer, release };
      const status = response.status;
      if (status === 401 && !reauthorized) {
        await discard(response);
        release();
        this.#auth.challenged(response, request.scope, request.what);
        reauthorized = true;
        continue;
      }
      const body = request.method === "HEAD" ? "" : await this.#errorBody(response);
      release();
      const wait = retryAfterMs(response.headers.get("retry-after"));
      if (_RETRIABLE.has(status) && attempt < retries && (wait ?? 0) <= maxDelay) {
        const backoff = Math.min(maxDelay, baseDelay * 2 ** attempt++);
        await _sleep(wait ?? backoff, signal);
        continue;
      }
      const error = errorForStatus(request.what, status, body, wait, request.subject);
      if (status === 429 && !(error instanceof TooManyRequestsError)) {
        throw new TooManyRequestsError(error.message, retryAfterSeconds(wait));
      }
      throw error;
    }
  }

  /**
   * Sends a request and hands its answer to `consume` while the slot is held; the body is
   * discarded if `consume` leaves it.
   */
  async request<T>(request: RegistryRequest, consume: (answer: Answer) => Promise<T>): Promise<T> {
    const retries = this.#options.retry?.retries ?? 3;
    for (let attempt = 0;; attempt++) {
      const answer = await this.send(request);
      try {
        return await consume(answer);
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof OciStoreError) throw error;
        // The connection broke mid-body: the request is idempotent, so it is sent again.
        if (attempt < retries) continue;
        // `status`: the registry did answer (a browser page must not read this as CORS).
        throw new UnavailableError(
          `${request.what}: the connection failed while reading the answer: ${
            (error as Error).message
          }`,
          { cause: error, status: answer.response.status },
        );
      } finally {
        if (!answer.response.bodyUsed) await discard(answer.response);
        answer.release();
      }
    }
  }

  #warn(response: Response): void {
    for (const text of warningTexts(response.headers.get("warning"))) {
      if (this.#warned.has(text)) continue;
      this.#warned.add(text);
      this.#options.onWarning?.(text);
    }
  }

  async #errorBody(response: Response): Promise<string> {
    try {
      const bytes = await readLimited(response, _MAX_ERROR_BODY, () => {
        throw new Error("too long");
      });
      return new TextDecoder().decode(bytes);
    } catch {
      return "";
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function _sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
