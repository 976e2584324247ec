/** `ocistore files SOURCE IMAGE [PATH] [--layer N]`: the merged filesystem, or one layer's entries. */
import { NotFoundError } from "../../core/errors.ts";
import type { FsEntry } from "../../core/image_filesystem.ts";
import { layersFilesystem } from "../../core/image_layers.ts";
import { SOURCE_FLAGS } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { layerFlag, openImage, relativePath, warnWholeLayerReads } from "./_image_layers.ts";

const _TYPE_LETTER: Record<FsEntry["type"], string> = {
  file: "-",
  hardlink: "h",
  dir: "d",
  symlink: "l",
  char: "c",
  block: "b",
  fifo: "p",
};

/**
 * Lists the merged filesystem of IMAGE (OCI layer rules: whiteouts applied, later layers win), or
 * with `--layer N` that layer's entries as stored, in stream order, whiteouts included. PATH keeps
 * the entry at PATH and everything below it. A table like `ls -l` with the layer column, or
 * `-o json` `{"files":[{"path","type","size","mode","uid","gid","link"?,"layer"}]}`.
 *
 * @param ctx The command context; operands SOURCE, IMAGE and an optional PATH.
 * @returns 0.
 * @throws {UsageError} For a `--layer` past the last layer.
 * @throws {NotFoundError} When IMAGE matches nothing, or nothing is at PATH.
 */
async function _run(ctx: CommandContext): Promise<number> {
  const [sourceText, wanted, pathText] = ctx.operands;
  const opened = await ctx.open(sourceText);
  const image = await openImage(ctx, opened, wanted, { indexed: true });
  const layer = layerFlag(ctx, files, image.manifest.layers.length);
  let entries: FsEntry[];
  if (layer === undefined) {
    ctx.progress("reading layers");
    entries = await layersFilesystem(image.layers);
  } else {
    entries = [];
    for await (const { name: _, bytes: __, offset: ___, ...entry } of image.layers.entries(layer)) {
      if (entry.path !== "") entries.push({ ...entry, layer });
    }
  }
  ctx.progress(undefined);
  await warnWholeLayerReads(ctx, image);
  if (pathText !== undefined) {
    const path = relativePath(pathText);
    if (path !== "") {
      entries = entries.filter((e) => e.path === path || e.path.startsWith(`${path}/`));
      if (entries.length === 0) {
        throw new NotFoundError(
          `Cannot list "${pathText}": no such path in ${
            layer === undefined ? "the image's filesystem" : `layer ${layer}`
          }`,
        );
      }
    }
  }
  if (ctx.options.output === "json") {
    const rows = entries.map((e) => ({
      path: e.path,
      type: e.type,
      size: e.size,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      ...(e.link !== undefined ? { link: e.link } : {}),
      layer: e.layer,
    }));
    ctx.io.stdout(JSON.stringify({ files: rows }, null, 2) + "\n");
    return 0;
  }
  ctx.io.stdout(formatListing(entries));
  return 0;
}

/**
 * Entries as `ls -l` shows them, with the layer: mode, owner, size, layer, path (and link target).
 *
 * @param entries The entries.
 * @returns The lines, a header first.
 * @example
 * ```ts
 * import { formatListing } from "./files.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = { path: "etc/a", type: "file", size: 3, mode: 0o4755, uid: 0, gid: 0, mtime: 0, layer: 1 } as const;
 * assertEquals(formatListing([entry]).split("\n")[1], "-rwsr-xr-x   0/0        3       1   etc/a");
 * ```
 */
export function formatListing(entries: readonly FsEntry[]): string {
  const rows = [
    ["MODE", "OWNER", "SIZE", "LAYER", "PATH"],
    ...entries.map((e) => [
      _modeString(e),
      `${e.uid}/${e.gid}`,
      String(e.size),
      String(e.layer),
      e.path +
      (e.type === "symlink" ? ` -> ${e.link}` : e.type === "hardlink" ? ` link to ${e.link}` : ""),
    ]),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) =>
    [
      row[0].padEnd(widths[0]),
      row[1].padEnd(widths[1]),
      row[2].padStart(widths[2]),
      row[3].padStart(widths[3]),
      row[4],
    ].join("   ")
  ).join("\n") + "\n";
}

/** `drwxr-xr-x`, with setuid, setgid and sticky as `ls` writes them. */
function _modeString(entry: FsEntry): string {
  const bits = entry.mode;
  const triple = (shift: number, special: boolean, on: string, off: string) => {
    const r = bits & (4 << shift) ? "r" : "-";
    const w = bits & (2 << shift) ? "w" : "-";
    const x = bits & (1 << shift);
    return r + w + (special ? (x ? on : off) : x ? "x" : "-");
  };
  return _TYPE_LETTER[entry.type] + triple(6, (bits & 0o4000) !== 0, "s", "S") +
    triple(3, (bits & 0o2000) !== 0, "s", "S") + triple(0, (bits & 0o1000) !== 0, "t", "T");
}

/** `ocistore files SOURCE IMAGE [PATH]`. */
export const files: Command = {
  name: "files",
  usage: "SOURCE IMAGE [PATH]",
  summary: "list an image's merged filesystem, or one layer's entries (--layer N)",
  help: `List the files of IMAGE as its container sees them: the layers merged by the OCI rules
(whiteouts and opaque directories applied, later layers replacing earlier entries), each with
the layer it came from. With --layer N, that layer's entries as stored instead, whiteouts
included. PATH keeps that path and what is below it. -o json prints
{"files":[{"path","type","size","mode","uid","gid","link","layer"}]}: paths relative, type one of
file dir symlink hardlink char block fifo, mode the permission bits as a number.`,
  flags: ["layer", "output", ...SOURCE_FLAGS],
  run: _run,
};
