/**
 * A registry as a source, over the OCI distribution API with `fetch` handed in: names resolve to
 * descriptors, blobs are read by digest (whole or ranged), tags are listed with `Link` paging, and
 * referrers come from the referrers API or the tag-schema fallback. It runs the same on Deno, Bun,
 * Node and in browsers (given CORS), and never trusts what a header says a body is.
 *
 * @module
 */
import { type BlobStore, cachedContent } from "../core/cached_content.ts";
import {
  type ContentProvider,
  type ImageLister,
  type ImageSource,
  type ReadOptions,
  type SignalOptions,
  sliceRead,
} from "../core/content.ts";
import { digestOf, parseDigest, tryParseDigest } from "../core/digest.ts";
import { DEFAULT_DOCUMENT_LIMIT } from "../core/documents.ts";
import {
  DigestMismatchError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  UnsupportedError,
} from "../core/errors.ts";
import { formatReference, type Reference } from "../core/reference.ts";
import { parseNormalizedReference } from "../core/normalize.ts";
import type { BlobInfo, Descriptor, ImageRecord } from "../core/types.ts";
import type { Credentials } from "./registry/_auth.ts";
import { readLimited } from "./registry/_body.ts";
import { RegistryClient, type RetryOptions } from "./registry/_client.ts";
import { TooManyRequestsError } from "./registry/_errors.ts";
import { pool } from "../core/_pool.ts";
import {
  bareMediaType,
  isDocumentType,
  MANIFEST_ACCEPT,
  mediaTypeOf,
  refuseSchema1,
} from "./registry/_manifests.ts";
import { nextLink } from "./registry/_paging.ts";

export type { BlobStore, Credentials, RetryOptions };
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
  /** Verified blobs are kept here and read from here first (see `cachedContent`). */
  readonly cache?: BlobStore;
  /** Receives failures of the cache (reads go on without it). */
  readonly onCacheError?: (error: unknown) => void;
  /** How failed requests are retried (429, 5xx and network errors). */
  readonly retry?: RetryOptions;
  /** Tags asked for per page (`?n=`); default: the registry's own page size. */
  readonly pageSize?: number;
  /** The clock for token lifetimes, in milliseconds (default `Date.now`). */
  readonly now?: () => number;
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

const _DOC_CACHE_ENTRIES = 128;

/** The host to talk to for a reference's domain (Docker Hub's API lives on another name). */
function _apiHost(domain: string): string {
  return domain === "docker.io" || domain === "index.docker.io" ? "registry-1.docker.io" : domain;
}

function _anySignal(
  a: AbortSignal | undefined,
  b: AbortSignal | undefined,
): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}

