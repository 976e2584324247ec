/**
 * Builds the image explorer (src/explorer) into a static folder any web server can serve:
 * `index.html`, `style.css` and a minified ESM bundle, `explorer.js`, whose views that read
 * layers are chunks under `chunks/` it imports when first shown. Usage:
 * `deno run -A scripts/build_explorer.ts [OUT_DIR]` (default `.cache/explorer`).
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where `deno task explorer` and the browser tests build the explorer. */
export const DEFAULT_EXPLORER_DIR: string = join(root, ".cache/explorer");

/**
 * Builds the explorer into `outDir` (replacing it).
 *
 * @param outDir The folder to write.
 * @returns The size in bytes of `explorer.js` (what the first view loads, chunks aside).
 */
export async function buildExplorer(outDir: string = DEFAULT_EXPLORER_DIR): Promise<number> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [{ in: join(root, "src/explorer/main.ts"), out: "explorer" }],
    outdir: outDir,
    // The filesystem views are dynamic imports: chunks the first view never loads.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
  });
  for (const file of ["index.html", "style.css"]) {
    copyFileSync(join(root, "src/explorer", file), join(outDir, file));
  }
  return result.metafile
    .outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith("/explorer.js"))!].bytes;
}

if (import.meta.main) {
  const out = resolve(process.argv[2] ?? DEFAULT_EXPLORER_DIR);
  const bytes = await buildExplorer(out);
  console.log(`explorer: built ${out} (explorer.js ${bytes} bytes)`);
  await esbuild.stop();
}
