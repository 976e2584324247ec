// Every subpath but the host ones (./runtime, ./cli) is a pure adapter: esbuild bundles it for the
// browser as it is — no plugin, no stub, no `browser` condition — and nothing in the bundle comes
// from src/runtime or src/cli or names a `node:` module.
import { assertEquals } from "@std/assert";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as esbuild from "esbuild";
import { repoRoot } from "./fixtures.ts";
import { test } from "./harness.ts";

const root = repoRoot();
const exports = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).exports as Record<
  string,
  string
>;
const hostOnly = new Set(["./runtime", "./cli"]);

test("browser subpaths: the host subpaths are ./runtime and ./cli, and every other one is tested below", () => {
  assertEquals(Object.keys(exports).filter((s) => hostOnly.has(s)).sort(), ["./cli", "./runtime"]);
  assertEquals(Object.keys(exports).length > hostOnly.size + 5, true);
});

for (const [subpath, path] of Object.entries(exports)) {
  if (hostOnly.has(subpath)) continue;
  test(`browser subpaths: esbuild bundles ${subpath} for the browser with no node: import and nothing from src/runtime`, async () => {
    const result = await esbuild.build({
      stdin: {
        contents: `export * from ${JSON.stringify(join(root, path))};`,
        resolveDir: root,
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    const host = inputs.filter((input) =>
      input.startsWith("node:") || /(^|\/)src\/(runtime|cli)\//.test(input)
    );
    assertEquals(host, [], `${subpath} reaches host modules`);
    const text = result.outputFiles[0].text;
    assertEquals(text.match(/["'`]node:[\w/]+["'`]/g) ?? [], []);
    // The entry module itself is in the bundle (the subpath is not empty).
    assertEquals(inputs.some((input) => input.endsWith(relative(root, join(root, path)))), true);
  });
}

test("browser subpaths: ./runtime is not for a browser: esbuild refuses its node: imports", async () => {
  const error = await esbuild.build({
    stdin: {
      contents: `export * from ${JSON.stringify(join(root, exports["./runtime"]))};`,
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    platform: "browser",
    write: false,
    logLevel: "silent",
  }).then(() => undefined, (e: { errors?: { text: string }[] }) => e);
  const texts = error?.errors?.map((e) => e.text) ?? [];
  assertEquals(texts.some((text) => /Could not resolve "node:/.test(text)), true);
});
