/**
 * The manifests that refer to a digest: the OCI 1.1 referrers API, or, where the registry has none
 * (404), the index the tag schema keeps under `<alg>-<hex>`; filtered by artifact type.
 */
import type { SignalOptions } from "../../core/content.ts";
import { parseDigest } from "../../core/digest.ts";
import { DEFAULT_DOCUMENT_LIMIT } from "../../core/documents.ts";
import { InvalidArgumentError, NotFoundError } from "../../core/errors.ts";
import type { Descriptor } from "../../core/types.ts";
import { readLimited } from "./_body.ts";
import { MANIFEST_ACCEPT } from "./_manifests.ts";
import type { Repository } from "./_repository.ts";

/** Options of {@link listReferrers}. */
export type ReferrersOptions = SignalOptions & { readonly artifactType?: string };

/** The descriptors of the manifests in `repo` that refer to `digest`. */
export async function listReferrers(
  repo: Repository,
  digest: string,
  own: ReferrersOptions = {},
): Promise<Descriptor[]> {
  const { client, name, repository, scope } = repo;
  const { algorithm, encoded } = parseDigest(digest);
  const signal = repo.signal(own.signal);
  const what = `Cannot list the referrers of ${repository}@${digest}`;
  const filter = (list: Descriptor[]) =>
    own.artifactType === undefined ? list : list.filter((d) => d.artifactType === own.artifactType);
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
  const index = (path: string, accept: string) =>
    client.request(
      { method: "GET", path, scope, what, signal, headers: { accept } },
      ({ response }) =>
        readLimited(response, DEFAULT_DOCUMENT_LIMIT, (found) => {
          throw new InvalidArgumentError(`${what}: an index of ${found} bytes is too large`);
        }),
    );
  try {
    return filter(
      parse(
        await index(
          `${name}/referrers/${digest}${query}`,
          "application/vnd.oci.image.index.v1+json",
        ),
      ),
    );
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  // No referrers API (404): the tag schema keeps an index under `<alg>-<hex>`.
  try {
    return filter(parse(await index(`${name}/manifests/${algorithm}-${encoded}`, MANIFEST_ACCEPT)));
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}
