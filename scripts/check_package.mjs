#!/usr/bin/env node
// Checks the built npm package as its consumers meet it: packs npm/, installs the tarball into a
// temporary project, then imports it from Node, type-checks a strict TypeScript consumer, bundles a
// browser consumer, runs the CLI through npx, and runs publint and arethetypeswrong on the tarball.
// Subpaths come from deno.json `exports`, so new ones join every check by themselves. Prints one
// `ok`/`FAIL` line per check and ends with `package: N passed, N failed`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { importsOf } from "./_imports.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npmDir = join(root, "npm");
const bin = (name) => join(root, "node_modules/.bin", name);

/**
 * The host subpaths: the only ones that may reach a Node.js builtin. Every other subpath is a pure
 * adapter a browser bundle takes whole (DESIGN §1: the explorer page uses them).
 */
const hostOnly = new Set(["./runtime", "./cli"]);

let passed = 0;
let failed = 0;
const indent = (text) => String(text).trimEnd().replace(/^/gm, "     ");

/** Runs one counted check; `fn` returns a detail string or throws. */
async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok   ${name}${detail ? ` (${detail})` : ""}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}`);
    console.log(indent(error instanceof Error ? error.message : error));
  }
}
const skip = (name, why) => console.log(`skip ${name}: ${why}`);

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    ...options,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0) {
    throw new Error(
      `${[cmd, ...args].join(" ")} exited with ${result.status ?? result.signal}\n${output}`,
    );
  }
  return output;
}

function finish() {
  console.log(`package: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

// ---- what the package should contain -------------------------------------------------------------

const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
if (!existsSync(join(npmDir, "package.json"))) {
  await check("npm/ is built", () => {
    throw new Error("npm/package.json is missing: run deno run -A scripts/build_npm.ts first");
  });
  finish();
}
const pkg = JSON.parse(readFileSync(join(npmDir, "package.json"), "utf8"));
const subpaths = [];
for (const [subpath, source] of Object.entries(deno.exports)) {
  if (existsSync(join(root, source))) subpaths.push(subpath);
  else skip(`export "${subpath}"`, `${source} does not exist yet`);
}
const specifierOf = (subpath) => posix.join(pkg.name, subpath);
const hasCli = existsSync(join(root, "src/cli/bin.ts"));
const layoutDir = join(root, "examples/layout");

const work = mkdtempSync(join(tmpdir(), "ocistore-package-"));
const consumer = join(work, "consumer");
let tarball;

await check("npm pack writes a tarball with every export and nothing but the library", () => {
  const output = run("npm", ["pack", "--json", "--pack-destination", work], { cwd: npmDir });
  const [info] = JSON.parse(output.slice(output.indexOf("[")));
  tarball = join(work, info.filename);
  const files = new Set(info.files.map((f) => f.path));
  const wanted = Object.values(pkg.exports).flatMap((entry) =>
    typeof entry === "string" ? [entry] : Object.values(entry)
  ).concat(Object.values(pkg.bin ?? {}), ["README.md", "LICENSE"]);
  const missing = wanted.map((p) => p.replace(/^\.\//, "")).filter((p) => !files.has(p));
  if (missing.length > 0) throw new Error(`missing from the tarball: ${missing.join(", ")}`);
  const library =
    /^(package\.json|README\.md|LICENSE|esm\/mod\.(js|d\.ts|js\.map)|esm\/(src|examples|explorer)\/.*)$/;
  const stray = [...files].filter((p) => !library.test(p));
  if (stray.length > 0) throw new Error(`not library files: ${stray.slice(0, 5).join(", ")}`);
  for (const subpath of subpaths) {
    if (!(subpath in pkg.exports)) throw new Error(`package.json exports lacks "${subpath}"`);
  }
  if (hasCli && !pkg.bin?.ocistore) throw new Error("src/cli/bin.ts exists but bin is not set");
  return `${info.entryCount} files, ${info.size} bytes packed, ${info.unpackedSize} unpacked`;
});
if (!tarball || !existsSync(tarball)) finish();

await check("the tarball installs into a fresh consumer project", () => {
  run("mkdir", ["-p", consumer]);
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], {
    cwd: consumer,
  });
  const deps = Object.keys(pkg.dependencies ?? {});
  return `dependencies: ${deps.join(", ") || "none"}`;
});
const installed = join(consumer, "node_modules", pkg.name);
if (!existsSync(installed)) finish();

