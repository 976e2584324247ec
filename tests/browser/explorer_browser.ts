// The explorer page in chromium over the example layout, archives and a damaged layout; expected
// values come from the CLI, the library and GNU tar run here, never from constants.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { test } from "../harness.ts";
import { configFor, manifestFor } from "../../src/core/image.ts";
import { only } from "../../src/core/platform_matcher.ts";
import { parsePlatform } from "../../src/core/platform.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import { buildImage, initLayout } from "../../scripts/_umoci.ts";
import {
  explorerWithLayout,
  freshPage,
  imagesTableRows,
  pageRows,
  root,
  screenshot,
  sharedExplorer,
  viewReady,
} from "./_context.ts";

const layoutDir = join(root, "examples/layout");
const deno = join(root, "node_modules/.bin/deno");

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8" });
  if (result.error) throw result.error;
  return result.stdout;
}

/** `ocistore images SOURCE` rows as `reference id size`, the CLI's own table parsed. */
function cliRows(source: string, ...flags: string[]): string[] {
  const out = run(deno, ["run", "-A", "src/cli/bin.ts", "images", ...flags, source]);
  return imagesTableRows(out);
}

/** Opens the page at `url` and chooses `file` in its file input, as a user would. */
async function chooseArchive(page: Page, url: string, file: string): Promise<void> {
  await page.goto(url);
  await viewReady(page);
  await page.setInputFiles("#archive-file", file);
  await page.waitForSelector("#store tbody tr");
  await viewReady(page);
}

const layoutView = (url: string, query = "") => `${url}?layout=layout/${query}`;

test("explorer: the example layout shows the IDs and sizes the CLI prints", async () => {
  const server = await sharedExplorer();
  const { context, page } = await freshPage();
  try {
    // The empty page offers the example layout it is served with.
    await page.goto(server.url);
    await page.click("#examples a");
    await page.waitForURL(/layout=layout%2F/);
    await viewReady(page);
    assertEquals(await page.getAttribute("body", "data-error"), "");
    const expected = cliRows(layoutDir);
    assert(expected.length >= 4, `expected the CLI to list the examples, found ${expected}`);
    assertEquals(await pageRows(page), expected);
    await screenshot(page, "store");
  } finally {
    await context.close();
  }
});

test("explorer: an index's platforms switch, keyboard only, to the IDs the library resolves", async () => {
  const server = await sharedExplorer();
  const source = await openOciLayout(layoutDir);
  const ref = "example.com/ocistore/multi:1.0";
  const record = await source.images.get(ref);
  const idFor = async (platform: string) =>
    (await configFor(source.content, record.target, { platform: only(parsePlatform(platform)) }))
      .digest;
  const { context, page } = await freshPage();
  try {
    await page.goto(layoutView(server.url));
    await viewReady(page);
    // Tab to the image's link and press Enter, as a keyboard user would.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate((r) => document.activeElement?.textContent === r, ref)) break;
    }
    await page.keyboard.press("Enter");
    await viewReady(page);
    assertEquals(await page.textContent("#image-heading"), ref);
    const focused = () => page.evaluate(() => document.activeElement?.id ?? "");
    assertEquals(await focused(), "image-heading");
    assertEquals(
      await page.getAttribute("#image [data-id]", "data-id"),
      await idFor("linux/amd64"),
    );
    const options = await page.$$eval("#platform option", (o) => o.map((x) => x.textContent));
    assertEquals(options, ["linux/amd64", "linux/arm64/v8"]);
    await screenshot(page, "image");
    await page.focus("#platform");
    await page.keyboard.press("ArrowDown");
    await page.waitForURL(/platform=linux%2Farm64%2Fv8/);
    await viewReady(page);
    assertEquals(await focused(), "platform");
    assertEquals(
      await page.getAttribute("#image [data-id]", "data-id"),
      await idFor("linux/arm64/v8"),
    );
    const manifest = await manifestFor(source.content, record.target, {
      platform: only(parsePlatform("linux/arm64/v8")),
    });
    // The table above describes the same platform as the details (issue 26 §2).
    assertEquals(
      await page.getAttribute("#store tr:has([aria-current]) [data-id]", "data-id"),
      await idFor("linux/arm64/v8"),
    );
    const digests = await page.$$eval(
      "#layers code.digest",
      (c) => c.map((x) => x.getAttribute("data-digest")),
    );
    assertEquals(digests, manifest.manifest.layers.map((l) => l.digest));
    await screenshot(page, "platform");
    // On to the first layer's files, still by keyboard.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      const label = await page.evaluate(() => document.activeElement?.getAttribute("aria-label"));
      if (label === "Files of layer 1") break;
    }
    await page.keyboard.press("Enter");
    await page.waitForURL(/layer=0/);
    await viewReady(page);
    assertEquals(await focused(), "files-heading");
    assert(await page.$$eval("#files tbody tr", (r) => r.length) > 0, "no files listed");
  } finally {
    await context.close();
  }
});

