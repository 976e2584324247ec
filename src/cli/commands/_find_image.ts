/** Shared by inspect, resolve and platforms: sync the store, then find IMAGE or say why not. */
import { NotFoundError } from "../../core/errors.ts";
import type { SyncResult } from "../../core/image_store.ts";
import { parseDockerRef } from "../../core/normalize.ts";
import { formatReference } from "../../core/reference.ts";
import { UsageError } from "../args.ts";
import type { CommandContext, OpenedStore } from "../context.ts";
import { localResolve, type ResolvedImage } from "../local_resolve.ts";

/** Opens `SOURCE IMAGE` operands, syncs, and resolves IMAGE. */
export async function findImage(
  ctx: CommandContext,
  command: string,
): Promise<{ opened: OpenedStore; found: ResolvedImage }> {
  const [sourceText, wanted] = ctx.operands;
  if (ctx.operands.length !== 2 || wanted === "") {
    throw new UsageError(`${command} takes SOURCE and IMAGE`, command);
  }
  const opened = await ctx.open(sourceText);
  let loaded = 0;
  const unsubscribe = opened.store.onChange(() => ctx.progress(`reading images: ${++loaded}`));
  const result = await opened.store.sync();
  unsubscribe();
  ctx.progress(undefined);
  try {
    return { opened, found: localResolve(opened.store, wanted) };
  } catch (error) {
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

function _failureFor(result: SyncResult, wanted: string): Error | undefined {
  const names = [wanted];
  try {
    names.unshift(formatReference(parseDockerRef(wanted)));
  } catch {
    // Not a reference.
  }
  return result.failures.find((f) => names.includes(f.reference))?.error;
}