// ---- Node ESM -------------------------------------------------------------------------------------

await check("Node imports the core and its functions work", () => {
  writeFileSync(
    join(consumer, "core.mjs"),
    `import { createHash } from "node:crypto";
import { strict as assert } from "node:assert";
import { chainId, DigestSet, formatReference, parseDockerRef } from "ocistore";

assert.equal(formatReference(parseDockerRef("nginx")), "docker.io/library/nginx:latest");
const a = "sha256:" + "a".repeat(64);
const b = "sha256:" + "b".repeat(64);
const expected = "sha256:" + createHash("sha256").update(a + " " + b).digest("hex");
assert.equal(chainId([a, b]), expected);
const set = new DigestSet();
set.add(a);
set.add(expected);
assert.equal(set.lookup(expected.slice(7, 19)), expected);
`,
  );
  run(process.execPath, ["core.mjs"], { cwd: consumer });
});

await check("Node imports every subpath export", () => {
  const lines = subpaths.map((s, i) => `import * as m${i} from "${specifierOf(s)}";`);
  lines.push(
    `for (const m of [${subpaths.map((_, i) => `m${i}`).join(", ")}]) {`,
    `  if (Object.keys(m).length === 0) throw new Error("a subpath exports nothing");`,
    `}`,
  );
  writeFileSync(join(consumer, "subpaths.mjs"), lines.join("\n") + "\n");
  run(process.execPath, ["subpaths.mjs"], { cwd: consumer });
  return subpaths.join(" ");
});

/** Image names of the example layout, from its index annotations. */
function exampleNames() {
  const index = JSON.parse(readFileSync(join(layoutDir, "index.json"), "utf8"));
  return (index.manifests ?? []).map((m) =>
    m.annotations?.["io.containerd.image.name"] ??
      m.annotations?.["org.opencontainers.image.ref.name"]
  ).filter(Boolean);
}

if (!subpaths.includes("./oci-layout") || !subpaths.includes("./runtime")) {
  skip("Node lists the example images", "the ./oci-layout or ./runtime export does not exist yet");
} else if (!existsSync(join(layoutDir, "index.json"))) {
  skip("Node lists the example images", "examples/layout does not exist yet");
} else {
  await check("Node opens examples/layout through ./oci-layout and lists its images", () => {
    writeFileSync(
      join(consumer, "layout.mjs"),
      `import { openOciLayout } from "ocistore/oci-layout";
import { nodeFiles } from "ocistore/runtime";

const source = await openOciLayout(nodeFiles(process.argv[2]));
const records = await source.images.list();
console.log(JSON.stringify(records.map((r) => r.name)));
`,
    );
    const output = run(process.execPath, ["layout.mjs", layoutDir], { cwd: consumer });
    const names = JSON.parse(output.trim().split("\n").at(-1));
    const expected = exampleNames();
    const missing = expected.filter((n) => !names.some((name) => name.includes(n)));
    if (names.length === 0 || missing.length > 0) {
      throw new Error(`listed ${JSON.stringify(names)}, expected ${JSON.stringify(expected)}`);
    }
    return `${names.length} images`;
  });
}

// ---- the README's library example, as a Node or Bun user copies it ---------------------------------

await check(
  "the README's library example runs as written with Node and Bun outside the repository",
  () => {
    const readme = readFileSync(join(installed, "README.md"), "utf8");
    const example = /```js\n(\/\/ example\.mjs\n[\s\S]*?)```/.exec(readme)?.[1];
    if (!example) throw new Error("the README has no ```js block starting with // example.mjs");
    for (const name of [...example.matchAll(/from "([^"]+)"/g)].map((m) => m[1])) {
      if (!name.startsWith("node:") && name !== pkg.name && !name.startsWith(`${pkg.name}/`)) {
        throw new Error(`the example imports "${name}", not the npm package "${pkg.name}"`);
      }
    }
    writeFileSync(join(consumer, "example.mjs"), example);
    const expected = exampleNames();
    const runners = [[process.execPath, "node"], [bin("bun"), "bun"]].filter(([path]) =>
      existsSync(path)
    );
    for (const [path] of runners) {
      const output = run(path, ["example.mjs"], { cwd: consumer });
      const missing = expected.filter((n) => !output.includes(n));
      if (missing.length > 0 || !output.includes("0 docker.io/library/busybox:latest")) {
        throw new Error(`${path} example.mjs printed:\n${output}\nexpected ${expected.join(", ")}`);
      }
    }
    return runners.map(([, name]) => name).join(", ");
  },
);

