/** `ocistore platforms SOURCE REF`: the platforms an image offers, with each one's ID and size. */
import type { ImageRecord } from "../../core/content.ts";
import { NotFoundError } from "../../core/errors.ts";
import { platformsOf } from "../../core/image.ts";
import { formatPlatform } from "../../core/platform.ts";
import { only } from "../../core/platform_matcher.ts";
import type { Platform } from "../../core/types.ts";
import { SOURCE_FLAGS } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext, OpenedStore } from "../context.ts";
import { humanSize, shortId } from "../../core/format.ts";
import { referenceCandidates } from "../local_resolve.ts";
import { formatTable } from "../table.ts";
import { findInStore, foundRecord } from "./_find_image.ts";

/** One row of the listing. */
interface _Row {
  platform: Platform;
  selected: boolean;
  id?: string;
  size?: number;
  error?: string;
}

/**
 * Lists the platforms of the image REF names (containerd's `images.Platforms`, attestations left
 * out, duplicates merged), whatever `--platform` says, and for each the image ID and size a store
 * for that platform reports; SELECTED marks the one the store picks for `--platform` (or the
 * host). A platform whose image cannot be read is shown with `<none>` and a warning (exit code 1).
 *
 * @param ctx The command context; operands SOURCE and REF (a reference, or an image ID whose
 *   first reference is used).
 * @returns 0, or 1 when some platform could not be read.
 * @throws {UsageError} Unless there are exactly two operands.
 * @throws {NotFoundError} When nothing matches REF.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const [sourceText, wanted] = ctx.operands;
  const opened = await ctx.open(sourceText);
  const record = await _record(ctx, opened, wanted);
  const reference = record.name;
  const seen = new Set<string>();
  const offered = (await platformsOf(opened.source.content, record.target, { host: opened.host }))
    .filter((platform) => {
      const key = JSON.stringify([formatPlatform(platform), platform["os.version"] ?? ""]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  // The store's pick: the best-ranked platform the matcher accepts (containerd's images.Manifest).
  let picked: Platform | undefined;
  for (const platform of offered) {
    if (!opened.platform.match(platform)) continue;
    if (picked === undefined || opened.platform.less(platform, picked)) picked = platform;
  }
  const rows: _Row[] = [];
  for (const platform of offered) {
    const store = opened.store.forPlatform(only(platform, { host: opened.host }));
    const selected = platform === picked;
    try {
      await store.update(reference);
      const image = store.get(store.resolve(reference));
      rows.push({ platform, selected, id: image.id, size: image.size });
    } catch (error) {
      ctx.warn(`${formatPlatform(platform)}: ${(error as Error).message}`);
      rows.push({ platform, selected, error: (error as Error).message });
    }
  }
  if (picked === undefined && offered.length > 0) {
    ctx.warn(
      `no platform of "${reference}" matches ${
        ctx.options.platform ?? `the host (${formatPlatform(opened.host)})`
      }; listing all ${offered.length}`,
    );
  }
  if (ctx.options.output === "json") {
    const document = {
      reference,
      platforms: rows.map((row) => ({
        platform: row.platform,
        ...(row.id !== undefined ? { id: row.id, size: String(row.size) } : { error: row.error }),
        selected: row.selected,
      })),
    };
    ctx.io.stdout(JSON.stringify(document, null, 2) + "\n");
  } else {
    const table = [["PLATFORM", "IMAGE ID", "SIZE", "SELECTED"]];
    for (const row of rows) {
      table.push([
        formatPlatform(row.platform),
        row.id ? shortId(row.id) : "<none>",
        row.size !== undefined ? humanSize(row.size) : "<none>",
        String(row.selected),
      ]);
    }
    ctx.io.stdout(formatTable(table));
  }
  return rows.some((row) => row.error !== undefined) ? 1 : 0;
}

/**
 * The image record REF names. A reference is looked up in the source directly, so an image that
 * has nothing for the chosen platform is still found; only an ID or prefix needs the store.
 */
async function _record(
  ctx: CommandContext,
  opened: OpenedStore,
  wanted: string,
): Promise<ImageRecord> {
  for (const name of referenceCandidates(wanted)) {
    try {
      return await opened.source.images.get(name);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return await foundRecord(opened, await findInStore(ctx, opened, wanted));
}

/** `ocistore platforms SOURCE REF`. */
export const platforms: Command = {
  name: "platforms",
  usage: "SOURCE REF",
  summary: "list every platform an image offers, its ID and size, and the one picked",
  help:
    `List every platform the image REF offers (attestations left out), with the image ID and size
the store reports for each, whatever --platform says; SELECTED marks the one the store picks for
--platform (default: the host).`,
  flags: ["output", ...SOURCE_FLAGS],
  run: _run,
};
