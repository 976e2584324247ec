/**
 * Writes an OCI layout with N references to N distinct one-layer images, for timing the CLI:
 * `deno run -A bench/gen_layout.ts DIR [N=1000]`, then `time ocistore images DIR`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { digestOf } from "../src/core/digest.ts";

const [dir, count = "1000"] = process.argv.slice(2);
if (!dir) {
  console.error("usage: gen_layout.ts DIR [N]");
  process.exit(2);
}
const blobs = join(dir, "blobs", "sha256");
mkdirSync(blobs, { recursive: true });
const encoder = new TextEncoder();
async function blob(text: string, mediaType: string) {
  const bytes = encoder.encode(text);
  const digest = await digestOf(bytes);
  writeFileSync(join(blobs, digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length };
}
const manifests = [];
for (let i = 0; i < Number(count); i++) {
  const layer = await blob(`layer ${i}`, "application/vnd.oci.image.layer.v1.tar");
  const config = await blob(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/bin/app", String(i)] },
      rootfs: { type: "layers", diff_ids: [layer.digest] },
    }),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = await blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: [layer],
    }),
    "application/vnd.oci.image.manifest.v1+json",
  );
  manifests.push({
    ...manifest,
    annotations: { "io.containerd.image.name": `example.com/bench/app${i}:1.0` },
  });
}
writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
console.log(`${dir}: ${manifests.length} references`);