// ---- which subpaths a browser can take ----------------------------------------------------------

const isBuiltin = (s) => s.startsWith("node:") || builtinModules.includes(s.split("/")[0]);

/** The Node builtins a module reaches through relative imports. */
function nodeImportsOf(file, seen = new Set()) {
  if (seen.has(file) || !existsSync(file)) return [];
  seen.add(file);
  return importsOf(file).flatMap((s) =>
    isBuiltin(s) ? [s] : s.startsWith(".") ? nodeImportsOf(join(dirname(file), s), seen) : []
  );
}
const browserSafe = [];
const nodeOnly = [];
for (const subpath of subpaths) {
  const entry = pkg.exports[subpath];
  if (!entry) continue; // already failed the pack check
  const builtins = [...new Set(nodeImportsOf(join(installed, entry.default)))];
  (builtins.length === 0 ? browserSafe : nodeOnly).push(subpath);
  if (builtins.length > 0) {
    console.log(`info ${subpath} is Node-only: imports ${builtins.join(" ")}`);
  }
}
await check(
  "every subpath but ./runtime and ./cli reaches no Node.js builtin, and none is stubbed",
  () => {
    const wrong = nodeOnly.filter((s) => !hostOnly.has(s));
    if (wrong.length > 0) {
      throw new Error(`these must be browser-safe (DESIGN §1): ${wrong.join(" ")}`);
    }
    // A `browser` condition would swap in other code for a bundler: the package ships none.
    const conditioned = subpaths.filter((s) => pkg.exports[s]?.browser !== undefined);
    if (conditioned.length > 0) throw new Error(`browser conditions on ${conditioned.join(" ")}`);
    return `browser-safe: ${browserSafe.join(" ")}; Node-only: ${nodeOnly.join(" ") || "none"}`;
  },
);

// ---- TypeScript consumers -----------------------------------------------------------------------

function writeTsConsumer(dir, imported) {
  run("mkdir", ["-p", dir]);
  const lines = [
    `import { chainId, DigestSet, formatReference, parseDockerRef } from "ocistore";`,
    `import type { Descriptor, Reference } from "ocistore";`,
    ...imported.map((s, i) => `import * as sub${i} from "${specifierOf(s)}";`),
    ``,
    `const ref: Reference = parseDockerRef("nginx");`,
    `const text: string = formatReference(ref);`,
    `const id: string = chainId(["sha256:" + "a".repeat(64)]);`,
    `const set: DigestSet = new DigestSet();`,
    `set.add(id);`,
    `const found: string = set.lookup(id.slice(7, 19));`,
    `const descriptor: Descriptor | undefined = undefined;`,
    `export const used: readonly unknown[] = [text, found, descriptor, ${
      imported.map((_, i) => `sub${i}`).join(", ")
    }];`,
  ];
  writeFileSync(join(dir, "consumer.ts"), lines.join("\n") + "\n");
}

function typeCheck(dir, compilerOptions) {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          target: "ES2022",
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          ...compilerOptions,
        },
        files: ["consumer.ts"],
      },
      null,
      2,
    ),
  );
  run(bin("tsc"), ["-p", join(dir, "tsconfig.json")], { cwd: dir });
}

const tsNode = join(consumer, "ts-nodenext");
await check("a strict TypeScript consumer (nodenext, Node types) type-checks every export", () => {
  writeTsConsumer(tsNode, subpaths.filter((s) => s !== "."));
  // nodenext decides ESM from the nearest package.json.
  writeFileSync(join(tsNode, "package.json"), JSON.stringify({ type: "module" }));
  typeCheck(tsNode, {
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2023"],
    types: ["node"],
    typeRoots: [join(root, "node_modules/@types")],
  });
  return `${subpaths.length} exports`;
});

const tsNode10 = join(consumer, "ts-node10");
await check(
  "a strict TypeScript consumer (node10 resolution, Node types, no DOM) type-checks every export",
  () => {
    // node10 ignores `exports`: subpaths resolve through `typesVersions`, and the declarations
    // must name only types a Node user has (no DOM lib).
    writeTsConsumer(tsNode10, subpaths.filter((s) => s !== "."));
    typeCheck(tsNode10, {
      module: "ESNext",
      moduleResolution: "node10",
      lib: ["ES2022"],
      types: ["node"],
      typeRoots: [join(root, "node_modules/@types")],
    });
    return `${subpaths.length} exports`;
  },
);

