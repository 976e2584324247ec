/**
 * Builds the npm package into `npm/` the way dnt would: ESM JavaScript, `.d.ts` and source maps for
 * every export of `deno.json`, a generated `package.json`, README and LICENSE; plus the test suite
 * compiled beside it (in `npm/esm/tests`, left out of the package) so `node npm/esm/tests/run.js`
 * runs the very same tests against the built files.
 *
 * The `exports` put `types` first, then `default`. Every adapter subpath is pure (it takes files,
 * a `Blob`, a `fetch` or a client), so bundlers for the browser take it as it is; the Node-only
 * subpaths (`./runtime`, `./cli`) reach Node.js builtins, and a browser bundle that imports one
 * fails at build time. The example images are copied to `npm/esm/examples/`, where the CLI and the
 * tests find them relative to themselves.
 *
 * The tree may be mid-edit by others: syntax errors are printed and make the exit code non-zero,
 * but everything tsc emitted is still packaged, and exports whose source does not exist yet are
 * skipped with a warning.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { buildCli } from "./build_cli.mjs";
import { buildExplorer } from "./build_explorer.ts";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { importsOf } from "./_imports.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const final = join(root, "npm");
// Built beside, then swapped in whole: a test run reading npm/ never sees a half-written tree.
const out = join(root, ".cache", `npm-${process.pid}`);
const esm = join(out, "esm");
process.on("exit", () => rmSync(out, { recursive: true, force: true }));
const problems: string[] = [];
const warn = (message: string) => console.error(`build_npm: warning: ${message}`);

interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: Record<string, string>;
}
interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as DenoJson;
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;

// ---- compile -------------------------------------------------------------------------------------

const tsc = spawnSync(join(root, "node_modules/.bin/tsc"), [
  "-p",
  join(root, "tsconfig.json"),
  "--outDir",
  esm,
  // The maps then carry their sources, so they work inside the package without the .ts files.
  "--inlineSources",
  // Emit only: the `check` stage type-checks the tree (deno check), the package check type-checks
  // the emitted .d.ts from strict consumers, and isolatedDeclarations makes per-file emit exact.
  // This halves the build, which runs in every test run.
  "--noCheck",
], { stdio: "inherit" });
if (tsc.status !== 0) {
  problems.push(`tsc exited with ${tsc.status ?? tsc.signal} (see errors above)`);
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// Tests import "@std/assert" by name (mapped in deno.json); point the compiled ones at our module.
const assertModule = join(esm, "tests/assert.js");
for (const file of walk(join(esm, "tests")).filter((f) => f.endsWith(".js"))) {
  const text = readFileSync(file, "utf8");
  const rewritten = text.replaceAll(
    /(from\s+|import\s*\(\s*)"@std\/assert"/g,
    `$1"${relativeSpecifier(file, assertModule)}"`,
  );
  if (rewritten !== text) writeFileSync(file, rewritten);
}
// The CLI finds the bundled example images relative to its own module, so they sit at the same
// place relative to the compiled files as to the sources.
if (existsSync(join(root, "examples"))) {
  cpSync(join(root, "examples"), join(esm, "examples"), { recursive: true });
}
if (existsSync(join(root, "tests/testdata"))) {
  cpSync(join(root, "tests/testdata"), join(esm, "tests/testdata"), { recursive: true });
}

// ---- specifiers of the emitted JavaScript --------------------------------------------------------

const isRelative = (specifier: string) => specifier.startsWith(".");
const isBuiltin = (specifier: string) =>
  specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]);

function relativeSpecifier(from: string, to: string): string {
  const path = relative(dirname(from), to).replaceAll("\\", "/");
  return path.startsWith(".") ? path : `./${path}`;
}

// ---- package.json --------------------------------------------------------------------------------

const pkgPath = (file: string) => `./${relative(out, file).replaceAll("\\", "/")}`;
const exportsField: Record<string, unknown> = {};
let rootEntry: { types: string; default: string } | undefined;
for (const [subpath, source] of Object.entries(deno.exports)) {
  if (!existsSync(join(root, source))) {
    warn(`export "${subpath}" skipped: ${source} does not exist yet`);
    continue;
  }
  const js = join(esm, source.replace(/\.ts$/, ".js"));
  const dts = join(esm, source.replace(/\.ts$/, ".d.ts"));
  if (!existsSync(js) || !existsSync(dts)) {
    problems.push(`export "${subpath}": tsc did not emit ${relative(root, js)} and its .d.ts`);
    continue;
  }
  const entry = { types: pkgPath(dts), default: pkgPath(js) };
  exportsField[subpath] = entry;
  if (subpath === ".") rootEntry = entry;
}
exportsField["./package.json"] = "./package.json";

// TypeScript's node10 resolution (moduleResolution "node") ignores `exports`: it finds the types
// of a subpath (`ocistore/oci-layout`) only through `typesVersions`.
const typesVersions: Record<string, string[]> = {};
for (const [subpath, entry] of Object.entries(exportsField)) {
  if (subpath === "." || typeof entry !== "object" || entry === null) continue;
  typesVersions[subpath.slice(2)] = [(entry as { types: string }).types];
}

// The CLI is an npm `bin` once src/cli/bin.ts exists; npm runs it with Node. The bin is the bundle
// (one file and lazily loaded chunks, issue 23) in place of tsc's module-per-file bin.js.
let bin: Record<string, string> | undefined;
const binJs = join(esm, "src/cli/bin.js");
if (existsSync(join(root, "src/cli/bin.ts")) && existsSync(binJs)) {
  await buildCli(root, join(esm, "src/cli"));
  const text = readFileSync(binJs, "utf8");
  if (text.startsWith("#!")) {
    writeFileSync(binJs, text.replace(/^#!.*/, "#!/usr/bin/env node"));
  } else {
    writeFileSync(binJs, `#!/usr/bin/env node\n${text}`);
    // One line was added at the top: shift the source map by one generated line.
    const mapPath = `${binJs}.map`;
    if (existsSync(mapPath)) {
      const map = JSON.parse(readFileSync(mapPath, "utf8"));
      map.mappings = `;${map.mappings}`;
      writeFileSync(mapPath, JSON.stringify(map));
    }
  }
  chmodSync(binJs, 0o755);
  bin = { ocistore: pkgPath(binJs).slice(2) };
}

