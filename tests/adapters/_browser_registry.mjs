// Drives headless chromium for tests/adapters/registry_browser_test.ts (run with Node, whatever
// runtime runs the suite): bundles the registry source and the store with esbuild, serves a page
// on its own loopback origin, and reads two registries from it across origins, one exposing the
// registry headers (CORS) and one exposing none. Input: OCISTORE_BROWSER={root, exposed, bare}
// (registry hosts); output: one JSON line with what the page found.
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import process from "node:process";

const { root, exposed, bare } = JSON.parse(process.env.OCISTORE_BROWSER ?? "{}");
const entry = [
  `export { openRegistry } from ${JSON.stringify(`${root}/src/adapters/registry.ts`)};`,
  `export { ImageStore } from ${JSON.stringify(`${root}/src/core/image_store.ts`)};`,
  `export { only } from ${JSON.stringify(`${root}/src/core/platform_matcher.ts`)};`,
].join("\n");
const bundle = await build({
  stdin: { contents: entry, resolveDir: root, loader: "ts" },
  bundle: true,
  format: "iife",
  globalName: "ocistore",
  platform: "browser",
  write: false,
  logLevel: "silent",
});
const script = bundle.outputFiles[0].text;
const server = createServer((request, response) => {
  if (request.url === "/bundle.js") {
    response.writeHead(200, { "content-type": "text/javascript" }).end(script);
  } else {
    response.writeHead(200, { "content-type": "text/html" })
      .end('<!doctype html><meta charset="utf-8"><script src="/bundle.js"></script>');
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const result = await page.evaluate(async ({ exposed, bare }) => {
    const { openRegistry, ImageStore, only } = globalThis.ocistore;
    const platform = only({ os: "linux", architecture: "amd64" });
    const view = async (host) => {
      const source = await openRegistry(`${host}/ocistore/multi`, { plainHttp: true });
      const store = new ImageStore(source, { platform });
      const { failures } = await store.sync();
      return {
        failures: failures.map((f) => f.error.message),
        images: store.list().map((i) => ({ id: i.id, chainId: i.chainId, size: i.size })),
        requests: source.requests,
      };
    };
    const tags = async (host) =>
      (await openRegistry(`${host}/ocistore/hello-v2s2`, { plainHttp: true })).tags();
    return {
      exposed: { ...(await view(exposed)), tags: await tags(exposed) },
      bare: { ...(await view(bare)), tags: await tags(bare) },
    };
  }, { exposed, bare });
  process.stdout.write(JSON.stringify(result) + "\n");
} finally {
  await browser.close();
  server.close();
}
