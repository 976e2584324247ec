// `ocistore serve`: the proxy on its own origin reaches a registry with no CORS headers only when
// --allow-registry names it, and the manifest it passes is the registry's, byte for byte.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { test } from "../harness.ts";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { findExampleLayout } from "../../src/cli/examples.ts";
import { DOCKER_REPO, sharedRegistry, startRegistry } from "../adapters/_registry.ts";

async function serve(args: string[]): Promise<string> {
  let out = "";
  const code = await main(["serve", ...args], { stdout: (t) => void (out += t), stderr: () => {} });
  assertEquals(code, 0);
  assertMatch(out, /^http:\/\/127\.0\.0\.1:\d+\/\n/);
  return out.split("\n")[0];
}

test("serve: passes a no-CORS loopback registry named by --allow-registry, refuses it otherwise", async () => {
  const { storage } = await sharedRegistry();
  const registry = await startRegistry("anonymous", storage, { headers: [] });
  try {
    const path = `v2/${DOCKER_REPO}/manifests/1.0`;
    const accept = { accept: "application/vnd.docker.distribution.manifest.v2+json" };
    const direct = await fetch(`${registry.url}/${path}`, { headers: accept });
    const expected = await direct.text();
    const allowed = await serve(["--allow-registry", registry.host]);
    const through = await fetch(`${allowed}_registry/${registry.host}/${path}`, {
      headers: accept,
    });
    assertEquals(through.status, 200);
    assertEquals(await through.text(), expected);
    assertEquals(
      through.headers.get("docker-content-digest"),
      direct.headers.get("docker-content-digest"),
    );
    const closed = await serve([]);
    const refused = await fetch(`${closed}_registry/${registry.host}/${path}`);
    assertEquals(refused.status, 403);
    assertMatch(await refused.text(), /not on the proxy's allow-list/);
  } finally {
    await registry.stop();
  }
});

test("serve --open: opens the printed URL with the host's opener; a failing opener is a warning", async () => {
  const opened: string[] = [];
  let out = "";
  let err = "";
  const io = {
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => void (err += t),
    openUrl: (url: string) => (opened.push(url), Promise.resolve()),
  };
  assertEquals(await main(["serve", "--open"], io), 0);
  assertEquals(opened, [out.split("\n")[0]]);
  const page = await fetch(opened[0]);
  await page.body?.cancel();
  assert(page.status === 200 || page.status === 404, `the opened URL answers: ${page.status}`);
  assertEquals(await main(["serve"], io), 0);
  assertEquals(opened.length, 1);
  const failing = { ...io, openUrl: () => Promise.reject(new Error("running xdg-open failed")) };
  assertEquals(await main(["serve", "--open"], failing), 0);
  assertMatch(err, /warning: running xdg-open failed/);
});

test("serve: the example images are at /layout/, by range too, as the empty page expects", async () => {
  const url = await serve([]);
  const layout = await findExampleLayout();
  assert(layout, "the source tree ships the example layout");
  const index = await readFile(join(layout, "index.json"));
  const whole = await fetch(`${url}layout/index.json`);
  assertEquals(new Uint8Array(await whole.arrayBuffer()), new Uint8Array(index));
  const part = await fetch(`${url}layout/index.json`, { headers: { range: "bytes=2-5" } });
  assertEquals([part.status, part.headers.get("content-range")], [
    206,
    `bytes 2-5/${index.length}`,
  ]);
  assertEquals(new Uint8Array(await part.arrayBuffer()), new Uint8Array(index.subarray(2, 6)));
  const climbing = await fetch(`${url}layout/..%2f..%2fdeno.json`);
  await climbing.body?.cancel();
  assertEquals(climbing.status, 400);
});
