// Layer and image diffs, and one file's bytes, against what `umoci unpack` writes for fresh images
// (whiteouts, an opaque directory, a same-size content change, a mode change, a hard link whose
// target is in another layer), and the same image with zstd and uncompressed layers.
import { assertEquals, assertRejects } from "@std/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../harness.ts";
import { diffImages, diffLayer, layersFilesystem } from "../../src/core/image_layers.ts";
import { readFile } from "../../src/core/image_file.ts";
import { pageDecompressors } from "../../src/explorer/layer_stream.ts";
import { InvalidArgumentError, NotFoundError } from "../../src/core/errors.ts";
import { freshDir } from "./_layers.ts";
import { buildDiffImages, findTree, layoutImage, rootsDiff, run, unpack } from "./_images.ts";

let built: ReturnType<typeof buildDiffImages> | undefined;
/** Built once, when the first test here runs. */
const images = () => built ??= buildDiffImages();

test("diffImages() of two umoci images equals find and cmp over their unpacked roots", async () => {
  const { layout } = images();
  const a = await layoutImage(layout, "a");
  const b = await layoutImage(layout, "b");
  const diff = await diffImages(a.layers, b.layers);
  const expected = rootsDiff(unpack(layout, "a"), unpack(layout, "b"));
  assertEquals(diff, expected);
  // What the fixture is meant to hold, so an empty diff cannot pass by accident.
  assertEquals(diff.removed, ["etc/a", "opt/x", "opt/x/y", "opt/z"]);
  // opt: the opaque layer brings it back with its source directory's 0700.
  assertEquals(diff.modified, ["data/big", "etc/b", "opt"]);
  assertEquals(diff.added, ["h1-link", "new", "new/file", "opt/fresh"]);
  const link = (await layersFilesystem(b.layers)).find((e) => e.path === "h1-link");
  assertEquals([link?.type, link?.link, link?.size, link?.layer], ["hardlink", "h1", 9, 4]);
  assertEquals(await diffImages(b.layers, b.layers), { added: [], modified: [], removed: [] });
});

test("diffLayer() of each layer equals the diff of the unpacked images before and after it", async () => {
  const { layout, steps } = images();
  const b = await layoutImage(layout, "b");
  const tags = ["a", ...steps];
  for (let i = 1; i < tags.length; i++) {
    const diff = await diffLayer(b.layers, i);
    assertEquals(
      diff,
      rootsDiff(unpack(layout, tags[i - 1]), unpack(layout, tags[i])),
      tags[i],
    );
  }
  const base = await diffLayer(b.layers, 0);
  assertEquals(base.added, [...findTree(unpack(layout, "a")).keys()].sort());
  await assertRejects(() => diffLayer(b.layers, 5), InvalidArgumentError, "expected 0 to 4");
});

test("readFile() returns what umoci unpack wrote, through symlinks and a cross-layer hard link", async () => {
  const { layout } = images();
  const b = await layoutImage(layout, "b");
  const root = unpack(layout, "b");
  const options = { decompressors: pageDecompressors };
  for (const path of ["etc/b", "data/big", "h1-link", "/new/file", "data/to-b", "opt/fresh"]) {
    const bytes = await readFile(b.content, b.manifest, path, options);
    assertEquals(bytes, new Uint8Array(readFileSync(join(root, path))), path);
  }
  await assertRejects(
    () => readFile(b.content, b.manifest, "etc/a", options),
    NotFoundError,
    "etc/a",
  );
  await assertRejects(
    () => readFile(b.content, b.manifest, "data", options),
    InvalidArgumentError,
    "directory",
  );
  // The seam a seek index plugs into: asked first, with the layer and entry that hold the file.
  const asked: string[] = [];
  const bytes = await readFile(b.content, b.manifest, "/etc/b", {
    ...options,
    layerReader: (layer, entry, index) => {
      asked.push(`${index} ${entry.path} ${layer.digest === b.manifest.layers[index].digest}`);
      return Promise.resolve(new TextEncoder().encode("from the index"));
    },
  });
  assertEquals([new TextDecoder().decode(bytes), asked], ["from the index", ["2 etc/b true"]]);
});

test("zstd and uncompressed copies of an image (skopeo) have the same filesystem and no diff", async () => {
  const { layout } = images();
  const b = await layoutImage(layout, "b");
  const work = freshDir("fs2-copies-");
  run("skopeo", [
    "copy",
    "--dest-compress-format",
    "zstd",
    `oci:${layout}:b`,
    `oci:${join(work, "zstd")}:b`,
  ]);
  // Uncompressed layers: decompressed into a dir: copy, then kept so in the layout.
  run("skopeo", ["copy", "--dest-decompress", `oci:${layout}:b`, `dir:${join(work, "dir")}`]);
  run("skopeo", [
    "copy",
    "--dest-oci-accept-uncompressed-layers",
    `dir:${join(work, "dir")}`,
    `oci:${join(work, "plain")}:b`,
  ]);
  const expected = await layersFilesystem(b.layers);
  for (const copy of ["zstd", "plain"]) {
    const other = await layoutImage(join(work, copy), "b");
    const types = other.manifest.layers.map((l) => l.mediaType.replace(/.*\.layer\.v1\./, ""));
    assertEquals(new Set(types), new Set([copy === "zstd" ? "tar+zstd" : "tar"]), types.join());
    assertEquals(await layersFilesystem(other.layers), expected, copy);
    assertEquals(await diffImages(b.layers, other.layers), {
      added: [],
      modified: [],
      removed: [],
    });
  }
});
