// The filesystem views' models (no DOM: Deno, Bun, Node) over fresh umoci images, checked against
// what `umoci unpack`, `find`, `cmp`, `seq` and `hexdump -C` say of the same images.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../harness.ts";
import { contextFor } from "./_view_context.ts";
import { BASE_NAME, buildManyFiles, buildViewerImage, PNG_PATH } from "./_fs_images.ts";
import {
  buildDiffImages,
  buildWasteful,
  findTree,
  rootsDiff,
  run,
  unpack,
} from "../layers/_images.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import { NotFoundError } from "../../src/core/errors.ts";
import { bytewise } from "../../src/core/image_filesystem.ts";
import type { ViewState } from "../../src/explorer/view_state.ts";
import { pageOf, treeOrder } from "../../src/explorer/views/_fs_load.ts";
import { treeView } from "../../src/explorer/views/fs_tree.ts";
import { changesView } from "../../src/explorer/views/fs_changes.ts";
import { diffView } from "../../src/explorer/views/fs_diff.ts";
import { sizeView, WASTEFUL_SHOWN } from "../../src/explorer/views/fs_size.ts";
import { searchPaths, searchView } from "../../src/explorer/views/fs_search.ts";
import { fileKind, fileView, hexRows } from "../../src/explorer/views/fs_file.ts";
import { filesView } from "../../src/explorer/views/files.ts";
import type { ContentProvider } from "../../src/core/content.ts";
import { decodeSeekIndex } from "../../src/core/seek_index.ts";
import { mapStore } from "../adapters/_registry_tools.ts";

let built: ReturnType<typeof buildDiffImages> | undefined;
const images = () => built ??= buildDiffImages();

async function opened(layout: string) {
  const source = await openOciLayout(layout, { baseName: BASE_NAME });
  return contextFor(source);
}

const stateOf = (tag: string, more: Partial<ViewState> = {}): ViewState => ({
  source: { kind: "layout", url: "layout/" },
  image: `${BASE_NAME}:${tag}`,
  ...more,
});

test("fs views: the tree holds what umoci unpack writes, in tree order, each entry with its layer", async () => {
  const { layout } = images();
  const context = await opened(layout);
  const model = await treeView.load(context, stateOf("b", { show: "tree" }));
  const found = findTree(unpack(layout, "b"));
  assertEquals(model.page.total, found.size);
  assertEquals(model.page.pages, 1);
  const paths = model.page.items.map((e) => e.path);
  assertEquals(new Set(paths), new Set(found.keys()));
  // Tree order: every directory right before what it holds.
  assertEquals(paths, treeOrder(paths.map((path) => ({ path }))).map((e) => e.path));
  for (const entry of model.page.items) {
    const unpacked = found.get(entry.path)!;
    assertEquals(entry.type === "dir" ? "d" : entry.type === "symlink" ? "l" : "f", unpacked.type);
    assertEquals(entry.mode.toString(8), unpacked.mode, entry.path);
  }
  const layer = (path: string) => model.page.items.find((e) => e.path === path)?.layer;
  // etc/b came back in layer 2 (index 2), opt/fresh in the opaque layer, h1-link in the last.
  assertEquals([layer("etc/b"), layer("opt/fresh"), layer("h1-link"), layer("data/same")], [
    2,
    3,
    4,
    0,
  ]);
  const opt = await treeView.load(context, stateOf("b", { show: "tree", path: "/opt/" }));
  assertEquals(opt.root, "opt");
  assertEquals(opt.page.items.map((e) => e.path), ["opt", "opt/fresh"]);
  await assertRejects(
    () => treeView.load(context, stateOf("b", { show: "tree", path: "etc/a" })),
    NotFoundError,
    "etc/a",
  );
});

