/** `ocistore resolve SOURCE REF`: the image ID a reference resolves to. */
import { SOURCE_FLAGS } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { findImage } from "./_find_image.ts";

/**
 * Prints the image ID REF resolves to for the platform (`-o json`: `{"reference","id"}`, the
 * reference being the store name that matched, absent when REF was an ID).
 *
 * @param ctx The command context; operands SOURCE and REF.
 * @returns 0.
 * @throws {UsageError} Unless there are exactly two operands.
 * @throws {NotFoundError} When nothing matches REF.
 * @throws {AmbiguousDigestError} When an ID prefix fits several images.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const { found } = await findImage(ctx);
  if (ctx.options.output === "json") {
    const document = {
      ...(found.reference !== undefined ? { reference: found.reference } : {}),
      id: found.image.id,
    };
    ctx.io.stdout(JSON.stringify(document, null, 2) + "\n");
  } else ctx.io.stdout(`${found.image.id}\n`);
  return 0;
}

/** `ocistore resolve SOURCE REF`. */
export const resolve: Command = {
  name: "resolve",
  usage: "SOURCE REF",
  summary: "print the image ID a reference resolves to",
  help:
    `Print the image ID REF resolves to for the platform (with -o json: the reference and the ID).
Exit code 3 when nothing matches.`,
  flags: ["output", ...SOURCE_FLAGS],
  run: _run,
};
