/**
 * Resolving a tag or digest to a descriptor: HEAD first, GET when HEAD gives no usable digest (the
 * document fetched then is hashed, named by its own digest and kept for the read that follows).
 */
import { digestOf, parseDigest, tryParseDigest } from "../../core/digest.ts";
import { DEFAULT_DOCUMENT_LIMIT } from "../../core/documents.ts";
import {
  DigestMismatchError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  UnsupportedError,
} from "../../core/errors.ts";
import type { SignalOptions } from "../../core/content.ts";
import type { Descriptor } from "../../core/types.ts";
import { readLimited } from "./_body.ts";
import { TooManyRequestsError } from "./_errors.ts";
import {
  bareMediaType,
  isDocumentType,
  MANIFEST_ACCEPT,
  mediaTypeOf,
  refuseSchema1,
} from "./_manifests.ts";
import { keepDocument, type Repository } from "./_repository.ts";

/** The descriptor `ref` (a tag or a digest) names in `repo`. */
export async function resolveReference(
  repo: Repository,
  ref: string,
  own?: SignalOptions,
): Promise<Descriptor> {
  const { client, repository, scope } = repo;
  const signal = repo.signal(own?.signal);
  const byDigest = tryParseDigest(ref) !== undefined;
  const what = `Cannot resolve "${repository}${byDigest ? "@" : ":"}${ref}"`;
  const path = `${repo.name}/manifests/${ref}`;
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
  keepDocument(repo, actual, body.bytes);
  return { mediaType: type, digest: actual, size: body.bytes.byteLength };
}