test("fs views: each layer's changes are the diff of the unpacked images before and after it", async () => {
  const { layout, steps } = images();
  const context = await opened(layout);
  const tags = ["a", ...steps];
  for (let i = 1; i < tags.length; i++) {
    const model = await changesView.load(context, stateOf("b", { show: "changes", layer: i }));
    const expected = rootsDiff(unpack(layout, tags[i - 1]), unpack(layout, tags[i]));
    const of = (kind: string) =>
      model.page.items.filter((c) => c.kind === kind).map((c) => c.entry.path);
    assertEquals(
      { added: of("added"), modified: of("modified"), removed: of("removed") },
      expected,
      tags[i],
    );
    assertEquals(model.counts, {
      added: expected.added.length,
      modified: expected.modified.length,
      removed: expected.removed.length,
    });
    // An entry shown as added or modified is the one this layer wrote.
    for (const change of model.page.items) {
      if (change.kind !== "removed") assertEquals(change.entry.layer, i, change.entry.path);
    }
  }
  // A removed path is shown with the entry the layers below had.
  const removed = await changesView.load(context, stateOf("b", { show: "changes", layer: 1 }));
  assertEquals(removed.page.items.map((c) => [c.kind, c.entry.path, c.entry.layer]), [
    ["removed", "etc/a", 0],
  ]);
});

test("fs views: the diff of two tags is find and cmp over their unpacked roots", async () => {
  const { layout } = images();
  const context = await opened(layout);
  const none = await diffView.load(context, stateOf("a", { show: "diff" }));
  assertEquals(none.changes, undefined);
  assertEquals(none.candidates, ["a", "b", "b1", "b2", "b3", "b4"].map((t) => `${BASE_NAME}:${t}`));
  const model = await diffView.load(
    context,
    stateOf("a", { show: "diff", other: `${BASE_NAME}:b` }),
  );
  const expected = rootsDiff(unpack(layout, "a"), unpack(layout, "b"));
  const of = (kind: string) =>
    model.changes!.page.items.filter((c) => c.kind === kind).map((c) => c.entry.path);
  assertEquals({ added: of("added"), modified: of("modified"), removed: of("removed") }, expected);
  // data/big: same bytes, other mode; etc/b: same size, other bytes (hashed).
  assertEquals(expected.modified, ["data/big", "etc/b", "opt"]);
});

test("fs views: files by size are find's sizes, largest first, beside dive's figures", async () => {
  const { layout } = images();
  const context = await opened(layout);
  const model = await sizeView.load(context, stateOf("b", { show: "size" }));
  const files = [...findTree(unpack(layout, "b"))].filter(([, e]) => e.type === "f");
  // h1 and h1-link are one inode on disk: the merged filesystem keeps h1-link a hard link.
  const expected = files.filter(([path]) => path !== "h1-link").map(([path, e]) => [path, e.size])
    .sort((x, y) => (y[1] as number) - (x[1] as number) || (x[0] < y[0] ? -1 : 1));
  assertEquals(model.page.items.map((e) => [e.path, e.size]), expected);
  assertEquals(model.page.items[0].path, "data/big");

  const wasteful = await opened(buildWasteful());
  const w = await sizeView.load(wasteful, stateOf("w", { show: "size" }));
  // As tests/layers/image_efficiency_test.ts works them out by hand from dive's formulas.
  assertEquals(w.efficiency.efficiency, (30 + 50 + 0 + 50) / (230 + 50 + 10 + 50));
  assertEquals([w.efficiency.wastedBytes, w.efficiency.reclaimableBytes], [240, 260]);
  assertEquals(w.efficiency.userWastedPercent, 240 / 130);
  assertEquals(w.efficiency.inefficientFiles.map((f) => [f.path, f.count, f.wastedBytes]), [
    ["x", 3, 230],
    ["z", 2, 10],
  ]);
  assert(w.efficiency.inefficientFiles.length <= WASTEFUL_SHOWN);
  assertEquals(w.page.items.map((e) => [e.path, e.size]), [["x", 30]]);
});

