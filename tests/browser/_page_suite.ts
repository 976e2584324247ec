/**
 * Bundles tests for the page: the core suite (every tests/core/*_test.ts, with tests/testdata's
 * JSON inlined in place of the node:fs reader) plus the in-page tests of tests/browser/page/ (`*_page.ts`, so tests/run.ts leaves them alone), into
 * one ESM file that runs them all and leaves `{ passed, failed, failures }` on `globalThis.__suite`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const tests = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The test files the page runs. */
export function pageSuiteFiles(): string[] {
  const core = readdirSync(join(tests, "core")).filter((f) => f.endsWith("_test.ts")).sort()
    .map((f) => join(tests, "core", f));
  const page = readdirSync(join(tests, "browser/page")).filter((f) => f.endsWith("_page.ts"))
    .sort().map((f) => join(tests, "browser/page", f));
  return [...core, ...page];
}

/** tests/testdata.ts for the page: the JSON files compiled in. */
const inlineTestData: esbuild.Plugin = {
  name: "inline-testdata",
  setup(build) {
    build.onLoad({ filter: /\/tests\/testdata\.ts$/ }, () => {
      const dir = join(tests, "testdata");
      const files = Object.fromEntries(
        readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => [
          f,
          JSON.parse(readFileSync(join(dir, f), "utf8")),
        ]),
      );
      return {
        loader: "ts",
        contents: `const files: Record<string, unknown> = ${JSON.stringify(files)};
export function readTestData(name: string): any {
  if (!(name in files)) throw new Error("no test data " + name);
  return structuredClone(files[name]);
}
export function testDataPath(name: string): string { throw new Error("no paths in a page: " + name); }`,
      };
    });
  },
};

/**
 * Builds the page suite.
 *
 * @returns The bundle's JavaScript text.
 */
export async function buildPageSuite(): Promise<string> {
  const entry = [
    ...pageSuiteFiles().map((f) => `import ${JSON.stringify(f)};`),
    `import { registeredTests } from ${JSON.stringify(join(tests, "harness.ts"))};`,
    `const failures = []; let passed = 0;`,
    `for (const { name, fn } of registeredTests()) {`,
    `  try { await fn(); passed++; } catch (error) { failures.push(name + ": " + (error?.stack ?? error)); }`,
    `}`,
    `globalThis.__suite = { passed, failed: failures.length, failures };`,
  ].join("\n");
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: tests, loader: "ts", sourcefile: "page_suite.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    alias: { "@std/assert": join(tests, "assert.ts") },
    plugins: [inlineTestData],
    logLevel: "error",
  });
  return result.outputFiles[0].text;
}
