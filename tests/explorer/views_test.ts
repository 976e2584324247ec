import { assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { contextFor } from "./_view_context.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import { storeView } from "../../src/explorer/views/store.ts";
import { imageView, shortDigest } from "../../src/explorer/views/image.ts";
import { filesView } from "../../src/explorer/views/files.ts";
import { VIEWS } from "../../src/explorer/views/mod.ts";
import { exploreView } from "../../src/explorer/views/explore.ts";
import { blobs, registryAccess } from "../../src/explorer/app.ts";
import type { ViewState } from "../../src/explorer/view_state.ts";

async function twoPlatforms() {
  const source = memorySource();
  const amd = await source.addImage({ layers: ["amd"] });
  const arm = await source.addImage({
    layers: ["arm", "more"],
    platform: { os: "linux", architecture: "arm64", variant: "v8" },
  });
  source.setRecord("example.test/app:1", await source.addIndex([amd.manifest, arm.manifest]));
  return { source, amd, arm };
}

const state: ViewState = {
  source: { kind: "layout", url: "layout/" },
  image: "example.test/app:1",
};

test("explorer views: the table and the details describe the same platform", async () => {
  const { source, amd, arm } = await twoPlatforms();
  for (const [platform, built] of [["linux/amd64", amd], ["linux/arm64/v8", arm]] as const) {
    const context = contextFor(source, platform);
    const table = await storeView.load(context, { ...state, platform });
    const details = await imageView.load(context, { ...state, platform });
    assertEquals(table.platform, platform);
    assertEquals(table.rows.map((r) => [r.reference, r.id]), [
      ["example.test/app:1", built.config.digest],
    ]);
    assertEquals(details.id, built.config.digest);
    assertEquals(details.platform, platform);
    assertEquals(details.platforms, ["linux/amd64", "linux/arm64/v8"]);
    assertEquals(details.layers.map((l) => l.digest), built.layers.map((l) => l.digest));
  }
});

test("explorer views: the table lists every reference and says why a record failed", async () => {
  const { source, amd } = await twoPlatforms();
  source.setRecord("example.test/app:latest", amd.manifest);
  source.setRecord("example.test/broken:1", {
    ...amd.manifest,
    digest: `sha256:${"0".repeat(64)}`,
  });
  const model = await storeView.load(contextFor(source), { source: state.source });
  assertEquals(model.rows.map((r) => r.reference), [
    "example.test/app:1",
    "example.test/app:latest",
  ]);
  assertEquals(model.warnings.length, 2);
  assertEquals(model.warnings[0], "opening warned");
});

test("explorer views: the files view lists a layer, and names a layer that is not there", async () => {
  const source = memorySource();
  const tar = new Uint8Array(1024 * 3);
  const name = new TextEncoder().encode("hello.txt");
  tar.set(name, 0);
  const octal = (offset: number, width: number, value: number) =>
    tar.set(new TextEncoder().encode(value.toString(8).padStart(width - 1, "0") + "\0"), offset);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, 2);
  octal(136, 12, 0);
  tar[156] = "0".charCodeAt(0);
  tar.set(new TextEncoder().encode("ustar\x0000"), 257);
  tar.fill(0x20, 148, 156);
  const sum = tar.subarray(0, 512).reduce((a, b) => a + b, 0);
  tar.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  tar.set(new TextEncoder().encode("hi"), 512);
  const built = await source.addImage({ layers: [tar] });
  source.setRecord("example.test/files:1", built.manifest);
  const files = { ...state, image: "example.test/files:1", layer: 0 };
  const model = await filesView.load(contextFor(source), files);
  assertEquals(model.page.items.map((e) => [e.path, e.size, e.type]), [[
    "hello.txt",
    2,
    "file",
  ]]);
  await assertRejects(
    () => filesView.load(contextFor(source), { ...files, layer: 1 }),
    RangeError,
    "the image has 1",
  );
});

test("explorer views: the table picks the views a state shows, in page order", () => {
  const shown = (s: ViewState) => VIEWS.filter((v) => v.applies(s)).map((v) => VIEWS.indexOf(v));
  const [store, image, explore, files, tree, changes, diff, size, search, file] = VIEWS.keys();
  assertEquals(VIEWS.length, 10);
  assertEquals([VIEWS[store], VIEWS[image], VIEWS[explore]], [storeView, imageView, exploreView]);
  assertEquals(shown({}), []);
  assertEquals(shown({ source: state.source }), [store]);
  assertEquals(shown(state), [store, image, explore]);
  assertEquals(shown({ ...state, layer: 2 }), [store, image, explore, files]);
  assertEquals(shown({ ...state, show: "tree" }), [store, image, explore, tree]);
  // A layer's changes replace its listing; they need a layer, as the viewer needs a path.
  assertEquals(shown({ ...state, show: "changes", layer: 2 }), [store, image, explore, changes]);
  assertEquals(shown({ ...state, show: "changes" }), [store, image, explore]);
  assertEquals(shown({ ...state, show: "diff" }), [store, image, explore, diff]);
  assertEquals(shown({ ...state, show: "size" }), [store, image, explore, size]);
  assertEquals(shown({ ...state, show: "search" }), [store, image, explore, search]);
  assertEquals(shown({ ...state, show: "file", path: "etc" }), [store, image, explore, file]);
  assertEquals(shown({ ...state, show: "file" }), [store, image, explore]);
});

test("explorer formatting: short digests, singular blob, plain HTTP for loopback or http://", () => {
  assertEquals(shortDigest(`sha256:${"ab".repeat(32)}`), "sha256:abababababab");
  assertEquals([blobs(0), blobs(1), blobs(2)], ["0 blobs", "1 blob", "2 blobs"]);
  assertEquals(registryAccess("127.0.0.1:5000/app:1"), {
    reference: "127.0.0.1:5000/app:1",
    plainHttp: true,
  });
  assertEquals(registryAccess("http://example.test/app"), {
    reference: "example.test/app",
    plainHttp: true,
  });
  assertEquals(registryAccess("busybox"), { reference: "busybox", plainHttp: false });
});

test("explorer views: the store's warnings name an image as the CLI prints it, not as stored", async () => {
  const source = memorySource();
  const gone = await source.addImage({ layers: ["gone"] });
  const lost = await source.addImage({ layers: ["lost"] });
  source.setRecord("bb:1.35.0", gone.manifest);
  source.setRecord("team/lost:2", lost.manifest);
  source.deleteBlob(gone.config.digest);
  source.deleteBlob(lost.manifest.digest);
  const table = await storeView.load(contextFor(source), state);
  assertEquals(table.rows, []);
  assertEquals(
    // The page's own warnings come first; the failures in the order the sync met them.
    table.warnings.slice(1).map((w) => w.slice(0, w.indexOf(": "))).sort(),
    [
      "Cannot read the config of docker.io/library/bb:1.35.0",
      "Cannot read the manifest of docker.io/team/lost:2",
    ],
  );
});
