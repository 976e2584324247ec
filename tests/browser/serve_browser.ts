// The explorer served by `ocistore serve` in chromium, on Debian's docker-registry sending no CORS
// headers (anonymous, htpasswd, and token auth whose issuer is on another port): the page reads it
// through the same-origin proxy, shows the IDs and sizes the CLI prints, and a reload reads nothing
// by digest (requests counted at the page, all of them to the proxy's routes). The cold and warm
// first-view times and requests are logged for the notes; they are no verdict.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "../harness.ts";
import { buildExplorer } from "../../scripts/build_explorer.ts";
import {
  DOCKER_REPO,
  type RegistryKind,
  run,
  sharedRegistry,
  startRegistry,
  USER,
} from "../adapters/_registry.ts";
import { freshPage, imagesTableRows, pageRows, root, viewReady } from "./_context.ts";

const deno = join(root, "node_modules/.bin/deno");

/**
 * `ocistore images SOURCE` rows as `reference id size`. Run without blocking this process: the
 * registries it started write their logs to it, and a blocked reader would stall them.
 */
async function cliRows(source: string, extra: string[]): Promise<string[]> {
  const out = await run(deno, [
    "run",
    "-A",
    "src/cli/bin.ts",
    "images",
    "--plain-http",
    ...extra,
    source,
  ]);
  return imagesTableRows(out);
}

/** Runs `ocistore serve ARGS` and resolves with the URL it prints first. */
export async function startServe(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(deno, ["run", "-A", "src/cli/bin.ts", "serve", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url: string = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`ocistore serve exited with ${code}`)));
  });
  assertMatch(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  return { url, child };
}

const byDigest = (list: string[]) => list.filter((u) => /\/(manifests|blobs)\/sha256:/.test(u));

for (const kind of ["anonymous", "basic", "token"] as RegistryKind[]) {
  const reload = kind === "basic"
    ? "(typed credentials: not reloaded)"
    : "a reload reads nothing by digest";
  test(`serve: the explorer reads a ${kind} registry with no CORS headers through ocistore serve; ${reload}`, async () => {
    await buildExplorer(join(root, ".cache/explorer"));
    const { storage } = await sharedRegistry();
    const registry = await startRegistry(kind, storage, { headers: [] });
    const serve = await startServe(["--allow-registry", registry.host]);
    const { context, page } = await freshPage();
    try {
      const { url } = serve;
      const reference = `${registry.host}/${DOCKER_REPO}:1.0`;
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      if (kind === "basic") {
        // Credentials live in the page's memory only, so they are typed, never put in the URL.
        await page.goto(url);
        await page.fill("#registry-ref", reference);
        await page.click("#registry-form summary");
        await page.fill("#registry-user", USER.username);
        await page.fill("#registry-password", USER.password);
        await page.click("#registry-form button");
        await page.waitForURL(/registry=/);
      } else {
        await page.goto(`${url}?registry=${encodeURIComponent(reference)}`);
      }
      await viewReady(page);
      assertEquals(await page.getAttribute("body", "data-error"), "");
      const creds = kind === "anonymous" ? [] : ["--creds", `${USER.username}:${USER.password}`];
      assertEquals(await pageRows(page), await cliRows(`docker://${reference}`, creds));
      assertMatch(await page.textContent("#status") ?? "", /through this page's registry proxy/);
      const own = (list: string[]) => list.filter((u) => u.startsWith(url));
      const proxied = (list: string[]) =>
        list.filter((u) => u.startsWith(`${url}_registry/`) || u.startsWith(`${url}_token/`));
      const cold = {
        ms: await page.getAttribute("body", "data-ready-at"),
        requests: [...requests],
      };
      assert(
        byDigest(proxied(cold.requests)).length > 0,
        "expected the cold view to read by digest",
      );
      if (kind === "token") assert(registry.tokenRequests.length > 0, "expected tokens issued");
      // Every request the page made to a registry went to its own origin, or was the one refused
      // direct try per registry.
      const elsewhere = cold.requests.filter((u) => !u.startsWith(url));
      assert(
        elsewhere.every((u) => u.startsWith(registry.url)),
        `requests elsewhere: ${elsewhere}`,
      );
      const describe = (list: string[]) =>
        proxied(list).map((u) => u.slice(url.length).replace(/sha256:(\w{8})\w+/, "sha256:$1…"));
      let warm = "not reloaded (the typed credentials are gone after a reload)";
      if (kind !== "basic") {
        requests.length = 0;
        await page.reload();
        await viewReady(page);
        assertEquals(await page.getAttribute("body", "data-error"), "");
        assertEquals(await pageRows(page), await cliRows(`docker://${reference}`, creds));
        assertEquals(byDigest(requests), []);
        warm = `${await page.getAttribute("body", "data-ready-at")} ms, ${
          own(requests).length
        } requests to the page's origin, ${proxied(requests).length} proxied [${
          describe(requests)
        }], ${requests.length - own(requests).length} direct tries, 0 by digest`;
      }
      console.log(
        `     ${kind}: cold first view ${cold.ms} ms, ${
          own(cold.requests).length
        } requests to the page's origin, ${proxied(cold.requests).length} proxied [${
          describe(cold.requests)
        }] (${
          byDigest(cold.requests).length
        } by digest), ${elsewhere.length} direct tries; warm ${warm}`,
      );
    } finally {
      await context.close();
      serve.child.kill();
      await registry.stop();
    }
  });
}
