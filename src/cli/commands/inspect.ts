/** `ocistore inspect SOURCE IMAGE`: one image as `crictl inspecti` shows it. */
import { formatPlatform } from "../../core/platform.ts";
import type { CommandContext } from "../context.ts";
import { toCriImage } from "../cri_image.ts";
import { formatInspectJson } from "../cri_json.ts";
import { humanSize } from "../human_size.ts";
import { findImage } from "./_find_image.ts";

/**
 * Shows one image: crictl's `inspecti` JSON with `-o json`, otherwise its table form (ID, tags,
 * digests, size) plus the chain ID and platform.
 *
 * @param ctx The command context; operands SOURCE and IMAGE (reference, ID or unique ID prefix).
 * @returns 0.
 * @throws {UsageError} Unless there are exactly two operands.
 * @throws {NotFoundError} When nothing matches IMAGE.
 * @throws {AmbiguousDigestError} When an ID prefix fits several images.
 * @example
 * ```ts
 * import { createContext, inspectCommand, parseArgs } from "@ocistore/ocistore/cli";
 * import { NotFoundError } from "@ocistore/ocistore";
 * import { assertRejects } from "@std/assert";
 * import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "layout-"));
 * await mkdir(join(dir, "blobs"));
 * await writeFile(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
 * await writeFile(join(dir, "index.json"), '{"schemaVersion":2,"manifests":[]}');
 * const { operands, options } = parseArgs(["inspect", dir, "busybox"]);
 * const ctx = createContext(operands, options, { stdout: () => {}, stderr: () => {} });
 * await assertRejects(() => inspectCommand(ctx), NotFoundError);
 * ```
 */
export async function inspectCommand(ctx: CommandContext): Promise<number> {
  const { found } = await findImage(ctx, "inspect");
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
