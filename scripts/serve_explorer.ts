/**
 * `deno task explorer`: builds the explorer and runs `ocistore serve` on it (the page, the example
 * images at `/layout/`, and the registry proxy on one loopback origin). Usage:
 * `deno run -A scripts/serve_explorer.ts [--port N] [serve's flags: --allow-registry H, --open]`.
 * {@link serveExplorer} serves a built explorer with another layout, for the browser tests.
 */
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildExplorer } from "./build_explorer.ts";
import { serveHandler } from "../src/runtime/serve_handler.ts";
import { serveFiles } from "../src/runtime/serve_files.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The example layout the explorer opens by default. */
export const EXAMPLE_LAYOUT_DIR: string = join(root, "examples/layout");

/** A running explorer server. */
export interface ExplorerServer {
  /** The page's URL, ending with `/`. */
  readonly url: string;
  /** Stops serving. */
  close(): Promise<void>;
}

/**
 * Serves the built explorer `dir` at `/` and `layoutDir` at `/layout/` (with ranges), on 127.0.0.1,
 * with no proxy.
 *
 * @param options The built explorer, the layout to serve, and the port (0 for a free one).
 * @returns The server.
 */
export async function serveExplorer(
  options: { dir: string; layoutDir?: string; port?: number },
): Promise<ExplorerServer> {
  const explorer = serveFiles(options.dir);
  const layout = serveFiles(options.layoutDir ?? EXAMPLE_LAYOUT_DIR);
  return await serveHandler((request) => {
    const path = new URL(request.url).pathname;
    return path.startsWith("/layout/")
      ? layout(request, path.slice("/layout".length))
      : explorer(request, path);
  }, { hostname: "127.0.0.1", port: options.port ?? 0 });
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const portFlag = args.indexOf("--port");
  const port = portFlag >= 0 ? args.splice(portFlag, 2)[1] : "8080";
  const bytes = await buildExplorer();
  await esbuild.stop();
  console.log(`explorer: explorer.js ${bytes} bytes`);
  const { main } = await import("../src/cli/main.ts");
  process.exitCode = await main(["serve", "--listen", `127.0.0.1:${port}`, ...args]);
}
