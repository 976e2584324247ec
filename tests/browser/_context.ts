/** What the browser tests share: one chromium, the built explorer and its server, and an output folder. */
import { assertMatch } from "@std/assert";
import { Buffer } from "node:buffer";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { buildExplorer } from "../../scripts/build_explorer.ts";
import { type ExplorerServer, serveExplorer } from "../../scripts/serve_explorer.ts";
import { launchChromium } from "./_chromium.ts";

export const root: string = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** Screenshots and logs of the browser tests. */
export const outputDir: string = join(root, ".cache/test-output/browser");
const explorerDir = join(root, ".cache/test-output/explorer-build");

let browser: Promise<Browser> | undefined;
let explorer: Promise<ExplorerServer> | undefined;
const extra = { passed: 0, failed: 0 };

/** The shared chromium. */
export function sharedBrowser(): Promise<Browser> {
  return (browser ??= launchChromium());
}

/** The explorer, built once and served with the example layout at `/layout/`. */
export function sharedExplorer(): Promise<ExplorerServer> {
  return (explorer ??= (async () => {
    mkdirSync(outputDir, { recursive: true });
    await buildExplorer(explorerDir);
    return await serveExplorer({ dir: explorerDir });
  })());
}

/** Serves the built explorer with another layout (e.g. a damaged one) on another port. */
export async function explorerWithLayout(layoutDir: string): Promise<ExplorerServer> {
  await sharedExplorer();
  return await serveExplorer({ dir: explorerDir, layoutDir });
}

/** A fresh browser context (its own IndexedDB) and a page in it, logging page errors. */
export async function freshPage(
  options?: BrowserContextOptions,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await (await sharedBrowser()).newContext(options);
  // Playwright's 30 s default is a stall stop that a loaded machine can hit; none of these waits is a verdict.
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.log(`     page error: ${error.message}`));
  return { context, page };
}

/** Waits for the explorer to finish rendering the current view. */
export async function viewReady(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready="true"]');
}

/** Tests run inside the page count into the summary too. */
export function addCounts(passed: number, failed: number): void {
  extra.passed += passed;
  extra.failed += failed;
}

/** The counts added by {@link addCounts}. */
export function extraCounts(): { passed: number; failed: number } {
  return { ...extra };
}

/** Stops what was started. */
export async function closeShared(): Promise<void> {
  if (browser) await (await browser).close();
  if (explorer) await (await explorer).close();
}

/**
 * Saves a screenshot of the page under the output folder and checks it is not blank: drawn on a
 * canvas, its pixels must show several colors, and more than 1% of them must differ from the
 * corner's (the background).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(outputDir, `${name}.png`);
  const png = await page.screenshot({ path, fullPage: true });
  const checker = await (await sharedBrowser()).newPage();
  try {
    const stats = await checker.evaluate(async (base64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, image.width, image.height);
      const colors = new Set<number>();
      let differing = 0;
      for (let i = 0; i < data.length; i += 4) {
        const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        colors.add(rgb);
        if (rgb !== ((data[0] << 16) | (data[1] << 8) | data[2])) differing++;
      }
      return { colors: colors.size, share: differing / (data.length / 4) };
    }, Buffer.from(png).toString("base64"));
    if (stats.colors < 4 || stats.share < 0.01) {
      throw new Error(
        `Screenshot ${name} looks blank: ${stats.colors} colors, ${stats.share} non-background`,
      );
    }
  } finally {
    await checker.close();
  }
  return path;
}

/** `ocistore images` table output as sorted `reference id size` rows, its header checked. */
export function imagesTableRows(out: string): string[] {
  const lines = out.trim().split("\n");
  assertMatch(lines[0], /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE/);
  return lines.slice(1).map((line) => {
    const [image, tag, id, size] = line.trim().split(/\s+/);
    return `${image}:${tag} ${id} ${size}`;
  }).sort();
}

/** The page's store table as sorted `reference id size` rows, to compare with the CLI's. */
export async function pageRows(page: Page): Promise<string[]> {
  return (await page.$$eval("#store tbody tr", (rows) =>
    rows.map((row) => {
      const cells = [...row.querySelectorAll("td")].map((td) => td.textContent!.trim());
      return `${cells[0]} ${cells[1]} ${cells[3]}`;
    }))).sort();
}
