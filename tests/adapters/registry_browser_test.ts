// The registry source in a real browser (headless chromium, driven by a Node script whatever
// runtime runs the suite): across origins with CORS, the store's view equals the one computed
// here, and a registry that exposes no header (no Docker-Content-Digest, no Link) still works:
// digests come from hashing bodies and tag pages from `?last=`.
import { assertEquals } from "@std/assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { test } from "../harness.ts";
import { repoRoot } from "../fixtures.ts";
import { DOCKER_TAGS, registryOf, sharedRegistry, startRegistry } from "./_registry.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { only } from "../../src/core/platform_matcher.ts";

function inChromium(input: unknown): Promise<string> {
  const root = repoRoot();
  return new Promise((resolve, reject) => {
    execFile(
      "node",
      [join(root, "tests", "adapters", "_browser_registry.mjs")],
      { cwd: root, env: { ...process.env, OCISTORE_BROWSER: JSON.stringify(input) } },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(String(stdout)),
    );
  });
}

test("registry in chromium: the store's view across origins, with and without exposed headers", async () => {
  const exposed = await registryOf("anonymous");
  const bare = await startRegistry("anonymous", (await sharedRegistry()).storage, {
    exposeHeaders: false,
  });
  try {
    const found = JSON.parse(
      await inChromium({ root: repoRoot(), exposed: exposed.host, bare: bare.host }),
    );
    const store = new ImageStore(
      await openRegistry(`${exposed.host}/ocistore/multi`, { plainHttp: true }),
      { platform: only({ os: "linux", architecture: "amd64" }) },
    );
    await store.sync();
    const expected = store.list().map((i) => ({ id: i.id, chainId: i.chainId, size: i.size }));
    for (const [name, answer] of Object.entries(found) as [string, Record<string, unknown>][]) {
      assertEquals(answer.failures, [], name);
      assertEquals(answer.images, expected, name);
      assertEquals((answer.tags as string[]).sort(), [...DOCKER_TAGS].sort(), name);
    }
    // A page cannot tell a hidden Link from none, so it asks `?last=` once more: tags twice. With
    // the headers: HEAD, index, manifest, config. Without: HEAD, then GET of the index by tag,
    // hashed, whose bytes serve the read by digest; manifest, config.
    assertEquals([found.exposed.requests, found.bare.requests], [6, 6]);
  } finally {
    await bare.stop();
  }
});
