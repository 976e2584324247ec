/** `ocistore platforms SOURCE REF`: the platforms an image offers, with each one's ID and size. */
import { platformsOf } from "../../core/image.ts";
import { formatPlatform } from "../../core/platform.ts";
import { only } from "../../core/platform_matcher.ts";
import type { Platform } from "../../core/types.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { humanSize } from "../human_size.ts";
import { formatTable } from "../table.ts";
import { findImage } from "./_find_image.ts";

/** One row of {@link platformsCommand}. */
interface _Row {
  platform: Platform;
  id?: string;
  size?: number;
  error?: string;
}

/**
 * Lists the platforms of the image REF names (containerd's `images.Platforms`, attestations left
 * out, duplicates merged) and, for each, the image ID and size a store for that platform reports.
 * A platform whose image cannot be read is shown with `<none>` and a warning (exit code 1).
 *
 * @param ctx The command context; operands SOURCE and REF (a reference, or an image ID whose
 *   first reference is used).
 * @returns 0, or 1 when some platform could not be read.
 * @throws {UsageError} Unless there are exactly two operands.
 * @throws {NotFoundError} When nothing matches REF.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const { opened, found } = await findImage(ctx, "platforms");
  const reference = found.reference ?? found.image.references[0];
  const record = await opened.source.images.get(reference);
  const seen = new Set<string>();
  const platforms = (await platformsOf(opened.source.content, record.target, { host: opened.host }))
    .filter((platform) => {
      const key = JSON.stringify([formatPlatform(platform), platform["os.version"] ?? ""]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const rows: _Row[] = [];
  for (const platform of platforms) {
    const store = opened.store.forPlatform(only(platform, { host: opened.host }));
    try {
      await store.update(reference);
      const image = store.get(store.resolve(reference));
      rows.push({ platform, id: image.id, size: image.size });
    } catch (error) {
      ctx.warn(`${formatPlatform(platform)}: ${(error as Error).message}`);
      rows.push({ platform, error: (error as Error).message });
    }
  }
  if (ctx.options.output === "json") {
    const document = {
      reference,
      platforms: rows.map((row) => ({
        platform: row.platform,
        ...(row.id !== undefined ? { id: row.id, size: String(row.size) } : { error: row.error }),
      })),
    };
    ctx.io.stdout(JSON.stringify(document, null, 2) + "\n");
  } else {
    const table = [["PLATFORM", "IMAGE ID", "SIZE"]];
    for (const row of rows) {
      table.push([
        formatPlatform(row.platform),
        row.id?.replace(/^sha256:/, "").slice(0, 13) ?? "<none>",
        row.size !== undefined ? humanSize(row.size) : "<none>",
      ]);
    }
    ctx.io.stdout(formatTable(table));
  }
  return rows.some((row) => row.error !== undefined) ? 1 : 0;
}

/** `ocistore platforms SOURCE REF`. */
export const platforms: Command = {
  name: "platforms",
  usage: "SOURCE REF",
  summary: "list the platforms an image offers, with each one's ID and size",
  help:
    `List the platforms the image REF offers (attestations left out), with the image ID and size the
store reports for each.`,
  flags: [],
  run: _run,
};
