/** `ocistore diff SOURCE IMAGE1 IMAGE2` and `ocistore diff SOURCE IMAGE --layer N`. */
import type { FsDiff } from "../../core/filesystem_diff.ts";
import { bytewise } from "../../core/image_filesystem.ts";
import { diffImages, diffLayer } from "../../core/image_layers.ts";
import { SOURCE_FLAGS, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { expectOperands, layerFlag, openImage } from "./_image_layers.ts";

/**
 * Compares the merged filesystems of two images, or with `--layer N` what layer N changed in the
 * layers below it: added, modified (type, size, mode, owner, link target, or content when sizes
 * match) and removed paths, sorted bytewise. One `A|M|D PATH` line each, or `-o json`
 * `{"added":[…],"modified":[…],"removed":[…]}`.
 *
 * @param ctx The command context; operands SOURCE IMAGE1 IMAGE2, or SOURCE IMAGE with --layer.
 * @returns 0.
 * @throws {UsageError} For a wrong operand count or `--layer` value.
 * @throws {NotFoundError} When an IMAGE matches nothing.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const byLayer = ctx.options.layer !== undefined;
  if (byLayer && ctx.operands.length === 3) {
    throw new UsageError("diff --layer N takes SOURCE IMAGE, not a second image", "diff");
  }
  expectOperands(ctx, diff, byLayer ? 2 : 3);
  const [sourceText, first, second] = ctx.operands;
  const opened = await ctx.open(sourceText);
  const image = await openImage(ctx, opened, first);
  ctx.progress("reading layers");
  const result = byLayer
    ? await diffLayer(image.layers, layerFlag(ctx, diff, image.manifest.layers.length)!)
    : await diffImages(image.layers, (await openImage(ctx, opened, second)).layers);
  ctx.progress(undefined);
  if (ctx.options.output === "json") {
    ctx.io.stdout(JSON.stringify(result, null, 2) + "\n");
    return 0;
  }
  ctx.io.stdout(formatDiff(result));
  return 0;
}

/**
 * One line per changed path, in path order: `A` added, `M` modified, `D` removed (as `git diff
 * --name-status`).
 *
 * @param result The diff.
 * @returns The lines.
 * @example
 * ```ts
 * import { formatDiff } from "./diff.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatDiff({ added: ["b"], modified: [], removed: ["a"] }), "D a\nA b\n");
 * ```
 */
export function formatDiff(result: FsDiff): string {
  const lines = [
    ...result.added.map((path) => ["A", path]),
    ...result.modified.map((path) => ["M", path]),
    ...result.removed.map((path) => ["D", path]),
  ].sort((a, b) => bytewise(a[1], b[1]));
  return lines.map(([mark, path]) => `${mark} ${path}\n`).join("");
}

/** `ocistore diff SOURCE IMAGE1 IMAGE2`. */
export const diff: Command = {
  name: "diff",
  usage: "SOURCE IMAGE1 [IMAGE2]",
  summary: "what differs between two images' filesystems, or what one layer changed (--layer N)",
  help: `Compare the merged filesystems of IMAGE1 and IMAGE2, or with --layer N (and one image) what
layer N changed in the filesystem of the layers below it. A path is modified when its type, size,
mode, owner or link target differ, or when sizes match and the contents differ (hashed); times
are ignored. Prints 'A PATH', 'M PATH' or 'D PATH' per change in path order; -o json prints
{"added":[…],"modified":[…],"removed":[…]}, each sorted bytewise.`,
  flags: ["layer", "output", ...SOURCE_FLAGS],
  run: _run,
};
