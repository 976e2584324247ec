/**
 * One repository on one registry client: what resolving, tag listing, content, records and
 * referrers share — the client, the repository's names, its token scope, the source's signal, and
 * the documents fetched by tag, kept for the read by digest that follows.
 */
import { DocumentCache } from "../../core/document_cache.ts";
import type { RegistryClient } from "./_client.ts";

/**
 * Bytes of documents fetched by tag that are kept (hundreds of manifests; a GET-resolve happens
 * where HEAD gives no digest, e.g. a browser the registry does not expose headers to).
 */
const _KEPT_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** A repository of a registry, as every request of the source sees it. */
export interface Repository {
  /** The client of the registry. */
  readonly client: RegistryClient;
  /** The path below `/v2/` (`team/app`). */
  readonly name: string;
  /** The repository with its registry (`127.0.0.1:5000/team/app`), for messages. */
  readonly repository: string;
  /** The token scope of every request: `repository:NAME:pull`. */
  readonly scope: string;
  /** Tags asked for per page (`?n=`), when set. */
  readonly pageSize?: number;
  /** The source's signal combined with a call's own. */
  signal(own?: AbortSignal): AbortSignal | undefined;
  /** Documents fetched by tag, by digest: verified on arrival, so reading them again is free. */
  readonly documents: DocumentCache;
}

/** The repository `name` of `repository` on `client`, its requests aborted by `signal` too. */
export function repositoryOn(
  client: RegistryClient,
  name: string,
  repository: string,
  options: { readonly signal?: AbortSignal; readonly pageSize?: number } = {},
): Repository {
  const source = options.signal;
  return {
    client,
    name,
    repository,
    scope: `repository:${name}:pull`,
    pageSize: options.pageSize,
    signal: (own) => !source ? own : !own ? source : AbortSignal.any([source, own]),
    documents: new DocumentCache({ maxBytes: _KEPT_DOCUMENT_BYTES }),
  };
}

/** Keeps a document fetched by tag, already hashed to `digest`. */
export function keepDocument(repository: Repository, digest: string, bytes: Uint8Array): void {
  void repository.documents.get(
    digest,
    () => Promise.resolve({ value: bytes, bytes: bytes.byteLength }),
  );
}

/** The kept document named `digest`, or `undefined`. */
export async function keptDocument(
  repository: Repository,
  digest: string,
): Promise<Uint8Array | undefined> {
  return await repository.documents.peek<Uint8Array>(digest);
}