test("fs views: a path search finds what grep finds in find's list", async () => {
  const { layout } = images();
  const context = await opened(layout);
  const all = [...findTree(unpack(layout, "b")).keys()];
  for (const query of ["E", "data/", "/opt", "nothing-here"]) {
    const model = await searchView.load(context, stateOf("b", { show: "search", query }));
    const expected = query.startsWith("/")
      ? all.filter((p) => p.toLowerCase().startsWith(query.slice(1).toLowerCase()))
      : all.filter((p) => p.toLowerCase().includes(query.toLowerCase()));
    assertEquals(new Set(model.page.items.map((e) => e.path)), new Set(expected), query);
  }
  const empty = await searchView.load(context, stateOf("b", { show: "search" }));
  assertEquals([empty.query, empty.page.total], ["", 0]);
  assertEquals(searchPaths([{ path: "a" }], ""), []);
});

test("fs views: the file viewer shows text, a PNG and a hex dump equal to hexdump -C", async () => {
  const layout = buildViewerImage();
  const context = await opened(layout);
  const root = unpack(layout, "v");
  const view = (path: string, more: Partial<ViewState> = {}) =>
    fileView.load(context, stateOf("v", { show: "file", path, ...more }));

  const text = await view("os-release");
  assertEquals(text.kind, "text");
  assertEquals(text.bytes, new Uint8Array(readFileSync(join(root, "etc/os-release"))));
  assertEquals(text.page.items, ['NAME="ocistore test"', "ID=test"]);

  // 4,500 lines in pages of 2,000: every line of seq's on one of them.
  const lines: string[] = [];
  for (let page = 1; page <= 3; page++) {
    const model = await view("lines.txt", { page });
    assertEquals([model.page.page, model.page.pages], [page, 3]);
    lines.push(...model.page.items);
  }
  assertEquals(lines, run("seq", ["1", "4500"]).trimEnd().split("\n"));

  const png = await view("/img/favicon.png");
  assertEquals([png.kind, png.mediaType], ["image", "image/png"]);
  assertEquals(png.bytes, new Uint8Array(readFileSync(PNG_PATH)));

  const binary = await view("bin/true");
  assertEquals(binary.kind, "hex");
  const dump = run("hexdump", ["-C", "-v", join(root, "bin/true")]).trimEnd().split("\n");
  dump.pop(); // the end offset
  const rows: string[] = [];
  for (let page = 1; page <= binary.page.pages; page++) {
    rows.push(...(await view("bin/true", { page })).page.items);
  }
  assertEquals(rows, dump);
  const forced = await view("etc/os-release", { format: "hex" });
  assertEquals(forced.kind, "hex");
  assertEquals(
    forced.page.items,
    run("hexdump", ["-C", "-v", join(root, "etc/os-release")]).trimEnd().split("\n").slice(0, -1),
  );
  await assertRejects(() => view("etc"), Error, "directory");
  await assertRejects(() => view("etc/missing"), NotFoundError);
});

/** `content` that records each read: whole, ranged (offset and length) or a stream. */
function recording(content: ContentProvider) {
  const reads: string[] = [];
  const recorded: ContentProvider = {
    info: (digest, options) => content.info(digest, options),
    read(descriptor, options) {
      const ranged = options?.offset !== undefined || options?.length !== undefined;
      reads.push(`${ranged ? "range" : "whole"} ${descriptor.digest}`);
      return content.read(descriptor, options);
    },
    stream(descriptor, options) {
      reads.push(`stream ${descriptor.digest}`);
      return content.stream!(descriptor, options);
    },
  };
  return { recorded, reads };
}

