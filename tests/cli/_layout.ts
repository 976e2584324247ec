/** Test support: OCI layouts written into temp directories, broken on purpose where asked. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { digestOf } from "../../src/core/digest.ts";
import type { Descriptor } from "../../src/core/types.ts";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";

/** A layout being written: add blobs and images, then `write(entries)`. */
export interface TestLayout {
  readonly dir: string;
  /** Writes a blob and returns its descriptor. */
  blob(data: string | Uint8Array, mediaType: string): Promise<Descriptor>;
  /** Writes a one-layer linux image; `author` makes its config (and ID) distinct. */
  image(author: string, options?: { user?: string; arch?: string }): Promise<{
    manifest: Descriptor;
    config: Descriptor;
    layer: Descriptor;
  }>;
  /** Writes `index.json` with these entries and `oci-layout`. */
  write(entries: readonly Descriptor[]): void;
}

/** An entry named the way containerd's import reads it. */
export function named(descriptor: Descriptor, name: string): Descriptor {
  return { ...descriptor, annotations: { "io.containerd.image.name": name } };
}

/** Creates an empty layout directory in the temp dir. */
export function testLayout(): TestLayout {
  const dir = mkdtempSync(join(tmpdir(), "ocistore-cli-"));
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const layout: TestLayout = {
    dir,
    async blob(data, mediaType) {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      const digest = await digestOf(bytes);
      writeFileSync(join(dir, "blobs", "sha256", digest.slice(7)), bytes);
      return { mediaType, digest, size: bytes.length };
    },
    async image(author, options = {}) {
      const layer = await layout.blob(`layer of ${author}`, OCI_LAYER);
      const config = await layout.blob(
        JSON.stringify({
          author,
          architecture: options.arch ?? "amd64",
          os: "linux",
          ...(options.user !== undefined ? { config: { User: options.user } } : {}),
          rootfs: { type: "layers", diff_ids: [layer.digest] },
        }),
        OCI_CONFIG,
      );
      const manifest = await layout.blob(
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }),
        OCI_MANIFEST,
      );
      return { manifest, config, layer };
    },
    write(entries) {
      writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
      writeFileSync(
        join(dir, "index.json"),
        JSON.stringify({ schemaVersion: 2, manifests: entries }),
      );
    },
  };
  return layout;
}

/** A layout holding one two-platform index (linux/amd64, linux/arm64) named `example.com/multi:1`. */
export async function twoPlatformLayout(): Promise<{
  dir: string;
  amd: { manifest: Descriptor; config: Descriptor };
  arm: { manifest: Descriptor; config: Descriptor };
}> {
  const layout = testLayout();
  const amd = await layout.image("amd", { arch: "amd64" });
  const arm = await layout.image("arm", { arch: "arm64" });
  const index = await layout.blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...amd.manifest, platform: { os: "linux", architecture: "amd64" } },
        { ...arm.manifest, platform: { os: "linux", architecture: "arm64" } },
      ],
    }),
    OCI_INDEX,
  );
  layout.write([named(index, "example.com/multi:1")]);
  return { dir: layout.dir, amd, arm };
}
