import { assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import { imageUsage } from "../../src/core/usage.ts";
import { only } from "../../src/core/platform_matcher.ts";
import { NotFoundError } from "../../src/core/errors.ts";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64", variant: "v8" };

test("imageUsage() counts the index, the first-ranked manifest, its config and every layer entry", async () => {
  // containerd core/images/usage calculator_test.go "manifestlimit": index of amd64 and arm64
  // manifests with Only(linux/amd64) counts the index plus the amd64 subtree only.
  const source = memorySource();
  const a = await source.addImage({ platform: amd64, layers: ["one", "two", "one"] });
  const b = await source.addImage({ platform: arm64, layers: ["three"] });
  const index = await source.addIndex([a.manifest, b.manifest]);
  const size = await imageUsage(source.content, index, {
    platform: only(amd64),
    manifestLimit: 1,
    manifestUsage: true,
  });
  const subtree = [a.manifest, a.config, ...a.layers].reduce((n, d) => n + d.size, 0);
  assertEquals(size, index.size + subtree);
  // Layer blobs are not needed for the declared-size rule; the walked path is.
  for (const layer of a.layers) source.deleteBlob(layer.digest);
  assertEquals(
    await imageUsage(source.content, index, {
      platform: only(amd64),
      manifestLimit: 1,
      manifestUsage: true,
    }),
    size,
  );
  // Without a match the best-ranked platformed entry is still chosen (no filtering).
  const none = await imageUsage(source.content, index, {
    platform: only({ os: "windows", architecture: "amd64" }),
    manifestLimit: 1,
    manifestUsage: true,
  });
  assertEquals(none, size);
  source.deleteBlob(a.manifest.digest);
  await assertRejects(
    () =>
      imageUsage(source.content, index, {
        platform: only(amd64),
        manifestLimit: 1,
        manifestUsage: true,
      }),
    NotFoundError,
  );
});

test("imageUsage() without manifestUsage sums stored sizes of distinct present blobs", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64, layers: ["one", "one"] });
  const stored = a.manifest.size + a.config.size + a.layers[0].size;
  assertEquals(await imageUsage(source.content, a.manifest), stored);
});

test("imageUsage() with manifestUsage counts a repeated layer entry twice, stored sizes once", async () => {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64, layers: ["same", "same"] });
  const declared = await imageUsage(source.content, a.manifest, {
    platform: only(amd64),
    manifestLimit: 1,
    manifestUsage: true,
  });
  assertEquals(declared, a.manifest.size + a.config.size + 2 * a.layers[0].size);
  source.deleteBlob(a.config.digest);
  // Stored sizes skip what is missing instead of failing.
  assertEquals(
    await imageUsage(source.content, a.manifest),
    a.manifest.size + a.layers[0].size,
  );
});
