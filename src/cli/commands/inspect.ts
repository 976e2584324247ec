/** `ocistore inspect SOURCE IMAGE`: one image as `crictl inspecti` shows it. */
import { formatPlatform } from "../../core/platform.ts";
import { SOURCE_FLAGS } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { toCriImage } from "../cri_image.ts";
import { formatInspectJson } from "../cri_json.ts";
import { humanSize } from "../../core/format.ts";
import { findImage } from "./_find_image.ts";

/**
 * Shows one image: crictl's `inspecti` JSON by default (as crictl), or with `-o table` its table
 * form (ID, tags, digests, size) plus the chain ID and platform.
 *
 * @param ctx The command context; operands SOURCE and IMAGE (reference, ID or unique ID prefix).
 * @returns 0.
 * @throws {UsageError} Unless there are exactly two operands.
 * @throws {NotFoundError} When nothing matches IMAGE.
 * @throws {AmbiguousDigestError} When an ID prefix fits several images.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const { found } = await findImage(ctx);
  const image = found.image;
  if (ctx.options.output === "json") {
    ctx.io.stdout(formatInspectJson(image));
    return 0;
  }
  const cri = toCriImage(image);
  const spec = image.imageSpec;
  const lines = [
    `ID: ${cri.id}`,
    ...cri.repoTags.map((tag) => `Tag: ${tag}`),
    ...cri.repoDigests.map((digest) => `Digest: ${digest}`),
    `Size: ${humanSize(cri.size)}`,
    `ChainID: ${image.chainId}`,
    `Platform: ${
      formatPlatform({
        os: spec.os,
        architecture: spec.architecture,
        ...(spec.variant ? { variant: spec.variant } : {}),
      })
    }`,
  ];
  ctx.io.stdout(lines.map((line) => `${line}\n`).join(""));
  return 0;
}

/** `ocistore inspect SOURCE IMAGE`. */
export const inspect: Command = {
  name: "inspect",
  usage: "SOURCE IMAGE",
  summary: "show one image (crictl inspecti); IMAGE is a reference, ID or ID prefix",
  help: `Show one image as 'crictl inspecti' does. IMAGE is a reference (normalized: busybox means
docker.io/library/busybox:latest), a full image ID, or a unique prefix of one.
Prints crictl's {"status":…,"info":{"chainID","imageSpec"}} JSON document, as 'crictl inspecti'
does by default; -o table prints ID, tags, digests, size, chain ID and platform instead.
Exit code 3 when no image or more than one image matches.`,
  flags: [{ flag: "output", default: "json" }, ...SOURCE_FLAGS],
  run: _run,
};
