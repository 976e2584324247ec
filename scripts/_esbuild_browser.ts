/**
 * The esbuild plugin for browser bundles of the library: modules that import a Node.js builtin
 * (the disk adapters' path conveniences in src/runtime) become stubs whose functions throw
 * UnsupportedError, as the npm package's browser twins do; any other `node:` import fails the build.
 */
import { readFileSync } from "node:fs";
import type { Plugin } from "esbuild";

const NODE_ONLY = /\/src\/runtime\/(node_files|node_file_reader)\.ts$/;

/** Stubs the Node-only runtime modules and refuses every other `node:` import. */
export const browserStubs: Plugin = {
  name: "ocistore-browser-stubs",
  setup(build) {
    build.onLoad({ filter: NODE_ONLY }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const names = [...source.matchAll(/export\s+(?:async\s+)?function\s+(\w+)/g)].map((m) =>
        m[1]
      );
      const errors = args.path.replace(/src\/runtime\/[^/]+$/, "src/core/errors.ts");
      const contents = [
        `import { UnsupportedError } from ${JSON.stringify(errors)};`,
        ...names.map((name) =>
          `export function ${name}() { throw new UnsupportedError(${
            JSON.stringify(`Cannot use ${name} in a browser: it needs Node.js`)
          }); }`
        ),
      ].join("\n");
      return { contents, loader: "ts" };
    });
    build.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.importer} imports ${args.path}: not available in a browser` }],
    }));
  },
};
