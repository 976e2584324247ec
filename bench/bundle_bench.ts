/**
 * Benchmark: the browser bundle's bytes (minified, and minified + gzip) and the explorer's first
 * view in Debian's chromium, for a registry's images table, a registry image's layer listing
 * (docker-registry on loopback, filled by skopeo) and the example layout's over HTTP (the page on
 * loopback too). A first view is the time from navigation start to the page's `explorer:drawn`
 * PerformanceMark, which it sets once the first view's sections are in the DOM (src/explorer/app.ts),
 * read in the page: cold in a new browser context (no HTTP cache, no IndexedDB), warm on a second
 * visit (a new tab, same context), medians of {@link RUNS}. Prints one JSON row per figure:
 * `{ name, value, unit, target, pass, note? }`. Usage: `deno run -A bench/bundle_bench.ts`.
 */
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { APP_ENTRY, browserModules, bundle } from "../scripts/build_bundle.ts";
import { buildExplorer } from "../scripts/build_explorer.ts";
import { serveExplorer } from "../scripts/serve_explorer.ts";
import type { BrowserContext } from "playwright-core";
import { launchChromium } from "../tests/browser/_chromium.ts";
import { sharedRegistry } from "../tests/adapters/_registry.ts";

/** One figure. */
export interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number | null;
  readonly pass: boolean | null;
  readonly note?: string;
}

/** Visits of each view, cold then warm in one browser context. */
const RUNS = 7;

function row(
  name: string,
  value: number,
  unit: string,
  target: number | null = null,
  note?: string,
): Row {
  return {
    name,
    value,
    unit,
    target,
    pass: target === null ? null : value <= target,
    ...(note ? { note } : {}),
  };
}

/** The page's marks of one visit, in ms since navigation start. */
interface Marks {
  /** The page script started (`explorer:start`). */
  readonly start: number;
  /** The source was opened (`explorer:opened`). */
  readonly opened: number;
  /** The first view was in the DOM (`explorer:drawn`). */
  readonly drawn: number;
}

/** Opens `url` in a new tab of `context` and reads its marks once the view is ready. */
async function visit(context: BrowserContext, name: string, url: string): Promise<Marks> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    const error = await page.getAttribute("body", "data-error");
    if (error) throw new Error(`${name}: ${error}`);
    return await page.evaluate(() => {
      const at = (mark: string) => performance.getEntriesByName(mark, "mark")[0]?.startTime ?? NaN;
      return {
        start: at("explorer:start"),
        opened: at("explorer:opened"),
        drawn: at("explorer:drawn"),
      };
    });
  } finally {
    await page.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Runs the benchmark. */
export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const sizes = async (name: string, modules: readonly string[] | string, target?: number) => {
    const { minBytes, gzipBytes } = await bundle(modules);
    rows.push(row(`${name}.min`, minBytes, "bytes"));
    rows.push(row(`${name}.min_gzip`, gzipBytes, "bytes", target ?? null));
  };
  await sizes("bundle.browser", browserModules());
  await sizes("bundle.core", ["mod.ts"]);
  await sizes("bundle.core_registry_idb.every_export", [
    "mod.ts",
    "src/adapters/registry.ts",
    "src/adapters/idb_cache.ts",
  ], 25_000);
  await sizes("bundle.core_registry_idb.app", APP_ENTRY, 25_000);

  const dir = join(Deno.makeTempDirSync(), "explorer");
  await buildExplorer(dir);
  await esbuild.stop();
  const js = readFileSync(join(dir, "explorer.js"));
  rows.push(row("explorer.js.min", js.length, "bytes"));
  rows.push(row("explorer.js.min_gzip", gzipSync(js, { level: 9 }).length, "bytes"));

  const server = await serveExplorer({ dir });
  const { registry } = await sharedRegistry();
  const browser = await launchChromium();
  try {
    const reference = `${registry.host}/ocistore/multi:1.0`;
    const views: [string, string][] = [
      ["explorer.registry_table", `${server.url}?registry=${encodeURIComponent(reference)}`],
      [
        "explorer.layout",
        `${server.url}?layout=layout/&image=${
          encodeURIComponent("example.com/ocistore/app:2.1")
        }&layer=2`,
      ],
      [
        "explorer.registry",
        `${server.url}?registry=${
          encodeURIComponent(`${registry.host}/ocistore/multi:1.0`)
        }&image=${encodeURIComponent(`${registry.host}/ocistore/multi:1.0`)}&layer=0`,
      ],
    ];
    for (const [name, url] of views) {
      const cold: Marks[] = [];
      const warm: Marks[] = [];
      for (let i = 0; i < RUNS; i++) {
        const context = await browser.newContext();
        try {
          cold.push(await visit(context, name, url));
          warm.push(await visit(context, name, url));
        } finally {
          await context.close();
        }
      }
      // Issues 13 (target 6) and 23: the first view within 300 ms of navigation start.
      for (const [kind, marks] of [["cold", cold], ["warm", warm]] as const) {
        const at = (key: keyof Marks) => Math.round(median(marks.map((m) => m[key])));
        const note = `medians: script started ${at("start")} ms, source opened ${
          at("opened")
        } ms; all runs ${marks.map((m) => Math.round(m.drawn)).join(" ")}`;
        rows.push(row(`${name}.${kind}_first_view`, at("drawn"), "ms", 300, note));
      }
    }
  } finally {
    await browser.close();
    await server.close();
    await registry.stop();
  }
  return rows;
}

if (import.meta.main) {
  for (const r of await run()) console.log(JSON.stringify(r));
  Deno.exit(0);
}
