// The browser bundle: within its byte budget, free of `node:` imports, and working in chromium.
import { assert, assertEquals } from "@std/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "../harness.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { only } from "../../src/core/platform_matcher.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import { browserModules, bundle } from "../../scripts/build_bundle.ts";
import { freshPage, root, sharedExplorer } from "./_context.ts";

/** The budget for core + registry + IndexedDB cache, minified and gzipped. */
const BUDGET_GZIP_BYTES = 25_000;

test("bundle: core + registry + IndexedDB cache fit in 25 kB minified + gzip", async () => {
  const modules = ["mod.ts", "src/adapters/registry.ts", "src/adapters/idb_cache.ts"];
  const present = modules.filter((m) => existsSync(join(root, m)));
  const { minBytes, gzipBytes } = await bundle(present);
  console.log(`     ${present.join(" + ")}: ${minBytes} bytes minified, ${gzipBytes} min+gzip`);
  assert(
    gzipBytes <= BUDGET_GZIP_BYTES,
    `expected at most ${BUDGET_GZIP_BYTES}, found ${gzipBytes}`,
  );
  assert(minBytes > gzipBytes, "minified output should be bigger than its gzip");
});

test("bundle: the browser bundle imports nothing from node: and reads the example layout in chromium", async () => {
  const { code } = await bundle(browserModules());
  assertEquals(/\bfrom\s*["']node:|import\(\s*["']node:|require\(/.test(code), false);
  const server = await sharedExplorer();
  const source = await openOciLayout(join(root, "examples/layout"));
  const store = new ImageStore(source, { platform: only({ os: "linux", architecture: "amd64" }) });
  await store.sync();
  const expected = store.list().map((image) => `${image.id} ${image.size}`).sort();
  const { context, page } = await freshPage();
  try {
    await page.route(`${server.url}bundle/**`, (route) =>
      route.fulfill({
        contentType: route.request().url().endsWith(".js") ? "text/javascript" : "text/html",
        body: route.request().url().endsWith(".js") ? code : "<!doctype html><title>bundle</title>",
      }));
    await page.goto(`${server.url}bundle/`);
    const seen = await page.evaluate(async (layout) => {
      const lib = await import("/bundle/ocistore.js");
      const opened = await lib.openOciLayout(lib.httpFiles(layout));
      const content = lib.idbCache(opened.content, { name: "bundle-test" });
      const store = new lib.ImageStore({ ...opened, content }, {
        platform: lib.only({ os: "linux", architecture: "amd64" }),
      });
      await store.sync();
      return store.list().map((image: { id: string; size: number }) => `${image.id} ${image.size}`)
        .sort();
    }, `${server.url}layout/`);
    assert(expected.length > 0, "the library found no images");
    assertEquals(seen, expected);
  } finally {
    await context.close();
  }
});
