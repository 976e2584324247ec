/** `ocistore images [SOURCE]`: the images of a source as `crictl images` lists them. */
import { SOURCE_FLAGS } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { parseImageReferences, sortCriImages, toCriImage } from "../cri_image.ts";
import { formatImagesJson } from "../cri_json.ts";
import { humanSize, shortId } from "../../core/format.ts";
import { formatTable } from "../table.ts";
import { syncStore } from "./_find_image.ts";

/**
 * Lists the images of SOURCE: syncs a store over it, warns once per reference that could not be
 * read and once per reference name that does not parse (skipped, as containerd skips it), then
 * prints crictl's table, IDs (`-q`) or JSON (`-o json`).
 *
 * @param ctx The command context; one optional operand, SOURCE.
 * @returns 0, or 1 when some reference could not be read.
 * @throws {SourceError} When SOURCE cannot be opened.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const { options, operands } = ctx;
  const { store } = await ctx.open(operands[0], { showsNames: true });
  const { failures } = await syncStore(ctx, store);
  // Failures arrive as loads finish; byte order keeps the output the same on every run.
  const byReference = [...failures].sort((a, b) => (a.reference < b.reference ? -1 : 1));
  for (const { error } of byReference) ctx.warn(error.message);
  const images = store.list();
  for (const image of images) {
    for (const { reference, error } of parseImageReferences(image.references).invalid) {
      ctx.warn(`skipping reference "${reference}" of ${image.id}: ${error.message}`);
    }
  }
  const cri = sortCriImages(images.map(toCriImage));
  if (options.output === "json") ctx.io.stdout(formatImagesJson(cri));
  else if (options.quiet) ctx.io.stdout(cri.map((image) => `${image.id}\n`).join(""));
  else {
    const truncate = (id: string) => options.noTrunc ? id : shortId(id);
    const header = ["IMAGE", "TAG"];
    if (options.digests) header.push("DIGEST");
    header.push("IMAGE ID", "SIZE");
    if (options.pinned) header.push("PINNED");
    const rows = [header];
    for (const image of cri) {
      const [name, digest] = _repoDigest(image.repoDigests);
      const size = humanSize(image.size);
      for (const [repo, tag] of _repoTagPairs(image.repoTags, name)) {
        const row = [repo, tag];
        if (options.digests) row.push(truncate(digest));
        row.push(truncate(image.id), size);
        if (options.pinned) row.push(String(image.pinned));
        rows.push(row);
      }
    }
    ctx.io.stdout(formatTable(rows));
  }
  return failures.length > 0 ? 1 : 0;
}

/** `ocistore images [SOURCE]`. */
export const images: Command = {
  name: "images",
  usage: "[SOURCE]",
  summary: "list images (crictl images)",
  help:
    `List the images of SOURCE (default: the example images) as 'crictl images' does: one row per
repo tag, IMAGE ID truncated to 13 characters, SIZE as crictl prints it, <none> when untagged.
References that cannot be read are reported on stderr, one line each, and the exit code is 1.`,
  flags: [
    { flag: "quiet", help: "only show image IDs; no progress line" },
    "noTrunc",
    "digests",
    "pinned",
    "output",
    ...SOURCE_FLAGS,
  ],
  run: _run,
};

/** crictl's `normalizeRepoDigest`: the name and digest of the first repo digest. */
function _repoDigest(repoDigests: readonly string[]): [string, string] {
  if (repoDigests.length === 0) return ["<none>", "<none>"];
  const parts = repoDigests[0].split("@");
  return parts.length === 2 ? [parts[0], parts[1]] : ["errorName", "errorRepoDigest"];
}

/** crictl's `normalizeRepoTagPair`: one (repository, tag) row per repo tag. */
function _repoTagPairs(repoTags: readonly string[], imageName: string): [string, string][] {
  if (repoTags.length === 0) return [[imageName, "<none>"]];
  return repoTags.map((repoTag): [string, string] => {
    const colon = repoTag.lastIndexOf(":");
    if (colon < 0) return ["errorRepoTag", "errorRepoTag"];
    const name = repoTag.slice(0, colon);
    return [name === "<none>" ? imageName : name, repoTag.slice(colon + 1)];
  });
}