test('explorer: a layer\'s full digest is one click away, Copy puts it on the clipboard, and one blob fetched reads "1 blob"', async () => {
  const server = await sharedExplorer();
  const source = await openOciLayout(layoutDir);
  const ref = "example.com/ocistore/app:2.1";
  const { manifest } = await manifestFor(source.content, (await source.images.get(ref)).target);
  const digest = manifest.layers[0].digest;
  const { context, page } = await freshPage({ permissions: ["clipboard-read", "clipboard-write"] });
  try {
    await page.goto(layoutView(server.url, `&image=${encodeURIComponent(ref)}`));
    await viewReady(page);
    const row = page.locator("#layers tbody tr").first();
    const full = row.locator("code.full");
    assertEquals(await row.locator("summary").textContent(), `sha256:${digest.slice(7, 19)}`);
    assertEquals(await full.isVisible(), false);
    await row.locator("summary").click();
    assertEquals(await full.isVisible(), true);
    assertEquals(await full.textContent(), digest);
    await row.locator("button.copy").click();
    assertEquals(await page.evaluate(() => navigator.clipboard.readText()), digest);
    // The image view read the documents; the files of a layer fetch that layer alone.
    await row.locator('a[aria-label="Files of layer 1"]').click();
    await page.waitForURL(/layer=0/);
    await viewReady(page);
    assertEquals(await page.getAttribute("#cache-status", "data-fetched"), "1");
    assertStringIncludes(await page.textContent("#cache-status") ?? "", "Fetched 1 blob over");
  } finally {
    await context.close();
  }
});