test("fs views with seek indexes (as the page keeps them): the first listing keeps each layer's index, then a file is one ranged read and equals umoci's unpack", async () => {
  const layout = buildViewerImage();
  const source = await openOciLayout(layout, { baseName: BASE_NAME });
  const { recorded, reads } = recording(source.content);
  const indexes = mapStore();
  const context = { ...contextFor({ ...source, content: recorded }), indexes };
  const state = stateOf("v", { layer: 0 });
  const { resolved } = await context.image(state.image!);
  const [layer] = resolved.manifest.layers;
  assertEquals(resolved.manifest.layers.length, 1);
  const layerReads = () => reads.filter((read) => read.endsWith(layer.digest));
  const listed = await filesView.load(context, state);
  assert(listed.page.items.some((e) => e.path === "etc/os-release"));
  // One verified whole read built the index, kept under a key of its own (no blob has it).
  assertEquals(layerReads(), [`whole ${layer.digest}`]);
  assertEquals(indexes.entries.size, 1);
  const [key, doc] = [...indexes.entries][0];
  assert(key !== layer.digest);
  assertEquals(
    decodeSeekIndex(doc, layer)?.entries.map((e) => e.path),
    listed.page.items.map((e) => e.path),
  );

  // A later page: nothing in memory but the kept index.
  const later = { ...contextFor({ ...source, content: recorded }), indexes };
  const root = unpack(layout, "v");
  for (const path of ["etc/os-release", "bin/true", "img/favicon.png"]) {
    reads.length = 0;
    const model = await fileView.load(later, stateOf("v", { show: "file", path }));
    assertEquals(model.bytes, new Uint8Array(readFileSync(join(root, path))), path);
    assertEquals(layerReads(), [`range ${layer.digest}`], path);
  }
});

test("fs views: a 50,000-file layer's tree and changes are 51 pages of at most 1,000 that hold every entry", async () => {
  const { layout, paths } = buildManyFiles(50_000);
  const context = await opened(layout);
  const dirs = [...new Set(paths.map((p) => p.split("/")[0]))];
  const expected = treeOrder([...dirs, ...paths].map((path) => ({ path }))).map((e) => e.path);
  const seen: string[] = [];
  const first = await treeView.load(context, stateOf("many", { show: "tree" }));
  assertEquals([first.page.pages, first.page.total], [51, 50_050]);
  for (let page = 1; page <= first.page.pages; page++) {
    const model = await treeView.load(context, stateOf("many", { show: "tree", page }));
    assert(model.page.items.length <= 1000);
    seen.push(...model.page.items.map((e) => e.path));
  }
  assertEquals(seen, expected);
  const changes = await changesView.load(
    context,
    stateOf("many", { show: "changes", layer: 0, page: 51 }),
  );
  assertEquals(changes.counts, { added: 50_050, modified: 0, removed: 0 });
  assertEquals(changes.page.items.map((c) => c.entry.path), expected.slice(50_000));
});

test("fs views: paths order by their UTF-8 bytes, surrogate pairs included", () => {
  const paths = [
    "a",
    "a/b",
    "a-c",
    "é",
    "\uFFFD",
    "😀",
    "\uE000x",
    "z",
    "",
    "a\u0000",
    "ab😀",
    "ab\uFFFF",
  ];
  const encoder = new TextEncoder();
  const expected = [...paths].sort((x, y) => Buffer.compare(encoder.encode(x), encoder.encode(y)));
  assertEquals([...paths].sort(bytewise), expected);
  assertEquals([...paths].reverse().sort(bytewise), expected);
});

test("fs views: file kinds, hex rows and pages at their edges", () => {
  assertEquals(fileKind(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])).mediaType, "image/jpeg");
  assertEquals(fileKind(new TextEncoder().encode("GIF89a")).mediaType, "image/gif");
  assertEquals(fileKind(new Uint8Array([0xc3, 0x28])).kind, "hex"); // not UTF-8
  assertEquals(fileKind(new Uint8Array()).kind, "text");
  assertEquals(hexRows(new Uint8Array(40), 1, 5).length, 2);
  assertEquals(hexRows(new Uint8Array(16), 0, 1), [
    `00000000  ${"00 ".repeat(8)} ${"00 ".repeat(8)} |${".".repeat(16)}|`,
  ]);
  const list = Array.from({ length: 2500 }, (_, i) => i);
  assertEquals([pageOf(list).items.length, pageOf(list).pages], [1000, 3]);
  assertEquals(pageOf(list, 3).items, list.slice(2000));
  assertEquals(pageOf(list, 99).page, 3);
  assertEquals([pageOf([]).pages, pageOf([]).total], [1, 0]);
});
