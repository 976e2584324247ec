/* @ts-self-types="./build_cli.d.mts" */
// The CLI as one bundled entry with a chunk per lazily loaded part (commands, transports, adapters):
// a runtime then parses one file for `images oci:DIR` instead of resolving ~100 TypeScript modules.
// `npm run setup` builds it; `deno task ocistore`, `bun dist/cli/bin.js` and the npm bin run it.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/**
 * Bundles src/cli/bin.ts into `outdir` (ES modules, code split at every dynamic import), replacing
 * its bin.js and chunks/ and nothing else there (build_npm puts it over tsc's npm/esm/src/cli/).
 *
 * @param {string} root The repository root.
 * @param {string} [outdir] Where the entry (bin.js) and its chunks go.
 * @returns {Promise<string>} The entry's path.
 */
export async function buildCli(root, outdir = join(root, "dist/cli")) {
  // Chunk names carry a hash: without clearing, old chunks would pile up beside the new ones.
  rmSync(join(outdir, "chunks"), { recursive: true, force: true });
  await esbuild.build(cliBuildOptions(root, outdir));
  return join(outdir, "bin.js");
}

/**
 * The esbuild options of {@link buildCli}, for a build that inspects the chunks (its metafile).
 *
 * @param {string} root The repository root.
 * @param {string} outdir Where the entry (bin.js) and its chunks go.
 * @returns {import("esbuild").BuildOptions} The options.
 */
export function cliBuildOptions(root, outdir) {
  return {
    entryPoints: [join(root, "src/cli/bin.ts")],
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    minifySyntax: true,
    legalComments: "none",
    sourcemap: true,
    // The chunks are loaded only by bin.js; names stay stable across builds of the same sources.
    chunkNames: "chunks/[name]-[hash]",
    logLevel: "warning",
    // Node's own modules and the optional gRPC client stay outside (the latter is imported only
    // by the containerd socket transport, where it is installed).
    external: ["node:*", "@grpc/grpc-js"],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  console.log(`build_cli: ${await buildCli(root, process.argv[2])}`);
}