test("explorer: a layer's files are those GNU tar lists, and a reload reopens the view from the cache", async () => {
  const server = await sharedExplorer();
  const source = await openOciLayout(layoutDir);
  const ref = "example.com/ocistore/app:2.1";
  const { manifest } = await manifestFor(source.content, (await source.images.get(ref)).target);
  const index = manifest.layers.length - 1;
  const layer = manifest.layers[index];
  const blob = join(layoutDir, "blobs", ...layer.digest.split(":"));
  // `tar tv`: mode, owner, size, date, time, path (and `-> target`).
  const expected = run("tar", ["-tzvf", blob]).trim().split("\n").map((line) => {
    const [mode, owner, size, , , ...rest] = line.split(/\s+/);
    return `${mode} ${owner} ${size} ${rest.join(" ")}`;
  });
  assert(expected.length > 0, "tar listed nothing");
  const { context, page } = await freshPage();
  try {
    const url = layoutView(server.url, `&image=${encodeURIComponent(ref)}&layer=${index}`);
    await page.goto(url);
    await viewReady(page);
    const listed = async () =>
      await page.$$eval("#files tbody tr", (rows) =>
        rows.map((row) => {
          const cells = [...row.querySelectorAll("td")];
          const size = cells[2].querySelector("[data-bytes]")?.getAttribute("data-bytes") ?? "0";
          return `${cells[0].textContent} ${cells[1].textContent} ${size} ${cells[3].textContent}`;
        }));
    assertEquals(await listed(), expected);
    assertEquals(await page.getAttribute("#cache-status", "data-from"), "network");
    await screenshot(page, "files");
    const byDigest: string[] = [];
    page.on("request", (request) => {
      if (/\/blobs\/sha256\//.test(request.url())) byDigest.push(request.url());
    });
    await page.reload();
    await viewReady(page);
    assertEquals(page.url(), url);
    assertEquals(await listed(), expected);
    assertEquals(byDigest, []);
    assertEquals(await page.getAttribute("#cache-status", "data-from"), "cache");
    assertStringIncludes(await page.textContent("#cache-status") ?? "", "came from the cache");
  } finally {
    await context.close();
  }
});

test("explorer: zstd layers (written by skopeo) are listed as GNU tar lists them", async () => {
  const work = mkdtempSync(join(tmpdir(), "explorer-zstd-"));
  const ref = "example.com/ocistore/app:2.1";
  try {
    const zstdLayout = join(work, "layout");
    run("skopeo", [
      "copy",
      "--quiet",
      "--dest-compress",
      "--dest-compress-format",
      "zstd",
      `oci:${layoutDir}:${ref}`,
      `oci:${zstdLayout}:${ref}`,
    ]);
    const source = await openOciLayout(zstdLayout);
    const { manifest } = await manifestFor(source.content, (await source.images.get(ref)).target);
    const index = manifest.layers.length - 1;
    const layer = manifest.layers[index];
    assertStringIncludes(layer.mediaType, "zstd");
    const blob = join(zstdLayout, "blobs", ...layer.digest.split(":"));
    const expected = run("tar", ["--zstd", "-tf", blob]).trim().split("\n");
    assert(expected.length > 1, `tar listed ${expected}`);
    const server = await explorerWithLayout(zstdLayout);
    const { context, page } = await freshPage();
    try {
      await page.goto(layoutView(server.url, `&image=${encodeURIComponent(ref)}&layer=${index}`));
      await viewReady(page);
      assertEquals(await page.getAttribute("body", "data-error"), "");
      const paths = await page.$$eval(
        "#files tbody tr td:nth-child(4)",
        (c) => c.map((x) => x.textContent),
      );
      assertEquals(paths, expected);
    } finally {
      await context.close();
      await server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("explorer: archives given through the file input open (OCI archive, and docker-archive by skopeo)", async () => {
  const server = await sharedExplorer();
  const work = mkdtempSync(join(tmpdir(), "explorer-archive-"));
  try {
    const ociArchive = join(work, "layout.tar");
    run("tar", ["-C", layoutDir, "-cf", ociArchive, "."]);
    const dockerArchive = join(work, "app-docker.tar");
    run("skopeo", [
      "copy",
      "--quiet",
      "oci:" + layoutDir + ":example.com/ocistore/app:2.1",
      `docker-archive:${dockerArchive}:example.com/ocistore/app:2.1`,
    ]);
    for (
      const [file, cli] of [[ociArchive, `oci-archive:${ociArchive}`], [
        dockerArchive,
        `docker-archive:${dockerArchive}`,
      ]]
    ) {
      const { context, page } = await freshPage();
      try {
        await chooseArchive(page, server.url, file);
        const expected = cliRows(cli);
        assert(expected.length > 0, `the CLI listed nothing in ${file}`);
        assertEquals(await pageRows(page), expected);
        if (file === dockerArchive) await screenshot(page, "archive");
      } finally {
        await context.close();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("explorer: OCI archives with tag-only names (skopeo, umoci) list as the CLI lists them, with its warning and a base name", async () => {
  const server = await sharedExplorer();
  const work = mkdtempSync(join(tmpdir(), "explorer-tag-only-"));
  try {
    const one = join(work, "one.oci.tar");
    run("skopeo", [
      "copy",
      "--quiet",
      `oci:${layoutDir}:example.com/ocistore/app:2.1`,
      `oci-archive:${one}:latest`,
    ]);
    const multi = join(work, "multi.oci.tar");
    run("skopeo", [
      "copy",
      "--quiet",
      "--all",
      `oci:${layoutDir}:example.com/ocistore/multi:1.0`,
      `oci-archive:${multi}:1.0`,
    ]);
    const umociLayout = join(work, "umoci");
    initLayout(umociLayout);
    buildImage(umociLayout, "latest", {
      architecture: "amd64",
      layers: [{ files: { "hello.txt": "hello\n" }, createdBy: "umoci insert hello.txt" }],
    }, join(work, "scratch"));
    const umoci = join(work, "umoci.oci.tar");
    run("tar", ["-C", umociLayout, "-cf", umoci, "."]);
    for (const file of [one, multi, umoci]) {
      const cli = spawnSync(
        deno,
        ["run", "-A", "src/cli/bin.ts", "images", `oci-archive:${file}`],
        {
          cwd: root,
          encoding: "utf8",
        },
      );
      const expected = cliRows(`oci-archive:${file}`);
      assertEquals(expected.length, 1, `the CLI's rows of ${file}: ${expected}`);
      const cliWarning = /warning: (.*); use --base-name/.exec(cli.stderr)?.[1];
      assert(cliWarning, `the CLI warned of no tag-only name: ${cli.stderr}`);
      const { context, page } = await freshPage();
      try {
        await chooseArchive(page, server.url, file);
        assertEquals(await pageRows(page), expected);
        assertStringIncludes(await page.textContent("#store .warnings") ?? "", cliWarning);
        // The base name field is the CLI's --base-name.
        await page.fill("#base-name", "example.com/team/app");
        await page.click("#base-name-form button");
        await page.waitForURL(/base=example.com%2Fteam%2Fapp/);
        await viewReady(page);
        const named = cliRows(`oci-archive:${file}`, "--base-name", "example.com/team/app");
        assertEquals(await pageRows(page), named);
        assertEquals(await page.$("#store .warnings"), null);
        if (file === multi) await screenshot(page, "tag-only");
      } finally {
        await context.close();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("explorer: a blob served with wrong bytes is refused and not cached", async () => {
  const work = mkdtempSync(join(tmpdir(), "explorer-damaged-"));
  const damaged = join(work, "layout");
  cpSync(layoutDir, damaged, { recursive: true });
  const source = await openOciLayout(layoutDir);
  const ref = "example.com/ocistore/hello:1.0";
  const config = await configFor(source.content, (await source.images.get(ref)).target);
  const path = join(damaged, "blobs", ...config.digest.split(":"));
  const bytes = readFileSync(path);
  bytes[bytes.length - 2] ^= 0x01; // same size, other digest
  writeFileSync(path, bytes);
  const server = await explorerWithLayout(damaged);
  const { context, page } = await freshPage();
  try {
    await page.goto(layoutView(server.url));
    await viewReady(page);
    const warnings = await page.textContent("#store .warnings") ?? "";
    assertStringIncludes(warnings, config.digest);
    assertStringIncludes(warnings, "does not match its digest");
    const rows = await pageRows(page);
    assertEquals(rows.some((r) => r.startsWith(ref)), false);
    assert(rows.length > 0, "the intact images should still be listed");
    const stored = await page.evaluate(async (digests) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open("ocistore-explorer");
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const store = db.transaction("blobs").objectStore("blobs");
      const has = (key: string) =>
        new Promise<boolean>((resolve) => {
          const request = store.count(key);
          request.onsuccess = () => resolve(request.result > 0);
        });
      return await Promise.all(digests.map((d) => has(`blob:${d}`)));
    }, [config.digest, "sha256:" + rows[0].split(" ")[1]]);
    // The damaged config is not kept; an intact image's config (its ID's prefix) is looked up below.
    assertEquals(stored[0], false);
    await screenshot(page, "damaged");
  } finally {
    await context.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
});

test("explorer: without a working IndexedDB the page still reads the images and says the cache is off", async () => {
  const server = await sharedExplorer();
  const { context, page } = await freshPage();
  try {
    await page.addInitScript(() => {
      indexedDB.open = () => {
        throw new DOMException("IndexedDB is disabled in private mode", "InvalidStateError");
      };
    });
    await page.goto(layoutView(server.url));
    await viewReady(page);
    assertEquals(await pageRows(page), cliRows(layoutDir));
    assertEquals(await page.isVisible("#cache-error"), true);
    assertStringIncludes(await page.textContent("#cache-error") ?? "", "private mode");
  } finally {
    await context.close();
  }
});

test("explorer: dark color scheme and a narrow screen: dark background, nothing wider than the screen", async () => {
  const server = await sharedExplorer();
  const { context, page } = await freshPage({
    viewport: { width: 360, height: 740 },
    colorScheme: "dark",
  });
  try {
    await page.goto(layoutView(server.url, "&image=example.com%2Focistore%2Fapp%3A2.1"));
    await viewReady(page);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    assert(r + g + b < 120, `expected a dark background, found ${background}`);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
    assert(widths[0] <= widths[1], `page is ${widths[0]} px wide on a ${widths[1]} px screen`);
    await screenshot(page, "narrow-dark");
  } finally {
    await context.close();
  }
});

test("explorer: every action of a layer row is on screen, with no sideways scrolling, at 1280 px and at 400 px", async () => {
  const server = await sharedExplorer();
  const browser = await (await freshPage()).context.browser()!;
  for (const width of [1280, 400]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(layoutView(server.url, "&image=example.com%2Focistore%2Fapp%3A2.1"));
      await viewReady(page);
      // The widest a row gets: every full digest open.
      await page.$$eval("#layers details", (all) => all.forEach((d) => d.setAttribute("open", "")));
      const found = await page.$$eval("#layers tbody tr", (rows) =>
        rows.map((row) => {
          const actions = [
            row.querySelector('a[aria-label^="Files of layer"]')!,
            row.querySelector("button.copy")!,
            row.querySelector("summary")!,
          ];
          const boxes = actions.map((action) => {
            const box = action.getBoundingClientRect();
            return { left: box.left, right: box.right, width: box.width };
          });
          // An ancestor that scrolls sideways would hide part of the row behind a scrollbar.
          const scrolling: string[] = [];
          for (let at = row.parentElement; at; at = at.parentElement) {
            if (at.scrollWidth > at.clientWidth) {
              scrolling.push(`${at.tagName} ${at.scrollWidth}>${at.clientWidth}`);
            }
          }
          return { boxes, scrolling };
        }));
      assert(found.length >= 1, "no layer rows");
      for (const [i, { boxes, scrolling }] of found.entries()) {
        for (const box of boxes) {
          assert(
            box.width > 0 && box.left >= 0 && box.right <= width,
            `at ${width} px, layer ${i + 1}: an action at ${box.left}..${box.right}`,
          );
        }
        assertEquals(
          scrolling,
          [],
          `at ${width} px, layer ${i + 1} sits in a sideways-scrolling box`,
        );
      }
      const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(pageWidth <= width, `page is ${pageWidth} px wide on a ${width} px screen`);
      await screenshot(page, `layers-${width}`);
    } finally {
      await context.close();
    }
  }
});
