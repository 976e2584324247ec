/** `ocistore cat SOURCE IMAGE PATH`: one file's bytes from the merged filesystem. */
import { readFile } from "../../core/image_file.ts";
import { SOURCE_FLAGS } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { cliDecompressors } from "../decompressors.ts";
import { openImage, warnWholeLayerReads } from "./_image_layers.ts";

/**
 * Writes the bytes of the file at PATH in IMAGE's merged filesystem to stdout, following symbolic
 * links inside the image and hard links across layers; the layer that holds it is read whole and
 * verified before a byte is written, except from a registry with a blob cache: there the first
 * read of a gzip, zstd or plain layer (verified whole) keeps a seek index with each file's SHA-256,
 * and later reads are one ranged request checked against it (of a zstd layer: of the frames that
 * hold the file; a layer of one frame, the default of `zstd` and skopeo, is read whole, and a
 * warning says so when it is over 4 MiB); an eStargz layer is indexed from its TOC
 * (verified by the layer's `toc.digest` annotation) without that full read. `-o json` prints
 * `{"path","size","base64"}` instead.
 *
 * @param ctx The command context; operands SOURCE, IMAGE, PATH.
 * @returns 0.
 * @throws {NotFoundError} When IMAGE or PATH is not there.
 * @throws {InvalidArgumentError} When PATH is a directory or another non-file.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const [sourceText, wanted, path] = ctx.operands;
  const opened = await ctx.open(sourceText);
  const image = await openImage(ctx, opened, wanted, { indexed: true });
  ctx.progress("reading layers");
  const bytes = await readFile(image.content, image.manifest, path, {
    layers: image.layers,
    ...(image.layerReader ? { layerReader: image.layerReader } : {}),
    decompressors: cliDecompressors,
    ...(ctx.io.digester ? { digester: ctx.io.digester } : {}),
  });
  ctx.progress(undefined);
  await warnWholeLayerReads(ctx, image);
  if (ctx.options.output === "json") {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    ctx.io.stdout(JSON.stringify({ path, size: bytes.length, base64: btoa(binary) }) + "\n");
  } else if (ctx.io.stdoutBytes) ctx.io.stdoutBytes(bytes);
  else ctx.io.stdout(new TextDecoder().decode(bytes));
  return 0;
}

/** `ocistore cat SOURCE IMAGE PATH`. */
export const cat: Command = {
  name: "cat",
  usage: "SOURCE IMAGE PATH",
  summary: "write one file of an image's merged filesystem to stdout",
  help: `Write the bytes of the file at PATH in IMAGE's merged filesystem to stdout. Symbolic links
are followed inside the image (as in a chroot), hard links read their target, and the layer that
holds the file is read to its end and verified against its digest before anything is written.
From a registry with the blob cache on, that first read of a gzip, zstd or plain-tar layer also
keeps a seek index in the cache, with each file's SHA-256; later reads of any file of that layer
are one ranged request from it, checked against that digest. zstd is seekable only where a frame
starts: the request spans the frames that hold the file, and a layer of one frame (what zstd and
skopeo write by default) is requested whole each time, with a warning when it is over 4 MiB.
An eStargz layer (annotated with its TOC's
digest) is indexed from its table of contents instead: one or two ranged requests, no full read,
each chunk checked against the TOC's chunkDigest. --no-cache reads and verifies the whole layer.
-o json prints {"path","size","base64"} instead.`,
  flags: [
    { flag: "output", help: 'json: {"path","size","base64"} instead of the bytes' },
    ...SOURCE_FLAGS,
  ],
  run: _run,
};