/**
 * Opens a registry repository as a source. `reference` names a repository
 * (`127.0.0.1:5000/team/app`, `nginx`), a tag or a digest. Opened with a tag or digest, the
 * source lists that one image; opened without, it lists one record per tag, so
 * `ImageStore.sync()` gives the view of a node that pulled every tag. Nothing is fetched until
 * asked for, and every byte the core sees is verified against its digest and size.
 *
 * @param reference A repository, tag or digest reference (normalized the Docker way).
 * @param options Fetch, credentials, transport, limits, callbacks and a cache.
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
  });
  const name = reference.path;
  const scope = `repository:${name}:pull`;
  const signalOf = (own?: AbortSignal) => _anySignal(options.signal, own);
  const concurrency = options.concurrency ?? 8;

  // Documents fetched by tag (GET-resolve) are hashed on arrival and kept, so the read by digest
  // that follows costs nothing.
  const documents = new Map<string, Uint8Array>();
  const keepDocument = (digest: string, bytes: Uint8Array) => {
    documents.delete(digest);
    documents.set(digest, bytes);
    if (documents.size > _DOC_CACHE_ENTRIES) documents.delete(documents.keys().next().value!);
  };

  const resolve = async (ref: string, own?: SignalOptions): Promise<Descriptor> => {
    const signal = signalOf(own?.signal);
    const byDigest = tryParseDigest(ref) !== undefined;
    const what = `Cannot resolve "${repository}${byDigest ? "@" : ":"}${ref}"`;
    const path = `${name}/manifests/${ref}`;
    const headers = { accept: MANIFEST_ACCEPT };
    const subject = { repository, ref };
    let head: Headers;
    try {
      head = await client.request(
        { method: "HEAD", path, scope, headers, what, signal, subject },
        ({ response }) => Promise.resolve(response.headers),
      );
    } catch (error) {
      // A registry that answers HEAD badly (405, a 5xx after retries) may still answer GET; a
      // HEAD 404 has no body, and GET's says whether the tag or the repository is missing.
      const bodiless = error instanceof NotFoundError && error.registryCode === undefined;
      if (
        !bodiless &&
        (!(error instanceof UnavailableError) || error instanceof TooManyRequestsError)
      ) {
        throw error;
      }
      head = new Headers();
    }
    const mediaType = bareMediaType(head.get("content-type"));
    refuseSchema1(mediaType, undefined, what);
    const digest = byDigest ? ref : head.get("docker-content-digest") ?? "";
    const size = Number(head.get("content-length") ?? "NaN");
    if (
      tryParseDigest(digest) !== undefined && isDocumentType(mediaType) &&
      Number.isSafeInteger(size) && size > 0
    ) {
      return { mediaType, digest, size };
    }
    // The digest header is missing (a browser without Access-Control-Expose-Headers) or the
    // answer is unusable: fetch the document and name it by its own hash.
    const body = await client.request(
      { method: "GET", path, scope, headers, what, signal, subject },
      ({ response }) =>
        readLimited(response, DEFAULT_DOCUMENT_LIMIT, (found) => {
          throw new InvalidArgumentError(
            `${what}: expected a manifest of at most ${DEFAULT_DOCUMENT_LIMIT} bytes, found ${found}`,
          );
        }).then((bytes) => ({ bytes, type: bareMediaType(response.headers.get("content-type")) })),
    );
    refuseSchema1(body.type, body.bytes, what);
    const type = isDocumentType(body.type) ? body.type : mediaTypeOf(body.bytes) ?? body.type;
    if (!isDocumentType(type)) {
      throw new UnsupportedError(`${what}: expected a manifest or an index, found "${type}"`);
    }
    const algorithm = byDigest ? parseDigest(ref).algorithm : "sha256";
    const actual = await digestOf(body.bytes, algorithm);
    if (byDigest && actual !== ref) {
      throw new DigestMismatchError(`${what}: expected content with that digest, found ${actual}`, {
        expected: ref,
        actual,
      });
    }
    keepDocument(actual, body.bytes);
    return { mediaType: type, digest: actual, size: body.bytes.byteLength };
  };

  const record = async (ref: Reference, own?: SignalOptions): Promise<ImageRecord> => {
    const target = await resolve(ref.digest ?? ref.tag ?? "latest", own);
    return { name: formatReference(ref), target, labels: {} };
  };

  const tags = async (own?: SignalOptions): Promise<string[]> => {
    const signal = signalOf(own?.signal);
    const what = `Cannot list the tags of ${repository}`;
    const seen = new Set<string>();
    const first = `${name}/tags/list${options.pageSize ? `?n=${options.pageSize}` : ""}`;
    let page: string | undefined = client.url(first);
    const visited = new Set<string>();
    while (page !== undefined) {
      if (visited.has(page)) throw new InvalidArgumentError(`${what}: Link pages loop at ${page}`);
      visited.add(page);
      const { list, next, hidden }: { list: string[]; next?: string; hidden: boolean } =
        await client
          .request(
            {
              method: "GET",
              path: page,
              scope,
              what,
              signal,
              headers: { accept: "application/json" },
              subject: { repository },
            },
            async ({ response, url }) => {
              const bytes = await readLimited(response, DEFAULT_DOCUMENT_LIMIT, (found) => {
                throw new InvalidArgumentError(`${what}: a page of ${found} bytes is too large`);
              });
              let json: { tags?: unknown };
              try {
                json = JSON.parse(new TextDecoder().decode(bytes));
              } catch {
                throw new InvalidArgumentError(`${what}: expected JSON from ${url}`);
              }
              const list = json?.tags ?? [];
              if (!Array.isArray(list) || list.some((t) => typeof t !== "string")) {
                throw new InvalidArgumentError(`${what}: expected "tags" to be a list of strings`);
              }
              return {
                list: list as string[],
                next: nextLink(response.headers.get("link"), url),
                hidden: response.type === "cors",
              };
            },
          );
      const before = seen.size;
      for (const tag of list) seen.add(tag);
      if (next !== undefined) {
        page = next;
      } else if (hidden && list.length > 0 && seen.size > before) {
        if (options.pageSize && list.length < options.pageSize) break;
        // A browser cannot see Link unless the registry exposes it: ask for what follows the
        // last tag (`?last=`), and stop when a page brings nothing new.
        const url = new URL(client.url(`${name}/tags/list`));
        if (options.pageSize) url.searchParams.set("n", String(options.pageSize));
        url.searchParams.set("last", list[list.length - 1]);
        page = url.href;
      } else {
        page = undefined;
      }
    }
    return [...seen];
  };

  const content = {
    async info(digest: string, own?: SignalOptions): Promise<BlobInfo> {
      parseDigest(digest);
      const kept = documents.get(digest);
      if (kept) return { digest, size: kept.byteLength };
      const signal = signalOf(own?.signal);
      const what = `Cannot find blob ${digest} in ${repository}`;
      const sizeOf = (kind: string) =>
        client.request(
          {
            method: "HEAD",
            path: `${name}/${kind}/${digest}`,
            scope,
            what,
            signal,
            headers: kind === "manifests" ? { accept: MANIFEST_ACCEPT } : {},
          },
          ({ response }) =>
            Promise.resolve(Number(response.headers.get("content-length") ?? "NaN")),
        );
      let size: number;
      try {
        size = await sizeOf("blobs");
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        size = await sizeOf("manifests");
      }
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new UnsupportedError(`${what}: the registry did not say its size (Content-Length)`);
      }
      return { digest, size };
    },

    async read(descriptor: Descriptor, readOptions: ReadOptions = {}): Promise<Uint8Array> {
      const { offset, length } = readOptions;
      const signal = signalOf(readOptions.signal);
      const digest = descriptor.digest;
      parseDigest(digest);
      const ranged = offset !== undefined || length !== undefined;
      const start = offset ?? 0;
      const kept = documents.get(digest);
      if (kept) return sliceRead(kept, readOptions);
      const document = isDocumentType(descriptor.mediaType);
      const what = `Cannot read ${document ? "manifest" : "blob"} ${digest} from ${repository}`;
      const size = descriptor.size;
      // The most a well-behaved answer can hold; anything longer is cut off and reported.
      const limit = ranged ? (length ?? Math.max(0, size - start)) : size;
      const headers: Record<string, string> = document ? { accept: MANIFEST_ACCEPT } : {};
      if (ranged && !document) {
        if (limit === 0) return new Uint8Array(0);
        headers.range = `bytes=${start}-${start + limit - 1}`;
      }
      const tooLong = (found: number): never => {
        throw new DigestMismatchError(
          `${what}: expected ${limit} bytes, found ${found} or more`,
          { expected: String(limit), actual: String(found) },
        );
      };
      const bytes = await client.request(
        {
          method: "GET",
          path: `${name}/${document ? "manifests" : "blobs"}/${digest}`,
          scope,
          headers,
          what,
          signal,
          accept: headers.range ? [200, 206] : [200],
        },
        async ({ response }) => {
          if (response.status === 206) return await readLimited(response, limit, tooLong);
          // A whole answer (no range, or a range the server ignored) may hold the whole blob.
          const whole = await readLimited(response, size, (found) => {
            throw new DigestMismatchError(
              `${what}: expected ${size} bytes, found ${found} or more`,
              { expected: String(size), actual: String(found) },
            );
          });
          return ranged && !document ? whole.slice(start, start + limit) : whole;
        },
      );
      if (document && ranged) return sliceRead(bytes, readOptions);
      return bytes;
    },

    async stream(
      descriptor: Descriptor,
      own?: SignalOptions,
    ): Promise<ReadableStream<Uint8Array>> {
      const kept = documents.get(descriptor.digest);
      if (kept || isDocumentType(descriptor.mediaType)) {
        const bytes = kept ?? await content.read(descriptor, own);
        return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
      }
      const signal = signalOf(own?.signal);
      const what = `Cannot read blob ${descriptor.digest} from ${repository}`;
      const answer = await client.send({
        method: "GET",
        path: `${name}/blobs/${descriptor.digest}`,
        scope,
        what,
        signal,
      });
      const body = answer.response.body;
      if (!body) {
        answer.release();
        return new Blob([]).stream();
      }
      let total = 0;
      const size = descriptor.size;
      const reader = body.getReader();
      // The slot is held until the body ends, fails or is cancelled; bytes past the size are an
      // error (the core's readBlobStream checks the digest at the end).
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const { done, value } = await reader.read();
            if (done) {
              answer.release();
              controller.close();
              return;
            }
            total += value.byteLength;
            if (total > size) {
              answer.release();
              await reader.cancel().catch(() => {});
              controller.error(
                new DigestMismatchError(`${what}: expected ${size} bytes, found more`, {
                  expected: String(size),
                  actual: String(total),
                }),
              );
              return;
            }
            controller.enqueue(value);
          } catch (error) {
            answer.release();
            controller.error(
              signal?.aborted ? signal.reason : new UnavailableError(
                `${what}: the connection failed while reading the blob: ${
                  (error as Error).message
                }`,
                { cause: error },
              ),
            );
          }
        },
        async cancel(reason) {
          answer.release();
          await reader.cancel(reason).catch(() => {});
        },
      });
    },
  } satisfies ContentProvider;

  const images = {
    async get(imageName: string): Promise<ImageRecord> {
      let ref: Reference;
      try {
        ref = parseNormalizedReference(imageName);
      } catch (error) {
        throw new NotFoundError(
          `Cannot find image "${imageName}" in ${repository}: not a reference`,
          {
            cause: error,
          },
        );
      }
      if (ref.domain !== reference.domain || ref.path !== reference.path) {
        throw new NotFoundError(
          `Cannot find image "${imageName}": expected a reference in ${repository}`,
        );
      }
      const named = ref.digest !== undefined
        ? { domain: ref.domain, path: ref.path, digest: ref.digest }
        : { domain: ref.domain, path: ref.path, tag: ref.tag ?? "latest" };
      return await record(named);
    },
    async list(): Promise<ImageRecord[]> {
      if (reference.tag !== undefined || reference.digest !== undefined) {
        const named = reference.digest !== undefined
          ? { domain: reference.domain, path: reference.path, digest: reference.digest }
          : reference;
        return [await record(named)];
      }
      const all = await tags();
      const slots = pool(concurrency);
      const records = await Promise.all(all.map((tag) =>
        slots.run(async () => {
          try {
            return await record({ domain: reference.domain, path: reference.path, tag });
          } catch (error) {
            // A tag deleted between the listing and its lookup is simply gone.
            if (error instanceof NotFoundError) return undefined;
            throw error;
          }
        })
      ));
      return records.filter((r): r is ImageRecord => r !== undefined);
    },
  } satisfies ImageLister;

  const referrers = async (
    digest: string,
    own: SignalOptions & { readonly artifactType?: string } = {},
  ): Promise<Descriptor[]> => {
    const { algorithm, encoded } = parseDigest(digest);
    const signal = signalOf(own.signal);
    const what = `Cannot list the referrers of ${repository}@${digest}`;
    const filter = (list: Descriptor[]) =>
      own.artifactType === undefined
        ? list
        : list.filter((d) => d.artifactType === own.artifactType);
    const parse = (bytes: Uint8Array): Descriptor[] => {
      try {
        const manifests = JSON.parse(new TextDecoder().decode(bytes))?.manifests ?? [];
        if (Array.isArray(manifests)) return manifests as Descriptor[];
      } catch {
        // Reported below.
      }
      throw new InvalidArgumentError(`${what}: expected an index`);
    };
    const query = own.artifactType === undefined
      ? ""
      : `?artifactType=${encodeURIComponent(own.artifactType)}`;
    const read = (response: Response) =>
      readLimited(response, DEFAULT_DOCUMENT_LIMIT, (found) => {
        throw new InvalidArgumentError(`${what}: an index of ${found} bytes is too large`);
      });
    try {
      return filter(parse(
        await client.request(
          {
            method: "GET",
            path: `${name}/referrers/${digest}${query}`,
            scope,
            what,
            signal,
            headers: { accept: "application/vnd.oci.image.index.v1+json" },
          },
          ({ response }) => read(response),
        ),
      ));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    // No referrers API (404): the tag schema keeps an index under `<alg>-<hex>`.
    try {
      return filter(parse(
        await client.request(
          {
            method: "GET",
            path: `${name}/manifests/${algorithm}-${encoded}`,
            scope,
            what,
            signal,
            headers: { accept: MANIFEST_ACCEPT },
          },
          ({ response }) => read(response),
        ),
      ));
    } catch (error) {
      if (error instanceof NotFoundError) return [];
      throw error;
    }
  };

  const cached = options.cache
    ? cachedContent(content, options.cache, { onError: options.onCacheError })
    : content;
  return {
    repository,
    reference,
    content: cached,
    images,
    tags,
    resolve,
    referrers,
    base: new URL(base.href),
    get requests() {
      return client.requests;
    },
  };
}