const tsBundler = join(consumer, "ts-bundler");
await check(
  "a strict TypeScript consumer (bundler, DOM, no Node types) type-checks the browser-safe exports",
  () => {
    writeTsConsumer(tsBundler, browserSafe.filter((s) => s !== "."));
    typeCheck(tsBundler, {
      module: "ESNext",
      moduleResolution: "Bundler",
      lib: ["ES2023", "DOM", "DOM.Iterable"],
      types: [],
    });
    return browserSafe.join(" ");
  },
);

// ---- browser bundle -----------------------------------------------------------------------------

const esbuild = await import("esbuild");
async function bundle(entry, contents) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: consumer, sourcefile: entry },
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  const text = new TextDecoder().decode(code);
  const nodeInputs = Object.keys(result.metafile.inputs).filter((i) => i.includes("node:"));
  const nodeImports = text.match(/["'`]node:[\w/]+["'`]/g) ?? [];
  if (nodeInputs.length > 0 || nodeImports.length > 0) {
    throw new Error(
      `the bundle imports Node builtins: ${[...nodeInputs, ...nodeImports].join(" ")}`,
    );
  }
  return `${code.length} bytes minified, ${gzipSync(code).length} gzipped`;
}
const errorText = (error) =>
  error?.errors?.map((e) => `${e.text} (${e.location?.file ?? ""})`).join("\n") ?? error;

await check(
  `esbuild bundles ${browserSafe.join(" ")} for the browser without a node: import`,
  async () => {
    const lines = browserSafe.map((s, i) => `import * as m${i} from "${specifierOf(s)}";`);
    lines.push(`globalThis.ocistore = [${browserSafe.map((_, i) => `m${i}`).join(", ")}];`);
    try {
      return `whole: ${await bundle("browser-all.js", lines.join("\n"))}`;
    } catch (error) {
      throw new Error(errorText(error));
    }
  },
);
await check("esbuild tree-shakes a browser consumer that uses one core function", async () => {
  try {
    return await bundle(
      "browser-one.js",
      `import { formatReference, parseDockerRef } from "ocistore";\n` +
        `globalThis.ref = formatReference(parseDockerRef("nginx"));\n`,
    );
  } catch (error) {
    throw new Error(errorText(error));
  }
});

// ---- the CLI --------------------------------------------------------------------------------------

if (!pkg.bin?.ocistore) {
  skip("npx ocistore images", "src/cli/bin.ts does not exist yet, so the package has no bin");
} else {
  await check("npx ocistore images lists the example images", () => {
    const output = run("npx", ["--no-install", "ocistore", "images"], { cwd: consumer });
    const expected = existsSync(join(layoutDir, "index.json")) ? exampleNames() : [];
    const missing = expected.filter((n) => !output.includes(n.split(":")[0]));
    if (missing.length > 0) throw new Error(`missing ${missing.join(", ")} in:\n${output}`);
    const lines = output.trim().split("\n");
    if (!/IMAGE/.test(lines[0] ?? "")) throw new Error(`expected a table, found:\n${output}`);
    return `${lines.length - 1} images`;
  });
}

// ---- packaging linters ----------------------------------------------------------------------------

if (!existsSync(bin("publint"))) {
  skip("publint", "not installed (npm ci installs the devDependencies)");
} else {
  // publint packs npm/ itself (npm pack --dry-run): its own tarball reader misses names longer
  // than 100 characters (tar's ustar prefix), and the example blobs have such names.
  await check("publint finds nothing in the package", () => {
    const output = run(bin("publint"), ["run", npmDir, "--strict", "--level", "suggestion"], {
      cwd: work,
    });
    if (/Suggestions?:|Warnings?:|Errors?:/.test(output)) throw new Error(output);
  });
}
if (!existsSync(bin("attw"))) {
  skip("arethetypeswrong", "not installed (npm ci installs the devDependencies)");
} else {
  await check("arethetypeswrong finds no problem (ESM-only profile)", () => {
    run(bin("attw"), [
      tarball,
      "--profile",
      "esm-only",
      "--no-definitely-typed",
      "--format",
      "ascii",
      "--no-emoji",
      "--no-color",
    ], { cwd: work });
  });
}

if (failed === 0) rmSync(work, { recursive: true, force: true });
else console.log(`info kept ${work} for inspection`);
finish();
