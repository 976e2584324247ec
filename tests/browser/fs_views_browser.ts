// The explorer's filesystem views in chromium over fresh umoci images (whiteouts, an opaque
// directory, a hard link across layers, symlinks, a PNG, a binary, a 50,000-file layer); what the
// page shows is checked against `umoci unpack`, `find`, `cmp`, GNU tar and `hexdump -C`.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { test } from "../harness.ts";
import { explorerWithLayout, freshPage, screenshot, viewReady } from "./_context.ts";
import { BASE_NAME, buildManyFiles, buildViewerImage } from "../explorer/_fs_images.ts";
import {
  buildDiffImages,
  buildWasteful,
  findTree,
  layoutImage,
  rootsDiff,
  run,
  unpack,
} from "../layers/_images.ts";
import { layersFilesystem } from "../../src/core/image_layers.ts";
import { treeOrder } from "../../src/explorer/views/_fs_load.ts";

let built: ReturnType<typeof buildDiffImages> | undefined;
const images = () => built ??= buildDiffImages();

/** The page's URL for `tag` of the served layout, with more query parameters. */
function at(url: string, tag: string, query = ""): string {
  const image = encodeURIComponent(`${BASE_NAME}:${tag}`);
  return `${url}?layout=layout%2F&base=${encodeURIComponent(BASE_NAME)}&image=${image}${query}`;
}

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await viewReady(page);
  assertEquals(await page.getAttribute("body", "data-error"), "");
}

/** The paths of a section's rows, in order. */
const pathsIn = (page: Page, section: string) =>
  page.$$eval(`#${section} tbody [data-path]`, (c) => c.map((x) => x.getAttribute("data-path")!));

/** `kind path` of each row of a changes table. */
const changesIn = (page: Page, section: string) =>
  page.$$eval(
    `#${section} tbody tr`,
    (rows) =>
      rows.map((row) =>
        `${row.querySelector("[data-change]")!.getAttribute("data-change")} ${
          row.querySelector("[data-path]")!.getAttribute("data-path")
        }`
      ),
  );

function expectedChanges(diff: ReturnType<typeof rootsDiff>): string[] {
  return [
    ...diff.added.map((p) => `added ${p}`),
    ...diff.modified.map((p) => `modified ${p}`),
    ...diff.removed.map((p) => `removed ${p}`),
  ].sort((x, y) => Buffer.compare(Buffer.from(x.split(" ")[1]), Buffer.from(y.split(" ")[1])));
}

/** Clicks Next until the last page, collecting the section's paths of every page. */
async function everyPage(page: Page, section: string): Promise<string[]> {
  const all: string[] = [];
  for (;;) {
    all.push(...await pathsIn(page, section));
    const next = await page.$(`#${section} nav.pager a[rel=next]`);
    if (!next) return all;
    await next.click();
    await viewReady(page);
  }
}

test("explorer fs: the merged tree (loaded on demand) is what umoci unpack writes, with each entry's layer, and reopens from the cache", async () => {
  const { layout } = images();
  const server = await explorerWithLayout(layout);
  const { context, page } = await freshPage();
  const chunks: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/chunks/")) chunks.push(r.url());
  });
  try {
    await open(page, at(server.url, "b"));
    // The image page loads no filesystem view's code.
    assertEquals(chunks.filter((c) => /fs_tree/.test(c)), []);
    await page.click("#explore >> text=Merged filesystem");
    await page.waitForURL(/show=tree/);
    await viewReady(page);
    assert(chunks.some((c) => /fs_tree/.test(c)), `no tree chunk among ${chunks}`);
    assertEquals(await page.evaluate(() => document.activeElement?.id), "fs-tree-heading");
    const expected = findTree(unpack(layout, "b"));
    const paths = await pathsIn(page, "fs-tree");
    assertEquals(new Set(paths), new Set(expected.keys()));
    assertEquals(paths, treeOrder(paths.map((path) => ({ path }))).map((e) => e.path));
    const { layers } = await layoutImage(layout, "b");
    const merged = new Map((await layersFilesystem(layers)).map((e) => [e.path, e.layer + 1]));
    const shownLayers = await page.$$eval(
      "#fs-tree tbody tr",
      (rows) =>
        rows.map((r) =>
          [
            r.querySelector("[data-path]")!.getAttribute("data-path")!,
            Number(r.querySelector("[data-layer]")!.textContent),
          ] as const
        ),
    );
    assertEquals(new Map(shownLayers), merged);
    await screenshot(page, "fs-tree");
    // A directory opens its subtree.
    await page.click('#fs-tree a:has([data-path="opt"])');
    await page.waitForURL(/path=opt/);
    await viewReady(page);
    assertEquals(await pathsIn(page, "fs-tree"), ["opt", "opt/fresh"]);
    // Back at the whole tree, a reload reads no blob from the server: the layers were cached.
    await page.goBack();
    await viewReady(page);
    const blobs: string[] = [];
    page.on("request", (r) => {
      if (/\/blobs\/sha256\//.test(r.url())) blobs.push(r.url());
    });
    await page.reload();
    await viewReady(page);
    assertEquals(blobs, []);
    assertEquals(await page.getAttribute("#cache-status", "data-from"), "cache");
    assertEquals(new Set(await pathsIn(page, "fs-tree")), new Set(expected.keys()));
  } finally {
    await context.close();
    await server.close();
  }
});

