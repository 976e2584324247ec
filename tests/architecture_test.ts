// The dependency rules of STYLE.md, checked on the sources: core is pure and imports only core,
// the runtime layer only core, adapters never a sibling adapter or a barrel, and no cycles.
import { assertEquals } from "@std/assert";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "./harness.ts";

// Compiled for Node, this file sits in npm/esm/tests; the TypeScript sources are what we check.
const here = dirname(fileURLToPath(import.meta.url));
const root = [join(here, ".."), join(here, "../../..")].find((dir) => {
  try {
    return readFileSync(join(dir, "deno.json"), "utf8").length > 0;
  } catch {
    return false;
  }
})!;
const src = join(root, "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const importPattern =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(importPattern)].map((m) => m[1] ?? m[2]);
}

function resolveLocal(file: string, specifier: string): string | undefined {
  return specifier.startsWith(".") ? join(dirname(file), specifier) : undefined;
}

/** Code with comments and string literals blanked, so doc examples and messages do not count. */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

const files = sources(src);
const layer = (file: string) => relative(src, file).split("/")[0];

test("architecture: the source tree was found", () => {
  assertEquals(files.some((f) => f.endsWith("core/image_store.ts")), true);
});

test("architecture: src/core imports only src/core and @noble/hashes", () => {
  const offenders = files.filter((f) => layer(f) === "core").flatMap((file) =>
    imports(file).filter((specifier) => {
      const local = resolveLocal(file, specifier);
      if (local) return layer(local) !== "core";
      return !specifier.startsWith("@noble/hashes/");
    }).map((specifier) => `${relative(root, file)} imports ${specifier}`)
  );
  assertEquals(offenders, []);
});

test("architecture: src/core never touches a runtime global", () => {
  const globals = /\b(Deno|Bun|process|window|indexedDB|__dirname)\b|\bdocument\.|\brequire\(/;
  const offenders = files.filter((f) => layer(f) === "core").flatMap((file) =>
    code(file).split("\n").filter((line) => globals.test(line)).map((line) =>
      `${relative(root, file)}: ${line.trim()}`
    )
  );
  assertEquals(offenders, []);
});

// The public modules are the subpath exports of deno.json; private helpers (`_x.ts`) may be shared.
const publicModules = new Set(
  Object.values(
    JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).exports as Record<string, string>,
  )
    .map((path) => join(root, path)),
);

test("architecture: src/runtime imports only core, runtime, public adapters, node: modules and @grpc/grpc-js", () => {
  const offenders = files.filter((f) => layer(f) === "runtime").flatMap((file) =>
    imports(file).filter((specifier) => {
      const local = resolveLocal(file, specifier);
      // @grpc/grpc-js: the host's gRPC, as the containerd API source needs (an allowed dependency).
      if (!local) return !specifier.startsWith("node:") && specifier !== "@grpc/grpc-js";
      if (["core", "runtime"].includes(layer(local))) return false;
      // The path conveniences wrap an adapter's public entry, never its private helpers.
      return layer(local) !== "adapters" || /\/_[^/]*$/.test(local);
    }).map((specifier) => `${relative(root, file)} imports ${specifier}`)
  );
  assertEquals(offenders, []);
});

test("architecture: adapters import only core files and idb-keyval, never runtime, a sibling adapter or a barrel", () => {
  const offenders = files.filter((f) => layer(f) === "adapters").flatMap((file) =>
    imports(file).filter((specifier) => {
      const local = resolveLocal(file, specifier);
      if (!local) return specifier !== "idb-keyval";
      if (local.endsWith("/mod.ts")) return true;
      if (layer(local) === "core") return false;
      if (layer(local) !== "adapters") return true;
      if (publicModules.has(local)) return true;
      const owner = _ownerOf(local);
      return owner !== undefined && owner !== _ownerOf(file);
    }).map((specifier) => `${relative(root, file)} imports ${specifier}`)
  );
  assertEquals(offenders, []);
});

/**
 * The adapter a file belongs to (`archive` for `archive.ts` and `archive/_tar.ts`), or `undefined`
 * for a helper shared by several adapters (`_layout_source.ts`, at the top of src/adapters).
 */
function _ownerOf(file: string): string | undefined {
  const parts = relative(join(src, "adapters"), file).split("/");
  if (parts.length === 1 && parts[0].startsWith("_")) return undefined;
  return parts[0].replace(/\.ts$/, "");
}

test("architecture: there are no import cycles in src, type-only imports included", () => {
  const graph = new Map(files.map((file) => [
    file,
    imports(file).map((s) => resolveLocal(file, s)).filter((f): f is string => f !== undefined),
  ]));
  const cycles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      cycles.push(
        [...path.slice(path.indexOf(file)), file].map((f) => relative(src, f)).join(" -> "),
      );
      return;
    }
    state.set(file, "visiting");
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of files) visit(file, []);
  assertEquals(cycles, []);
});

test("architecture: the explorer imports core, adapters and its own files, never the CLI or the runtime", () => {
  const offenders = files.filter((f) => layer(f) === "explorer").flatMap((file) =>
    imports(file).filter((specifier) => {
      const local = resolveLocal(file, specifier);
      return local !== undefined && ["cli", "runtime"].includes(layer(local));
    }).map((specifier) => `${relative(root, file)} imports ${specifier}`)
  );
  assertEquals(offenders, []);
});

test("architecture: one loopback rule, core/host_address.ts, spelled nowhere else in src", () => {
  // 127.0.0.0/8 as a regular expression, or [::1] as a name to compare with.
  const spelled = /127\\\.\\d|"\[::1\]"/;
  const offenders = files.filter((f) => !f.endsWith("core/host_address.ts")).flatMap((file) =>
    readFileSync(file, "utf8").split("\n").filter((line) => spelled.test(line)).map((line) =>
      `${relative(root, file)}: ${line.trim()}`
    )
  );
  assertEquals(offenders, []);
});

test("architecture: the explorer and the CLI import adapters only through their subpath entry modules", () => {
  const offenders = files.filter((f) => ["explorer", "cli"].includes(layer(f))).flatMap((file) =>
    imports(file).filter((specifier) => {
      const local = resolveLocal(file, specifier);
      return local !== undefined && ["adapters", "proxy"].includes(layer(local)) &&
        !publicModules.has(local);
    }).map((specifier) => `${relative(root, file)} imports ${specifier}`)
  );
  assertEquals(offenders, []);
});

test("architecture: every subpath but ./runtime and ./cli is a module outside src/runtime and src/cli", () => {
  const exports = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).exports as Record<
    string,
    string
  >;
  const misplaced = Object.entries(exports).filter(([subpath, path]) =>
    !["./runtime", "./cli"].includes(subpath) && /^\.\/src\/(runtime|cli)\//.test(path)
  ).map(([subpath, path]) => `${subpath} -> ${path}`);
  assertEquals(misplaced, []);
});
