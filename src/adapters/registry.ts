/**
 * A registry as a source, over the OCI distribution API with `fetch` handed in: names resolve to
 * descriptors, blobs are read by digest (whole or ranged), tags are listed with `Link` paging, and
 * referrers come from the referrers API or the tag-schema fallback. It runs the same on Deno, Bun,
 * Node and in browsers (given CORS), and never trusts what a header says a body is.
 *
 * @module
 */
import { type BlobStore, cachedContent } from "../core/cached_content.ts";
import type { ImageSource, SignalOptions } from "../core/content.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { formatReference, type Reference } from "../core/reference.ts";
import { parseNormalizedReference } from "../core/normalize.ts";
import type { Descriptor } from "../core/types.ts";
import type { Credentials } from "./registry/_auth.ts";
import {
  type FetchFailureExplainer,
  RegistryClient,
  type RetryOptions,
} from "./registry/_client.ts";
import { registryContent } from "./registry/_content.ts";
import { registryImages } from "./registry/_records.ts";
import { listReferrers } from "./registry/_referrers.ts";
import { repositoryOn } from "./registry/_repository.ts";
import { resolveReference } from "./registry/_resolve.ts";
import { listTags } from "./registry/_tags.ts";

export type { BlobStore, Credentials, FetchFailureExplainer, RetryOptions };
export { TooManyRequestsError } from "./registry/_errors.ts";

/** Options of {@link openRegistry}. */
export interface RegistryOptions {
  /** The fetch to use (default: the global `fetch`). */
  readonly fetch?: typeof fetch;
  /** A user name and password: basic auth, or sent to the token realm for a bearer token. */
  readonly credentials?: Credentials;
  /** A bearer token sent with every request (no exchange). */
  readonly token?: string;
  /** Speak plain HTTP (a loopback or an explicitly insecure registry); default https. */
  readonly plainHttp?: boolean;
  /** Aborts every request of the source (combined with each call's own signal). */
  readonly signal?: AbortSignal;
  /** Requests in flight at most (default 8); also how many tags are resolved at once. */
  readonly concurrency?: number;
  /** Receives each distinct `Warning` header text the registry sends, once. */
  readonly onWarning?: (message: string) => void;
  /**
   * Verified blobs are kept here and read from here first.
   *
   * @deprecated Put the store in front of the source's content instead, the way every source
   * gets a blob cache: `cachedContent(source.content, store, { onError })`.
   */
  readonly cache?: BlobStore;
  /**
   * Receives failures of the cache (reads go on without it).
   *
   * @deprecated With `cache`: `cachedContent`'s `onError`.
   */
  readonly onCacheError?: (error: unknown) => void;
  /** How failed requests are retried (429, 5xx and network errors). */
  readonly retry?: RetryOptions;
  /** Tags asked for per page (`?n=`); default: the registry's own page size. */
  readonly pageSize?: number;
  /** The clock for token lifetimes, in milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /**
   * Names the cause when a `fetch` rejects before any answer (refused, unresolved, plain HTTP,
   * TLS); `explainFetchFailure` from `ocistore/runtime` does it for Deno, Bun and Node. Without
   * one the error repeats the runtime's message.
   */
  readonly explainFetchFailure?: FetchFailureExplainer;
}

/** A registry repository opened as a source. */
export interface RegistrySource extends ImageSource {
  /** The repository, `domain/path` (`docker.io/library/nginx`). */
  readonly repository: string;
  /** The reference it was opened with, normalized. */
  readonly reference: Reference;
  /** Every tag of the repository, following `Link` pages, in the registry's order. */
  tags(options?: SignalOptions): Promise<string[]>;
  /** The descriptor a tag or digest names: HEAD first, GET when HEAD gives no usable digest. */
  resolve(tagOrDigest: string, options?: SignalOptions): Promise<Descriptor>;
  /** The manifests that refer to `digest` (OCI 1.1 referrers API, or the `sha256-…` tag). */
  referrers(
    digest: string,
    options?: SignalOptions & { readonly artifactType?: string },
  ): Promise<Descriptor[]>;
  /** Requests sent so far (token requests included). */
  readonly requests: number;
  /** Where the requests go: the API's origin (`https://registry-1.docker.io` for Docker Hub). */
  readonly base: URL;
}

/** The host to talk to for a reference's domain (Docker Hub's API lives on another name). */
function _apiHost(domain: string): string {
  return domain === "docker.io" || domain === "index.docker.io" ? "registry-1.docker.io" : domain;
}

/**
 * Opens a registry repository as a source. `reference` names a repository
 * (`127.0.0.1:5000/team/app`, `nginx`), a tag or a digest. Opened with a tag or digest, the
 * source lists that one image; opened without, it lists one record per tag, so
 * `ImageStore.sync()` gives the view of a node that pulled every tag. Nothing is fetched until
 * asked for, and every byte the core sees is verified against its digest and size.
 *
 * @param reference A repository, tag or digest reference (normalized the Docker way).
 * @param options Fetch, credentials, transport, limits and callbacks (a blob cache goes in front
 *   of the source's `content`: `cachedContent(source.content, store)`).
 * @returns The source.
 * @throws {InvalidArgumentError} When the reference does not parse or names no repository.
 * @example Over any `fetch`: here a tiny in-process registry
 * ```ts
 * import { openRegistry } from "@ocistore/ocistore/registry";
 * import { digestOf } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const manifest = JSON.stringify({ schemaVersion: 2, config: {}, layers: [] });
 * const digest = await digestOf(manifest);
 * const fetch = (input: RequestInfo | URL) => {
 *   const path = new URL(String(input)).pathname;
 *   if (path === "/v2/team/app/tags/list") {
 *     return Promise.resolve(Response.json({ name: "team/app", tags: ["1.0"] }));
 *   }
 *   return Promise.resolve(new Response(manifest, {
 *     headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
 *   }));
 * };
 * const source = await openRegistry("registry.example/team/app", { fetch });
 * assertEquals(await source.tags(), ["1.0"]);
 * const [record] = await source.images.list();
 * assertEquals([record.name, record.target.digest], ["registry.example/team/app:1.0", digest]);
 * ```
 */
export function openRegistry(
  reference: string,
  options: RegistryOptions = {},
): Promise<RegistrySource> {
  return Promise.resolve().then(() => _open(reference, options));
}

function _open(text: string, options: RegistryOptions): RegistrySource {
  const reference = parseNormalizedReference(text);
  if (!reference.path) {
    throw new InvalidArgumentError(`Cannot open registry "${text}": expected a repository name`);
  }
  const repository = formatReference({ domain: reference.domain, path: reference.path });
  const base = new URL(`${options.plainHttp ? "http" : "https"}://${_apiHost(reference.domain)}`);
  const client = new RegistryClient({
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    base,
    credentials: options.credentials,
    token: options.token,
    concurrency: options.concurrency,
    onWarning: options.onWarning,
    retry: options.retry,
    now: options.now,
    explainFetchFailure: options.explainFetchFailure,
  });
  const repo = repositoryOn(client, reference.path, repository, options);
  const content = registryContent(repo);
  return {
    repository,
    reference,
    content: options.cache
      ? cachedContent(content, options.cache, { onError: options.onCacheError })
      : content,
    images: registryImages(repo, reference, options.concurrency ?? 8),
    tags: (own) => listTags(repo, own),
    resolve: (ref, own) => resolveReference(repo, ref, own),
    referrers: (digest, own) => listReferrers(repo, digest, own),
    base: new URL(base.href),
    get requests() {
      return client.requests;
    },
  };
}
