/** Shared by inspect, resolve and platforms: sync the store, then find IMAGE or say why not. */
import type { ImageRecord } from "../../core/content.ts";
import { AmbiguousDigestError, NotFoundError } from "../../core/errors.ts";
import type { ImageStore, SyncResult } from "../../core/image_store.ts";
import type { CommandContext, OpenedStore } from "../context.ts";
import {
  localResolve,
  printedName,
  referenceCandidates,
  type ResolvedImage,
} from "../local_resolve.ts";

/** How many matching IDs an ambiguous prefix lists. */
const _SHOWN = 10;

/** Syncs the store, showing progress on a terminal. */
export async function syncStore(ctx: CommandContext, store: ImageStore): Promise<SyncResult> {
  let loaded = 0;
  const unsubscribe = store.onChange(() => ctx.progress(`reading images: ${++loaded}`));
  try {
    return await store.sync();
  } finally {
    unsubscribe();
    ctx.progress(undefined);
  }
}

/** Opens `SOURCE IMAGE` operands (checked against the usage before the command ran), syncs, and resolves IMAGE. */
export async function findImage(
  ctx: CommandContext,
): Promise<{ opened: OpenedStore; found: ResolvedImage }> {
  const [sourceText, wanted] = ctx.operands;
  const opened = await ctx.open(sourceText);
  return { opened, found: await findInStore(ctx, opened, wanted) };
}

/** Syncs the opened store and resolves `wanted` as containerd's CRI `LocalResolve` does. */
export async function findInStore(
  ctx: CommandContext,
  opened: OpenedStore,
  wanted: string,
): Promise<ResolvedImage> {
  const result = await syncStore(ctx, opened.store);
  try {
    return localResolve(opened.store, wanted);
  } catch (error) {
    if (error instanceof AmbiguousDigestError) throw _withCandidates(error, opened.store, wanted);
    if (!(error instanceof NotFoundError)) throw error;
    // The reference exists but its image could not be read: that, not "not found", is the news.
    const failure = _failureFor(result, wanted);
    if (failure) throw failure;
    throw new NotFoundError(
      `Cannot find image "${wanted}": no reference, image ID or ID prefix matches it`,
      { cause: error },
    );
  }
}

/**
 * The source's record of a found image: the one its reference names, or its first reference's.
 * The store may spell a name in its printed form (`docker.io/library/import-DATE:TAG`, as
 * containerd's reference sort prints the names of an image with several) where the source keeps
 * it as written (`import-DATE:TAG`); the record is then the one whose name prints the same.
 */
export async function foundRecord(opened: OpenedStore, found: ResolvedImage): Promise<ImageRecord> {
  const name = found.reference ?? found.image.references[0];
  try {
    return await opened.source.images.get(name);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const printed = printedName(name);
    const record = printed === undefined
      ? undefined
      : (await opened.source.images.list()).find((r) => printedName(r.name) === printed);
    if (record === undefined) throw error;
    return record;
  }
}

/** The ambiguity error again, naming the first matching IDs so the user can pick one. */
function _withCandidates(
  error: AmbiguousDigestError,
  store: ImageStore,
  prefix: string,
): AmbiguousDigestError {
  const hex = prefix.replace(/^sha256:/, "");
  const ids = store.list().map((image) => image.id.replace(/^sha256:/, ""))
    .filter((id) => id.startsWith(hex)).sort();
  if (ids.length === 0) return error;
  const shown = ids.slice(0, _SHOWN).join(", ");
  const more = ids.length > _SHOWN ? `, and ${ids.length - _SHOWN} more` : "";
  return new AmbiguousDigestError(`${error.message}: ${shown}${more}`, {
    cause: error,
    matches: error.matches,
  });
}

function _failureFor(result: SyncResult, wanted: string): Error | undefined {
  const names = referenceCandidates(wanted);
  return result.failures.find((f) => names.includes(f.reference))?.error;
}
