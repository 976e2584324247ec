/** `ocistore tags SOURCE`: the tags of a registry repository (skopeo list-tags, crane ls). */
import { REGISTRY_FLAGS, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import type { ImageSource } from "../../core/content.ts";
import type { RegistrySource } from "../../adapters/registry.ts";

/** A source that can list its repository's tags: what `docker://` opens (a registry, maybe cached). */
type _Repository = ImageSource & Pick<RegistrySource, "repository" | "tags">;

function _isRepository(source: ImageSource): source is _Repository {
  const candidate = source as Partial<_Repository>;
  return typeof candidate.tags === "function" && typeof candidate.repository === "string";
}

/**
 * Prints every tag of the repository SOURCE names, following the registry's pages, one per line
 * in byte order (registries answer in no fixed order); `-o json` prints skopeo's
 * `{"Repository","Tags"}`.
 *
 * @param ctx The command context; one operand, a `docker://` SOURCE.
 * @returns 0.
 * @throws {UsageError} Unless the operand is a `docker://` SOURCE.
 */
async function _run(ctx: CommandContext): Promise<number> {
  if (!ctx.operands[0].startsWith("docker://")) {
    throw new UsageError(
      `tags lists a registry repository: expected docker://HOST/NAME, found "${ctx.operands[0]}"`,
      "tags",
    );
  }
  const { source } = await ctx.open(ctx.operands[0]);
  if (!_isRepository(source)) {
    throw new UsageError(
      `tags lists a registry repository: expected ${
        ctx.operands[0]
      } to open one, found a source without tags`,
      "tags",
    );
  }
  ctx.progress(`listing the tags of ${source.repository}`);
  const tags = (await source.tags()).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  ctx.progress(undefined);
  if (ctx.options.output === "json") {
    ctx.io.stdout(JSON.stringify({ Repository: source.repository, Tags: tags }, null, 4) + "\n");
  } else ctx.io.stdout(tags.map((tag) => `${tag}\n`).join(""));
  return 0;
}

/** `ocistore tags SOURCE`. */
export const tags: Command = {
  name: "tags",
  usage: "SOURCE",
  summary: "list the tags of a registry repository (skopeo list-tags)",
  help:
    `List every tag of the registry repository SOURCE (docker://HOST[:PORT]/NAME), one per line in
byte order, following the registry's pages; with -o json, skopeo list-tags' {"Repository","Tags"}.`,
  flags: ["quiet", "output", ...REGISTRY_FLAGS],
  run: _run,
};
