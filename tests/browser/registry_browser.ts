// The explorer against Debian's docker-registry on loopback (images pushed by skopeo from the
// example layout): a multi-platform image, a repository's tags, reloads served from IndexedDB, a
// stopped registry, a registry without CORS headers, and a damaged blob.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { test } from "../harness.ts";
import { configFor, manifestFor } from "../../src/core/image.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { parsePlatform } from "../../src/core/platform.ts";
import { only } from "../../src/core/platform_matcher.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { DOCKER_REPO, sharedRegistry } from "../adapters/_registry.ts";
import { freshPage, root, screenshot, sharedExplorer, viewReady } from "./_context.ts";
import {
  CORS_HEADERS,
  damagingProxy,
  startRegistryWithHeaders,
  tamperingProxy,
} from "./_registries.ts";

const HOST = { os: "linux", architecture: "amd64" };

/** Opens `reference` through the page's registry form, as a user would. */
async function openReference(page: Page, reference: string): Promise<void> {
  await page.fill("#registry-ref", reference);
  await page.press("#registry-ref", "Enter");
  await page.waitForURL(/registry=/);
  await viewReady(page);
}

async function storeRows(page: Page): Promise<string[]> {
  return (await page.$$eval("#store tbody tr", (rows) =>
    rows.map((row) => {
      const cells = [...row.querySelectorAll("td")];
      return `${cells[0].textContent} ${
        cells[1].querySelector("[data-id]")?.getAttribute("data-id")
      }`;
    }))).sort();
}

/** The library's view of a registry reference: `name id` rows. */
async function libraryRows(reference: string): Promise<string[]> {
  const source = await openRegistry(reference, { plainHttp: true });
  const store = new ImageStore(source, { platform: only(HOST) });
  const { failures } = await store.sync();
  assertEquals(failures, []);
  return store.list().flatMap((image) => image.references.map((r) => `${r} ${image.id}`)).sort();
}

test("registry: a multi-platform image opens, switches platform and lists a layer's files; a reload fetches nothing by digest", async () => {
  const { registry } = await sharedRegistry();
  const server = await sharedExplorer();
  const reference = `${registry.host}/ocistore/multi:1.0`;
  const source = await openRegistry(reference, { plainHttp: true });
  const record = await source.images.get(reference);
  const arm = only(parsePlatform("linux/arm64/v8"));
  const armId = (await configFor(source.content, record.target, { platform: arm })).digest;
  const { manifest } = await manifestFor(source.content, record.target, { platform: arm });
  const { context, page } = await freshPage();
  try {
    await page.goto(server.url);
    await viewReady(page);
    await openReference(page, reference);
    assertEquals(await page.getAttribute("body", "data-error"), "");
    assertEquals(await storeRows(page), await libraryRows(reference));
    await page.click(`#store a:text-is("${reference}")`);
    await viewReady(page);
    await page.selectOption("#platform", "linux/arm64/v8");
    await page.waitForURL(/platform=/);
    await viewReady(page);
    assertEquals(await page.getAttribute("#image [data-id]", "data-id"), armId);
    await page.click('a[aria-label="Files of layer 1"]');
    await page.waitForURL(/layer=0/);
    await viewReady(page);
    // The registry holds the layout's own blobs (skopeo copies layers unchanged): GNU tar lists them.
    const blob = join(root, "examples/layout/blobs", ...manifest.layers[0].digest.split(":"));
    const tar = spawnSync("tar", ["-tzf", blob], { encoding: "utf8" }).stdout.trim().split("\n");
    const paths = await page.$$eval(
      "#files tbody tr td:nth-child(4)",
      (c) => c.map((x) => x.textContent),
    );
    assertEquals(paths, tar);
    await screenshot(page, "registry-files");
    const byDigest: string[] = [];
    page.on("request", (request) => {
      if (/\/(manifests|blobs)\/sha256:/.test(request.url())) byDigest.push(request.url());
    });
    await page.reload();
    await viewReady(page);
    assertEquals(
      await page.$$eval("#files tbody tr td:nth-child(4)", (c) => c.map((x) => x.textContent)),
      tar,
    );
    assertEquals(byDigest, []);
    assertEquals(await page.getAttribute("#cache-status", "data-from"), "cache");
  } finally {
    await context.close();
  }
});

test("registry: a repository without a tag lists every tag in the store's table", async () => {
  const { registry } = await sharedRegistry();
  const server = await sharedExplorer();
  const repository = `${registry.host}/${DOCKER_REPO}`;
  const tags = await (await openRegistry(repository, { plainHttp: true })).tags();
  assert(tags.length > 1, `expected several tags, found ${tags}`);
  const { context, page } = await freshPage();
  try {
    await page.goto(server.url);
    await viewReady(page);
    await openReference(page, repository);
    const rows = await storeRows(page);
    assertEquals(rows, await libraryRows(repository));
    assertEquals(
      rows.map((r) => r.split(" ")[0]).sort(),
      tags.map((t) => `${repository}:${t}`).sort(),
    );
    await screenshot(page, "registry-tags");
  } finally {
    await context.close();
  }
});

