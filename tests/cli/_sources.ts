/** Test support: the sources a new user met (issue 14), written into temp directories. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { digestOf } from "../../src/core/digest.ts";
import type { Descriptor } from "../../src/core/types.ts";
import { tarBytes } from "../adapters/_tar_builder.ts";
import { OCI_INDEX, testLayout } from "./_layout.ts";

/** A name as umoci and skopeo write it: only `org.opencontainers.image.ref.name`. */
export function refNamed(descriptor: Descriptor, name: string): Descriptor {
  return { ...descriptor, annotations: { "org.opencontainers.image.ref.name": name } };
}

/** ctr's default repository for tag-only names today (`import-<YYYY-MM-DD>`, local date). */
export function importName(): string {
  const now = new Date();
  return `import-${
    [now.getFullYear(), now.getMonth() + 1, now.getDate()]
      .map((n) => String(n).padStart(2, "0")).join("-")
  }`;
}

/** A umoci-style layout: one image named `v1` and `latest`, its layer corrupted. */
export async function umociLayout(): Promise<{ dir: string; id: string; layer: string }> {
  const layout = testLayout();
  const image = await layout.image("umoci");
  writeFileSync(join(layout.dir, "blobs/sha256", image.layer.digest.slice(7)), "corrupted");
  layout.write([refNamed(image.manifest, "v1"), refNamed(image.manifest, "latest")]);
  return { dir: layout.dir, id: image.config.digest, layer: image.layer.digest };
}

/** An untagged `docker save` (RepoTags null) whose layer is corrupted; returns the tar's path. */
export async function untaggedDockerSave(): Promise<string> {
  const layer = new TextEncoder().encode("layer data");
  const layerDigest = await digestOf(layer);
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [layerDigest] },
  });
  const configDigest = await digestOf(new TextEncoder().encode(config));
  const bytes = tarBytes([
    {
      name: "manifest.json",
      data: JSON.stringify([{
        Config: `${configDigest.slice(7)}.json`,
        RepoTags: null,
        // Content-addressed, as skopeo names them: the name is the digest verify expects.
        Layers: [`${layerDigest.slice(7)}.tar`],
      }]),
    },
    { name: `${configDigest.slice(7)}.json`, data: config },
    { name: `${layerDigest.slice(7)}.tar`, data: "layer dat!" },
  ]);
  const path = join(mkdtempSync(join(tmpdir(), "ocistore-cli-docker-")), "untagged.tar");
  writeFileSync(path, bytes);
  return path;
}

/**
 * What `ctr images export` (without --all-platforms) writes for a two-platform image: the index
 * and the amd64 image, the arm64 manifest absent; plus a non-distributable layer that is absent
 * by design. `damage` also removes the amd64 layer.
 */
export async function singlePlatformExport(damage = false): Promise<{
  dir: string;
  amd64: string;
  arm64: string;
  armManifest: string;
  foreign: string;
  amdLayer: string;
}> {
  const layout = testLayout();
  const amd = await layout.image("amd", { arch: "amd64" });
  const arm = await layout.image("arm", { arch: "arm64" });
  // A Windows-style foreign layer: listed with urls, never shipped.
  const foreign = {
    mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    digest: `sha256:${"f".repeat(64)}`,
    size: 1234,
    urls: ["https://example.com/foreign.tar.gz"],
  };
  const foreignManifest = await layout.blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: amd.config,
      layers: [amd.layer, foreign],
    }),
    "application/vnd.oci.image.manifest.v1+json",
  );
  const index = await layout.blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...foreignManifest, platform: { os: "linux", architecture: "amd64" } },
        { ...arm.manifest, platform: { os: "linux", architecture: "arm64" } },
      ],
    }),
    OCI_INDEX,
  );
  rmSync(join(layout.dir, "blobs/sha256", arm.manifest.digest.slice(7)));
  if (damage) rmSync(join(layout.dir, "blobs/sha256", amd.layer.digest.slice(7)));
  layout.write([{
    ...index,
    annotations: { "io.containerd.image.name": "example.com/multi:1" },
  }]);
  return {
    dir: layout.dir,
    amd64: amd.config.digest,
    arm64: arm.config.digest,
    armManifest: arm.manifest.digest,
    foreign: foreign.digest,
    amdLayer: amd.layer.digest,
  };
}

/** One image with four names whose layer is a link leading out of the layout. */
export async function linkOutLayout(): Promise<{ dir: string; layer: string }> {
  const layout = testLayout();
  const image = await layout.image("link");
  const path = join(layout.dir, "blobs/sha256", image.layer.digest.slice(7));
  rmSync(path);
  const outside = join(mkdtempSync(join(tmpdir(), "ocistore-cli-outside-")), "layer");
  writeFileSync(outside, `layer of link`);
  symlinkSync(outside, path);
  layout.write(
    ["a:1", "a:2", "b:1", "b:2"].map((name) => ({
      ...image.manifest,
      annotations: { "io.containerd.image.name": `example.com/${name}` },
    })),
  );
  return { dir: layout.dir, layer: image.layer.digest };
}

/** A layout of three tag-only images (`v1`, `v2`, `busybox`) and one fully named. */
export async function tagOnlyLayout(): Promise<{ dir: string; ids: string[] }> {
  const layout = testLayout();
  const images = [
    await layout.image("one"),
    await layout.image("two"),
    await layout.image("three"),
    await layout.image("four"),
  ];
  layout.write([
    refNamed(images[0].manifest, "v1"),
    refNamed(images[1].manifest, "v2"),
    refNamed(images[2].manifest, "busybox"),
    refNamed(images[3].manifest, "example.com/full:1"),
  ]);
  return { dir: layout.dir, ids: images.map((i) => i.config.digest) };
}
