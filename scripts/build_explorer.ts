/**
 * Builds the image explorer (src/explorer) into a static folder any web server can serve:
 * `index.html`, `style.css` and a minified ESM bundle, `explorer.js`, whose views that read
 * layers are chunks under `chunks/` it imports when first shown. Usage:
 * `deno run -A scripts/build_explorer.ts [OUT_DIR]` (default `.cache/explorer`).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
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
  copyFileSync(join(root, "src/explorer/style.css"), join(outDir, "style.css"));
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((f) => f.endsWith("/explorer.js"))!;
  const html = readFileSync(join(root, "src/explorer/index.html"), "utf8");
  const script = '<script type="module" src="explorer.js"></script>';
  if (!html.includes(script)) {
    throw new Error(`Cannot build the explorer: expected ${script} in index.html`);
  }
  const href = (file: string) => relative(outDir, file).replaceAll("\\", "/");
  // The chunks explorer.js imports statically are asked for with the page, not one import level
  // after another once each is parsed.
  const first = staticChunks(outputs, entry);
  const preloads = first.map((file) => `\n    <link rel="modulepreload" href="${href(file)}">`);
  /** The chunk of dynamically imported `module` and the ones it imports, less the first view's. */
  const chunksOf = (module: string, withItself = true) => {
    const chunk = Object.keys(outputs).find((file) => outputs[file].entryPoint === module);
    if (!chunk) throw new Error(`Cannot build the explorer: expected a chunk of ${module}`);
    return [...(withItself ? [chunk] : []), ...staticChunks(outputs, chunk)]
      .filter((f) => !first.includes(f)).map(href);
  };
  // So are the chunks the URL's view imports once run: its source's adapter, and a layer's
  // listing (`layer`) or the readers every filesystem view shares (`show`).
  const groups = [
    [
      ["layout", chunksOf("src/adapters/oci_layout.ts")],
      ["registry", chunksOf("src/adapters/registry.ts")],
    ],
    [
      ["show", chunksOf("src/explorer/views/files.ts", false)],
      ["layer", chunksOf("src/explorer/views/files.ts")],
    ],
  ];
  const preloadByUrl = `\n    <script>${preloadScript(groups)}</script>`;
  writeFileSync(
    join(outDir, "index.html"),
    html.replace(script, script + preloads.join("") + preloadByUrl),
  );
  return outputs[entry].bytes;
}

/**
 * An inline script that preloads, in each group, the chunks of the first query parameter the
 * page's URL has (a layout wins over a registry, as in view_state.ts).
 */
function preloadScript(groups: (string | string[])[][][]): string {
  return `{const q=new URLSearchParams(location.search);for(const g of ${JSON.stringify(groups)})` +
    `for(const[k,f]of g)if(q.has(k)){for(const h of f){const l=document.createElement("link");` +
    `l.rel="modulepreload";l.href=h;document.head.append(l)}break}}`;
}

/** The outputs `entry` imports statically, directly or through each other, in first-seen order. */
function staticChunks(outputs: esbuild.Metafile["outputs"], entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    for (const each of outputs[file].imports) {
      if (each.kind !== "import-statement" || seen.has(each.path)) continue;
      seen.add(each.path);
      visit(each.path);
    }
  };
  visit(entry);
  return [...seen];
}

if (import.meta.main) {
  const out = resolve(process.argv[2] ?? DEFAULT_EXPLORER_DIR);
  const bytes = await buildExplorer(out);
  console.log(`explorer: built ${out} (explorer.js ${bytes} bytes)`);
  await esbuild.stop();
}