test("registry: with the registry stopped, an image opened before still opens from the cache", async () => {
  const own = await startRegistryWithHeaders(CORS_HEADERS);
  const server = await sharedExplorer();
  const reference = `${own.host}/ocistore/app:2.1`;
  const { context, page } = await freshPage();
  let stopped = false;
  try {
    const url = `${server.url}?registry=${encodeURIComponent(reference)}&image=${
      encodeURIComponent(reference)
    }&layer=0`;
    await page.goto(url);
    await viewReady(page);
    assertEquals(await page.getAttribute("body", "data-error"), "");
    const before = await page.textContent("#view");
    await own.stop();
    stopped = true;
    await page.reload();
    await viewReady(page);
    assertEquals(await page.getAttribute("body", "data-error"), "");
    assertEquals(await page.getAttribute("body", "data-offline"), "true");
    assertEquals(await page.textContent("#view"), before);
    assertEquals(await page.getAttribute("#cache-status", "data-from"), "cache");
    await screenshot(page, "registry-offline");
  } finally {
    if (!stopped) await own.stop();
    await context.close();
  }
});

test("registry: a registry without CORS headers, or without a preflight answer for Accept, is diagnosed", async () => {
  const server = await sharedExplorer();
  for (
    const [headers, missing] of [
      [[], "Access-Control-Allow-Origin"],
      [['Access-Control-Allow-Origin: ["*"]'], "Access-Control-Allow-Headers: Accept"],
    ] as const
  ) {
    const own = await startRegistryWithHeaders(headers);
    const { context, page } = await freshPage();
    try {
      await page.goto(server.url);
      await viewReady(page);
      await openReference(page, `${own.host}/ocistore/hello:1.0`);
      assertEquals(await page.getAttribute("#diagnosis", "data-refused"), "true");
      const text = await page.textContent("#diagnosis") ?? "";
      assertStringIncludes(text, missing);
      assertStringIncludes(text, "headers:");
      assertStringIncludes(text, "Access-Control-Allow-Origin: ['*']");
      if (headers.length === 0) await screenshot(page, "registry-cors");
    } finally {
      await context.close();
      await own.stop();
    }
  }
});

test("registry: docker.io/library/busybox:latest is diagnosed at the host the adapter asks, registry-1.docker.io (nothing leaves the machine)", async () => {
  const server = await sharedExplorer();
  const origin = new URL(server.url).origin;
  const { context, page } = await freshPage();
  const asked: string[] = [];
  // Every request is recorded; only the page's own files are served (its proxy routes answer
  // 404, so serve's proxy cannot reach out either); any other request fails as a refused one does.
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== origin) {
      asked.push(url.href);
      return route.abort("failed");
    }
    if (/^\/_(registry|token)\//.test(url.pathname)) return route.fulfill({ status: 404 });
    return route.continue();
  });
  try {
    await page.goto(server.url);
    await viewReady(page);
    await openReference(page, "docker.io/library/busybox:latest");
    // An unreachable host is one message on the status line, naming the host that was asked.
    const said = await page.getAttribute("body", "data-error") ?? "";
    assertStringIncludes(said, "no answer at all from https://registry-1.docker.io/ ");
    assert(!/\bhttps:\/\/docker\.io/.test(said), said);
    assert(asked.length > 0, "the page asked no registry");
    assertEquals([...new Set(asked.map((href) => new URL(href).host))], ["registry-1.docker.io"]);
    // The adapter's manifest request, then the diagnosis's probe of the same host.
    assert(asked.includes("https://registry-1.docker.io/v2/library/busybox/manifests/latest"));
    assertEquals(asked.at(-1), "https://registry-1.docker.io/v2/");
  } finally {
    await context.close();
  }
});