test("explorer fs: each layer's changes and a diff of two tags are find and cmp over the unpacked roots", async () => {
  const { layout, steps } = images();
  const server = await explorerWithLayout(layout);
  const { context, page } = await freshPage();
  try {
    const tags = ["a", ...steps];
    await open(page, at(server.url, "b"));
    for (let i = 1; i < tags.length; i++) {
      await page.click(`#explore a[href*="layer=${i}&show=changes"]`);
      await viewReady(page);
      assertEquals(await page.textContent("#fs-changes-heading"), `Changes of layer ${i + 1}`);
      const expected = expectedChanges(
        rootsDiff(unpack(layout, tags[i - 1]), unpack(layout, tags[i])),
      );
      assert(expected.length > 0, tags[i]);
      assertEquals(await changesIn(page, "fs-changes"), expected, tags[i]);
      if (i === 3) await screenshot(page, "fs-changes");
    }
    await page.click("#explore >> text=Compare with another image");
    await viewReady(page);
    await page.selectOption("#diff-other", `${BASE_NAME}:a`);
    await page.waitForURL(/other=/);
    await viewReady(page);
    assertEquals(await page.evaluate(() => document.activeElement?.id), "diff-other");
    // From b to a: what a lacks is removed, what b added is gone.
    assertEquals(
      await changesIn(page, "fs-diff"),
      expectedChanges(rootsDiff(unpack(layout, "b"), unpack(layout, "a"))),
    );
    assertStringIncludes(await page.textContent("#fs-diff .counts") ?? "", "removed");
    await screenshot(page, "fs-diff");
  } finally {
    await context.close();
    await server.close();
  }
});

test("explorer fs: files by size and the efficiency figures; a path search", async () => {
  const layout = buildWasteful();
  const server = await explorerWithLayout(layout);
  const { context, page } = await freshPage();
  try {
    await open(page, at(server.url, "w", "&show=size"));
    const value = async (id: string) => Number(await page.getAttribute(`#${id}`, "data-value"));
    // As tests/layers/image_efficiency_test.ts works them out by hand from dive's formulas.
    assertEquals(await value("efficiency-score"), 130 / 340);
    assertEquals(await value("efficiency-wasted"), 240);
    assertEquals(await value("efficiency-user-wasted"), 240 / 130);
    assertEquals(await value("efficiency-reclaimable"), 260);
    assertEquals(await pathsIn(page, "wasteful"), ["x", "z"]);
    await screenshot(page, "fs-size");
  } finally {
    await context.close();
    await server.close();
  }
  const { layout: diffLayout } = images();
  const diffServer = await explorerWithLayout(diffLayout);
  const second = await freshPage();
  try {
    const root = unpack(diffLayout, "b");
    await open(second.page, at(diffServer.url, "b", "&show=size"));
    const files = run("find", [root, "-type", "f", "-printf", "%s %P\n"]).trim().split("\n")
      .map((line) => line.split(" ")).filter(([, path]) => path !== "h1-link")
      .sort((x, y) => Number(y[0]) - Number(x[0]) || (x[1] < y[1] ? -1 : 1));
    // The files table (not the wasteful files' one inside #wasteful).
    const shown = await second.page.$$eval(
      "#fs-size > div.scroll tbody tr",
      (rows) =>
        rows.map((r) =>
          `${r.querySelector("[data-bytes]")!.getAttribute("data-bytes")} ${
            r.querySelector("[data-path]")!.getAttribute("data-path")
          }`
        ),
    );
    assertEquals(shown, files.map(([size, path]) => `${size} ${path}`));
    await second.page.click("#explore >> text=Search paths");
    await viewReady(second.page);
    await second.page.fill("#search-query", "B");
    await second.page.press("#search-query", "Enter");
    await second.page.waitForURL(/q=B/);
    await viewReady(second.page);
    const all = [...findTree(root).keys()];
    assertEquals(
      new Set(await pathsIn(second.page, "fs-search")),
      new Set(all.filter((p) => p.toLowerCase().includes("b"))),
    );
  } finally {
    await second.context.close();
    await diffServer.close();
  }
});

