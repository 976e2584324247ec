/**
 * Benchmark: the browser bundle's bytes (minified, and minified + gzip) and the explorer's first
 * view in Debian's chromium, cold (empty IndexedDB) and warm (a reload), for the example layout
 * over HTTP and for a registry image (docker-registry on loopback, filled by skopeo). Prints one
 * JSON row per figure: `{ name, value, unit, target, pass }`. Usage:
 * `deno run -A bench/bundle_bench.ts`.
 */
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { APP_ENTRY, browserModules, bundle } from "../scripts/build_bundle.ts";
import { buildExplorer } from "../scripts/build_explorer.ts";
import { serveExplorer } from "../scripts/serve_explorer.ts";
import { launchChromium } from "../tests/browser/_chromium.ts";
import { sharedRegistry } from "../tests/adapters/_registry.ts";

/** One figure. */
export interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number | null;
  readonly pass: boolean | null;
}

const RUNS = 5;

function row(name: string, value: number, unit: string, target: number | null = null): Row {
  return { name, value, unit, target, pass: target === null ? null : value <= target };
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
    const views: [string, string][] = [
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
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const readyAt = async () => {
          await page.waitForSelector('body[data-ready="true"]');
          if (await page.getAttribute("body", "data-error")) {
            throw new Error(`${name}: ${await page.getAttribute("body", "data-error")}`);
          }
          return Number(await page.getAttribute("body", "data-ready-at"));
        };
        await page.goto(url);
        cold.push(await readyAt());
        await page.reload();
        warm.push(await readyAt());
        await context.close();
      }
      // Issue 13's target 6: the first view within 300 ms (measured from navigation start).
      rows.push(row(`${name}.cold_first_view`, median(cold), "ms", 300));
      rows.push(row(`${name}.warm_first_view`, median(warm), "ms", 300));
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