test("registry: a blob served with wrong bytes is refused and not cached", async () => {
  const { registry } = await sharedRegistry();
  const server = await sharedExplorer();
  const library = await openRegistry(`${registry.host}/ocistore/hello:1.0`, { plainHttp: true });
  const target = (await library.images.get(`${registry.host}/ocistore/hello:1.0`)).target;
  const config = await configFor(library.content, target);
  const proxy = await damagingProxy(registry.host, config.digest);
  const reference = `${proxy.host}/ocistore/hello:1.0`;
  const { context, page } = await freshPage();
  try {
    await page.goto(server.url);
    await viewReady(page);
    await openReference(page, reference);
    const warnings = await page.textContent("#store .warnings") ?? "";
    assertStringIncludes(warnings, config.digest);
    assertEquals(await page.$$eval("#store tbody tr", (r) => r.length), 0);
    const stored = await page.evaluate(async (keys) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open("ocistore-explorer");
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const store = db.transaction("blobs").objectStore("blobs");
      return await Promise.all(keys.map((key) =>
        new Promise<number>((resolve) => {
          const request = store.count(key);
          request.onsuccess = () => resolve(request.result);
        })
      ));
    }, [`blob:${config.digest}`, `blob:${target.digest}`]);
    // The manifest verified and was kept; the damaged config was not.
    assertEquals(stored, [0, 1]);
  } finally {
    await context.close();
    await proxy.close();
  }
});

test("registry: a missing tag and an unknown repository are said in the registry's words, with no CORS diagnosis", async () => {
  const { registry } = await sharedRegistry();
  const server = await sharedExplorer();
  const cases = [
    [
      `${registry.host}/ocistore/hello:nope`,
      `tag nope not found in ${registry.host}/ocistore/hello`,
    ],
    [`${registry.host}/ocistore/absent:1.0`, `not found in ${registry.host}/ocistore/absent`],
    [
      `${registry.host}/ocistore/absent`,
      `repository ${registry.host}/ocistore/absent not known to the registry`,
    ],
  ] as const;
  for (const [reference, words] of cases) {
    const { context, page } = await freshPage();
    try {
      await page.goto(server.url);
      await viewReady(page);
      await openReference(page, reference);
      const error = await page.getAttribute("body", "data-error") ?? "";
      assertStringIncludes(error, words);
      assertEquals(await page.$("#diagnosis"), null, `a CORS diagnosis for ${reference}`);
    } finally {
      await context.close();
    }
  }
});

test("registry: a host that does not answer: the page says what it is trying while it waits, then one message", async () => {
  const server = await sharedExplorer();
  const { context, page } = await freshPage();
  // No lookup leaves the machine: the typed host's requests are held, then fail as a name that
  // does not resolve fails. The reads are held apart from the diagnosis's probe of /v2/.
  const gates = { reads: Promise.withResolvers<void>(), probe: Promise.withResolvers<void>() };
  const asked = { reads: 0, probe: 0 };
  await page.route("https://registry.invalid/**", async (route) => {
    const which = new URL(route.request().url()).pathname === "/v2/" ? "probe" : "reads";
    asked[which]++;
    await gates[which].promise;
    await route.abort("namenotresolved");
  });
  const statusOnceAsked = async (which: "reads" | "probe") => {
    while (asked[which] === 0) await page.waitForTimeout(50);
    return await page.textContent("#status") ?? "";
  };
  try {
    await page.goto(server.url);
    await viewReady(page);
    await page.fill("#registry-ref", "registry.invalid/demo/app:1.0");
    await page.press("#registry-ref", "Enter");
    assertStringIncludes(
      await statusOnceAsked("reads"),
      "Reading registry registry.invalid/demo/app:1.0: waiting for https://registry.invalid to answer /v2/demo/app/manifests/1.0",
    );
    gates.reads.resolve();
    assertStringIncludes(
      await statusOnceAsked("probe"),
      "No answer this page may read from https://registry.invalid: checking whether it answers at all",
    );
    gates.probe.resolve();
    await viewReady(page);
    assertEquals(
      await page.textContent("#status"),
      'Cannot resolve "registry.invalid/demo/app:1.0": no answer at all from https://registry.invalid/ (it is down, its name or port is wrong, or an https page asks an http registry)',
    );
    assertEquals(await page.getAttribute("#status", "role"), "alert");
    assertEquals(await page.textContent("#view"), "");
    await screenshot(page, "registry-unreachable");
  } finally {
    await context.close();
  }
});

test("registry: an answer cut off halfway is said as such, not diagnosed as a CORS refusal", async () => {
  const { registry } = await sharedRegistry();
  const server = await sharedExplorer();
  // The registry answers (200, CORS headers and all); the connection breaks mid-body.
  const proxy = await tamperingProxy(
    registry.host,
    (method, path) => method === "GET" && path.includes("/tags/list") ? "cut" : undefined,
  );
  const reference = `${proxy.host}/ocistore/hello`;
  const { context, page } = await freshPage();
  page.on("response", (response) => {
    if (response.url().includes("/tags/list")) proxy.cut();
  });
  try {
    await page.goto(`${server.url}?registry=${encodeURIComponent(reference)}`);
    await viewReady(page);
    const error = await page.getAttribute("body", "data-error") ?? "";
    assertStringIncludes(error, "the connection failed while reading the answer");
    assertEquals(await page.$("#diagnosis"), null);
  } finally {
    await context.close();
    await proxy.close();
  }
});
