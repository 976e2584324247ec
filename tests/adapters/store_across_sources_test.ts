// The same image read through every disk source gives the store the same ID and chain ID; the
// size is the same wherever the layers are stored the same way (docker-archive keeps them
// uncompressed, so containerd reports a different size there).
import { assertEquals, assertNotEquals } from "@std/assert";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import { openArchive } from "../../src/runtime/open_archive.ts";
import { chainId } from "../../src/core/chain_id.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { only } from "../../src/core/platform_matcher.ts";
import type { ImageSource } from "../../src/core/content.ts";
import type { Image } from "../../src/core/image_store.ts";

const amd64 = only({ os: "linux", architecture: "amd64" });

async function appImage(source: ImageSource, configDigest: string): Promise<Image> {
  try {
    const store = new ImageStore(source, { platform: amd64 });
    const { failures } = await store.sync();
    assertEquals(failures, []);
    return store.get(configDigest);
  } finally {
    await source.close?.();
  }
}

test("ImageStore gives the same ID, chain ID and size for one image in a layout, OCI archives and a Docker 25 archive", async () => {
  const f = await fixtures();
  const app = f.images["app"];
  const sources: [string, () => Promise<ImageSource>][] = [
    ["layout", () => openOciLayout(f.layout, { baseName: "example.com/team/app" })],
    ["OCI archive", () => openArchive(f.ociArchive, { baseName: "docker.io/library/app" })],
    [
      "gzip OCI archive",
      () => openArchive(f.ociArchiveGzip, { baseName: "docker.io/library/app" }),
    ],
    ["Docker 25 archive", () => openArchive(f.hybridArchive)],
  ];
  const images: [string, Image][] = [];
  for (const [name, open] of sources) {
    images.push([name, await appImage(await open(), app.configDigest)]);
  }
  const [first] = images;
  for (const [name, image] of images) {
    assertEquals(image.id, app.configDigest, name);
    assertEquals(image.chainId, chainId(app.diffIds), name);
    assertEquals(image.size, first[1].size, `${name} size versus ${first[0]}`);
  }
});

test("ImageStore over a docker-archive gives the same ID and chain ID but the uncompressed size", async () => {
  const f = await fixtures();
  const app = f.images["app"];
  const fromLayout = await appImage(
    await openOciLayout(f.layout, { baseName: "example.com/team/app" }),
    app.configDigest,
  );
  const fromDocker = await appImage(await openArchive(f.dockerArchive), app.configDigest);
  assertEquals(fromDocker.id, fromLayout.id);
  assertEquals(fromDocker.chainId, fromLayout.chainId);
  assertNotEquals(fromDocker.size, fromLayout.size);
  assertEquals(fromDocker.imageSpec, fromLayout.imageSpec);
  assertEquals(fromDocker.references, ["docker.io/library/app:latest", "example.com/app:1.0"]);
});
