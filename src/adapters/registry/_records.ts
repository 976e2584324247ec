/**
 * The repository's images: a name looked up in it, and the listing — the one image a tag or
 * digest names, or one record per tag, resolved a few at a time.
 */
import { pool } from "../../core/_pool.ts";
import type { ImageLister } from "../../core/content.ts";
import { NotFoundError } from "../../core/errors.ts";
import { parseNormalizedReference } from "../../core/normalize.ts";
import { formatReference, type Reference } from "../../core/reference.ts";
import type { ImageRecord } from "../../core/types.ts";
import { resolveReference } from "./_resolve.ts";
import type { Repository } from "./_repository.ts";
import { listTags } from "./_tags.ts";

/** The record of the image `ref` names. */
async function _record(repo: Repository, ref: Reference): Promise<ImageRecord> {
  const target = await resolveReference(repo, ref.digest ?? ref.tag ?? "latest");
  return { name: formatReference(ref), target, labels: {} };
}

/**
 * The images of `repo`, opened with `reference`: lookups of names in the repository, and a
 * listing that resolves `concurrency` tags at once.
 */
export function registryImages(
  repo: Repository,
  reference: Reference,
  concurrency: number,
): ImageLister {
  const { repository } = repo;
  return {
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
      return await _record(repo, named);
    },
    async list(): Promise<ImageRecord[]> {
      if (reference.tag !== undefined || reference.digest !== undefined) {
        const named = reference.digest !== undefined
          ? { domain: reference.domain, path: reference.path, digest: reference.digest }
          : reference;
        return [await _record(repo, named)];
      }
      const all = await listTags(repo);
      const slots = pool(concurrency);
      const records = await Promise.all(all.map((tag) =>
        slots.run(async () => {
          try {
            return await _record(repo, { domain: reference.domain, path: reference.path, tag });
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
}
