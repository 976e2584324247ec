/**
 * The browser bundle: one minified, tree-shakeable ESM file of the browser-safe library (core,
 * registry, IndexedDB cache, archive from a `Blob`, OCI layout over HTTP with `httpFiles`), with no
 * `node:` import. Usage: `deno run -A scripts/build_bundle.ts [OUT_FILE]` (default
 * `.cache/bundle/ocistore.browser.js`); prints its bytes, minified and minified + gzip.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the bundle is written by default. */
export const DEFAULT_BUNDLE_FILE: string = join(root, ".cache/bundle/ocistore.browser.js");

/** The modules of the browser bundle, relative to the repository (the registry once it exists). */
export function browserModules(): string[] {
  return [
    "mod.ts",
    "src/adapters/registry.ts",
    "src/adapters/idb_cache.ts",
    "src/adapters/archive.ts",
    "src/adapters/oci_layout.ts",
    "src/adapters/memory.ts",
  ].filter((path) => existsSync(join(root, path)));
}

/**
 * A browser app reading a registry through the store with the IndexedDB cache: what the budget
 * of the issue (core + registry + IndexedDB cache <= 25 kB min+gzip) is checked on, tree-shaken.
 */
export const APP_ENTRY: string = [
  `export { ImageStore, readBlob, readBlobStream, readJson, manifestFor, configFor, platformsOf, only, parsePlatform, formatPlatform } from "./mod.ts";`,
  `export { openRegistry } from "./src/adapters/registry.ts";`,
  `export { idbCache } from "./src/adapters/idb_cache.ts";`,
].join("\n");

/** A bundle's text and sizes. */
export interface BundleResult {
  /** The minified JavaScript. */
  readonly code: string;
  /** Its size in bytes. */
  readonly minBytes: number;
  /** Its size gzipped (level 9), in bytes. */
  readonly gzipBytes: number;
}

/**
 * Bundles `modules` (re-exported whole) into one minified ESM text.
 *
 * @param modules Paths relative to the repository, or an entry's source text.
 * @returns The code and its sizes.
 */
export async function bundle(modules: readonly string[] | string): Promise<BundleResult> {
  const contents = typeof modules === "string"
    ? modules
    : modules.map((m) => `export * from ${JSON.stringify(`./${m}`)};`).join("\n");
  const result = await esbuild.build({
    stdin: { contents, resolveDir: root, loader: "ts", sourcefile: "browser.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    treeShaking: true,
    write: false,
    logLevel: "error",
  });
  const code = result.outputFiles[0].text;
  const bytes = new TextEncoder().encode(code);
  return { code, minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

if (import.meta.main) {
  const out = resolve(process.argv[2] ?? DEFAULT_BUNDLE_FILE);
  const built = await bundle(browserModules());
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, built.code);
  console.log(
    `bundle: ${out} ${built.minBytes} bytes minified, ${built.gzipBytes} bytes minified + gzip`,
  );
  for (
    const [name, modules] of [["core", ["mod.ts"]], [
      "core + registry + idb cache",
      ["mod.ts", "src/adapters/registry.ts", "src/adapters/idb_cache.ts"],
    ]] as const
  ) {
    const part = await bundle(modules.filter((m) => existsSync(join(root, m))));
    console.log(`bundle: ${name}: ${part.minBytes} min, ${part.gzipBytes} min+gzip`);
  }
  const app = await bundle(APP_ENTRY);
  console.log(
    `bundle: app (store + registry + idb cache, tree-shaken): ${app.minBytes} min, ${app.gzipBytes} min+gzip`,
  );
  await esbuild.stop();
}
