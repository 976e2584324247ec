/**
 * Writes OCI layouts for timing: `deno run -A bench/gen_layout.ts DIR [N=1000] [--shape=node|distinct|tags]`.
 *
 * - `node` (default): a node's worth of images, the shape issue 13 measures. N references, about
 *   one in nine a second tag of an earlier image (so ~895 image IDs per 1,000), one image in ten
 *   a two-platform index (linux/amd64 + linux/arm64), one to three small layers each.
 * - `distinct`: N references to N distinct one-layer images.
 * - `tags`: N references (tags) to one image.
 *
 * Everything is derived from the index `i`, so two runs write byte-identical layouts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { digestOf } from "../src/core/digest.ts";

/** The shapes {@link generateLayout} writes. */
export type LayoutShape = "node" | "distinct" | "tags";

const _OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const _OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const _OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const _OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";

interface _Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
}

/**
 * Writes a layout of `count` references in `dir`.
 *
 * @param dir The layout directory (created).
 * @param count How many references.
 * @param shape Which layout.
 * @returns How many references and distinct root descriptors were written.
 */
export async function generateLayout(
  dir: string,
  count: number,
  shape: LayoutShape = "node",
): Promise<{ references: number; roots: number }> {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const encoder = new TextEncoder();
  async function blob(text: string, mediaType: string): Promise<_Descriptor> {
    const bytes = encoder.encode(text);
    const digest = await digestOf(bytes);
    writeFileSync(join(blobs, digest.slice(7)), bytes);
    return { mediaType, digest, size: bytes.length };
  }
  async function image(i: number, architecture: string): Promise<_Descriptor> {
    const layers: _Descriptor[] = [];
    const layerCount = shape === "node" ? 1 + (i % 3) : 1;
    for (let l = 0; l < layerCount; l++) {
      // Layer 0 is shared by groups of images, as base layers are.
      const text = l === 0
        ? `base layer ${i % 50} ${architecture}`
        : `layer ${i}.${l} ${architecture}`;
      layers.push(await blob(text, _OCI_LAYER));
    }
    const config = await blob(
      JSON.stringify({
        architecture,
        os: "linux",
        config: { Cmd: ["/bin/app", String(i)], Env: ["PATH=/usr/bin:/bin"] },
        rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.digest) },
        history: layers.map((_, l) => ({ created_by: `step ${l}` })),
      }),
      _OCI_CONFIG,
    );
    return await blob(
      JSON.stringify({ schemaVersion: 2, mediaType: _OCI_MANIFEST, config, layers }),
      _OCI_MANIFEST,
    );
  }
  async function root(i: number): Promise<_Descriptor> {
    if (shape === "node" && i % 10 === 5) {
      const amd64 = await image(i, "amd64");
      const arm64 = await image(i, "arm64");
      return await blob(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: _OCI_INDEX,
          manifests: [
            { ...amd64, platform: { os: "linux", architecture: "amd64" } },
            { ...arm64, platform: { os: "linux", architecture: "arm64" } },
          ],
        }),
        _OCI_INDEX,
      );
    }
    return await image(i, "amd64");
  }

  const manifests = [];
  const roots: _Descriptor[] = [];
  for (let i = 0; i < count; i++) {
    let target: _Descriptor;
    let name: string;
    if (shape === "tags") {
      target = roots[0] ??= await root(0);
      name = `example.com/bench/app:v${i}`;
    } else if (shape === "node" && i % 9 === 8) {
      // A second tag of the image just before: `:latest` beside a version tag.
      target = roots[roots.length - 1];
      name = `example.com/bench/app${roots.length - 1}:latest`;
    } else {
      target = await root(i);
      roots.push(target);
      name = `example.com/bench/app${roots.length - 1}:1.${i % 7}`;
    }
    manifests.push({
      mediaType: target.mediaType,
      digest: target.digest,
      size: target.size,
      annotations: { "io.containerd.image.name": name },
    });
  }
  writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
  return { references: manifests.length, roots: shape === "tags" ? 1 : roots.length };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const shape = (args.find((a) => a.startsWith("--shape="))?.slice(8) ?? "node") as LayoutShape;
  const [dir, count = "1000"] = args.filter((a) => !a.startsWith("--"));
  if (!dir || !["node", "distinct", "tags"].includes(shape)) {
    console.error("usage: gen_layout.ts DIR [N] [--shape=node|distinct|tags]");
    process.exit(2);
  }
  const written = await generateLayout(dir, Number(count), shape);
  console.log(`${dir}: ${written.references} references, ${written.roots} roots (${shape})`);
}