test("explorer fs: the file viewer shows text, a PNG, and a binary as hexdump -C does, page by page", async () => {
  const layout = buildViewerImage();
  const root = unpack(layout, "v");
  const server = await explorerWithLayout(layout);
  const { context, page } = await freshPage();
  try {
    await open(page, at(server.url, "v", "&show=tree"));
    // Through the tree: the symlink opens its target's text.
    await page.click('#fs-tree a:has([data-path="os-release"])');
    await viewReady(page);
    assertEquals(
      await page.textContent("#file-text"),
      readFileSync(join(root, "etc/os-release"), "utf8").trimEnd(),
    );
    await open(page, at(server.url, "v", "&show=file&path=img%2Ffavicon.png"));
    const size = await page.$eval("#file-image", async (img) => {
      const image = img as HTMLImageElement;
      await image.decode();
      return [image.naturalWidth, image.naturalHeight];
    });
    // `file` says 16 x 16 of tests/testdata/git-favicon.png.
    assertEquals(size, [16, 16]);
    await screenshot(page, "fs-file-png");
    await open(page, at(server.url, "v", "&show=file&path=bin%2Ftrue"));
    const dump = run("hexdump", ["-C", "-v", join(root, "bin/true")]).trimEnd().split("\n");
    dump.pop();
    const rows: string[] = [];
    for (;;) {
      rows.push(...(await page.textContent("#file-hex"))!.split("\n"));
      const next = await page.$("#fs-file nav.pager a[rel=next]");
      if (!next) break;
      await next.click();
      await viewReady(page);
    }
    assertEquals(rows, dump);
    await screenshot(page, "fs-file-hex");
  } finally {
    await context.close();
    await server.close();
  }
});

test("explorer fs: a 50,000-file layer: the first page is drawn alone and every entry is reachable page by page", async () => {
  const { layout, paths } = buildManyFiles(50_000);
  const server = await explorerWithLayout(layout);
  const { context, page } = await freshPage();
  try {
    const dirs = [...new Set(paths.map((p) => p.split("/")[0]))];
    const expected = treeOrder([...dirs, ...paths].map((path) => ({ path }))).map((e) => e.path);
    await open(page, at(server.url, "many", "&show=tree"));
    const pager = await page.$eval(
      "#fs-tree nav.pager",
      (n) => ({ ...(n as HTMLElement).dataset }),
    );
    assertEquals(pager.total, String(expected.length));
    // Only this page's rows are in the document.
    assertEquals(await page.$$eval("#fs-tree tbody tr", (r) => r.length), 1000);
    assertEquals(await pathsIn(page, "fs-tree"), expected.slice(0, 1000));
    await screenshot(page, "fs-many");
    assertEquals(await everyPage(page, "fs-tree"), expected);

    // The layer as stored (GNU tar's listing), its changes, and a search, over the same 50,050.
    const blob = (await layoutImage(layout, "many")).manifest.layers[0].digest;
    const listed = run("tar", ["-tzf", join(layout, "blobs", ...blob.split(":"))]).trim().split(
      "\n",
    );
    await open(page, at(server.url, "many", "&layer=0"));
    assertEquals(
      await page.getAttribute("#files nav.pager", "data-total"),
      String(listed.length),
    );
    assertEquals(await page.$$eval("#files tbody tr", (r) => r.length), 1000);
    await open(
      page,
      at(server.url, "many", `&show=changes&layer=0&page=${Math.ceil(expected.length / 1000)}`),
    );
    const last = await changesIn(page, "fs-changes");
    // Changes are sorted bytewise, which is tree order for these names.
    assertEquals(last, expected.slice(-last.length).map((p) => `added ${p}`));
    assertEquals(
      await page.getAttribute("#fs-changes nav.pager", "data-total"),
      String(expected.length),
    );
    await open(page, at(server.url, "many", "&show=search&q=f0999"));
    assertEquals(
      await pathsIn(page, "fs-search"),
      paths.filter((p) => p.endsWith("f0999")),
    );
  } finally {
    await context.close();
    await server.close();
  }
});
