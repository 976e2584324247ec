// The explorer served by `ocistore serve` in chromium, on a docker-registry that sends no CORS
// headers: the page reads it through the same-origin proxy, shows the IDs and sizes the CLI
// prints, and a reload reads nothing by digest (requests counted at the page, all of them to the
// proxy's route). The cold and warm first-view times are logged for the notes.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "../harness.ts";
import { buildExplorer } from "../../scripts/build_explorer.ts";
import { DOCKER_REPO } from "../adapters/_registry.ts";
import { freshPage, root, viewReady } from "./_context.ts";
import { startRegistryWithHeaders } from "./_registries.ts";

const deno = join(root, "node_modules/.bin/deno");

/** `ocistore images SOURCE` rows as `reference id size`. */
function cliRows(source: string): string[] {
  const out = spawnSync(deno, ["run", "-A", "src/cli/bin.ts", "images", source], {
    cwd: root,
    encoding: "utf8",
  }).stdout;
  const lines = out.trim().split("\n");
  assertMatch(lines[0], /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE/);
  return lines.slice(1).map((line) => {
    const [image, tag, id, size] = line.trim().split(/\s+/);
    return `${image}:${tag} ${id} ${size}`;
  }).sort();
}

test("serve: the explorer reads a registry with no CORS headers through ocistore serve; a reload reads nothing by digest", async () => {
  await buildExplorer(join(root, ".cache/explorer"));
  const registry = await startRegistryWithHeaders([]);
  const serve = spawn(
    deno,
    ["run", "-A", "src/cli/bin.ts", "serve", "--allow-registry", registry.host],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  const { context, page } = await freshPage();
  try {
    const url: string = await new Promise((resolve, reject) => {
      createInterface({ input: serve.stdout! }).once("line", resolve);
      serve.once("exit", (code) => reject(new Error(`ocistore serve exited with ${code}`)));
    });
    assertMatch(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const reference = `${registry.host}/${DOCKER_REPO}:1.0`;
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`${url}?registry=${encodeURIComponent(reference)}`);
    await viewReady(page);
    assertEquals(await page.getAttribute("body", "data-error"), "");
    const rows = await page.$$eval("#store tbody tr", (trs) =>
      trs.map((row) => {
        const cells = [...row.querySelectorAll("td")].map((td) => td.textContent!.trim());
        return `${cells[0]} ${cells[1]} ${cells[3]}`;
      }));
    assertEquals(rows.sort(), cliRows(`docker://${reference}`).map((r) => r));
    assertMatch(await page.textContent("#status") ?? "", /through this page's registry proxy/);
    const proxied = (list: string[]) => list.filter((u) => u.startsWith(`${url}_registry/`));
    const byDigest = (list: string[]) => list.filter((u) => /\/(manifests|blobs)\/sha256:/.test(u));
    const cold = { ms: await page.getAttribute("body", "data-ready-at"), requests: [...requests] };
    assert(byDigest(proxied(cold.requests)).length > 0, "expected the cold view to read by digest");
    requests.length = 0;
    await page.reload();
    await viewReady(page);
    assertEquals(await page.getAttribute("body", "data-error"), "");
    assertEquals(byDigest(requests), []);
    console.log(
      `     cold first view ${cold.ms} ms, ${proxied(cold.requests).length} proxied requests (${
        byDigest(cold.requests).length
      } by digest); warm ${await page.getAttribute("body", "data-ready-at")} ms, ${
        proxied(requests).length
      } proxied, 0 by digest`,
    );
  } finally {
    await context.close();
    serve.kill();
    await registry.stop();
  }
});