// Dependencies: exactly the packages the packaged JavaScript imports by bare specifier.
// Only the library goes in: tsc also emits the tests and the scripts they import, which stay here.
const files = ["esm/mod.js", "esm/mod.d.ts", "esm/mod.js.map", "esm/src/"];
if (existsSync(join(esm, "examples"))) files.push("esm/examples/");
// `ocistore serve` serves the built explorer from here (../../../explorer/ of its command file).
await buildExplorer(join(esm, "explorer"));
files.push("esm/explorer/");
const packaged = [join(esm, "mod.js"), ...walk(join(esm, "src"))].filter((f) => f.endsWith(".js"));
const versions = { ...rootPackage.devDependencies, ...rootPackage.dependencies };
const dependencies: Record<string, string> = {};
for (const file of packaged) {
  for (const specifier of importsOf(file)) {
    if (isRelative(specifier) || isBuiltin(specifier)) continue;
    const parts = specifier.split("/");
    const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
    const version = versions[name];
    if (version === undefined) {
      problems.push(`${relative(root, file)} imports "${specifier}", not in package.json`);
    } else dependencies[name] = version;
  }
}

const packageJson = {
  name: "ocistore",
  version: deno.version,
  description:
    "containerd's CRI image store and the libraries beneath it (references, platforms, digests, " +
    "chain IDs, image sizes) in TypeScript, for Node.js, Deno, Bun and browsers.",
  license: deno.license ?? "Apache-2.0",
  keywords: ["oci", "containerd", "container-image", "docker", "image-reference", "cri"],
  type: "module",
  ...(rootEntry ? { main: rootEntry.default, types: rootEntry.types } : {}),
  exports: exportsField,
  ...(Object.keys(typesVersions).length > 0 ? { typesVersions: { "*": typesVersions } } : {}),
  ...(bin ? { bin } : {}),
  files,
  sideEffects: false,
  engines: { node: ">=20" },
  dependencies: Object.fromEntries(Object.entries(dependencies).sort()),
};
writeFileSync(join(out, "package.json"), JSON.stringify(packageJson, null, 2) + "\n");
for (const file of ["README.md", "LICENSE"]) {
  if (existsSync(join(root, file))) copyFileSync(join(root, file), join(out, file));
  else problems.push(`${file} is missing at the repository root`);
}

// tsc wrote the maps' `sources` relative to the staging directory; point them at the sources from
// where the maps will live (the text itself is inlined, so they also work inside the package).
for (const mapFile of walk(esm).filter((f) => f.endsWith(".js.map"))) {
  const map = JSON.parse(readFileSync(mapFile, "utf8"));
  const source = join(root, relative(esm, mapFile).replace(/\.js\.map$/, ".ts"));
  map.sources = [relative(dirname(join(final, relative(out, mapFile))), source)];
  writeFileSync(mapFile, JSON.stringify(map));
}
rmSync(final, { recursive: true, force: true });
renameSync(out, final);

const subpaths = Object.keys(exportsField).filter((s) => s !== "./package.json");
console.log(
  `build_npm: npm/ ${deno.version}: exports ${subpaths.join(" ")}; bin ${bin ? "yes" : "no"}; ` +
    `dependencies ${Object.keys(dependencies).join(" ") || "none"}`,
);
for (const problem of problems) console.error(`build_npm: error: ${problem}`);
if (problems.length > 0) process.exit(1);
