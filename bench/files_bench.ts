/**
 * Issue 23: `ocistore files` on a 300 MB gzip layer (3,000 files of 100 kB of noise) against
 * `tar -tzf` on the same layer file, wall time and peak RSS. The baseline is the same command on a
 * layer of the same 3,000 entries holding 100 bytes each: what is above it grows with layer bytes,
 * which a streamed listing must not. Run on the bundles, side by side, with the runtimes' floors.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { atMost, type Figure, info, median, skipped } from "./_figure.ts";
import { cliCommands, type Command, ROOT, runSideBySide } from "./_spawn.ts";
import { noise, tarHeader } from "./archive_bench.ts";

const _FILES = 3000;
const _NAME = "example.com/bench/files:1";

function _blob(dir: string, data: Uint8Array, mediaType: string) {
  const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
  writeFileSync(join(dir, "blobs/sha256", digest.slice(7)), data);
  return { mediaType, digest, size: data.length };
}

/** Writes an OCI layout of one image whose one gzip layer holds `_FILES` files of `fileBytes`. */
export function writeFilesLayout(dir: string, fileBytes: number): string {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const tarPath = join(dir, "layer.tar");
  const fd = openSync(tarPath, "w");
  for (let i = 0; i < _FILES; i++) {
    const data = noise(fileBytes, i + 1);
    writeSync(fd, tarHeader(`data/d${i % 30}/f${i}.bin`, fileBytes));
    writeSync(fd, data);
    const pad = (512 - (fileBytes % 512)) % 512;
    if (pad) writeSync(fd, new Uint8Array(pad));
  }
  writeSync(fd, new Uint8Array(1024));
  closeSync(fd);
  const tar = readFileSync(tarPath);
  const diffId = `sha256:${createHash("sha256").update(tar).digest("hex")}`;
  const gz = spawnSync("gzip", ["-1", "-f", "-n", tarPath]);
  if (gz.status !== 0) throw new Error(`gzip failed: ${gz.stderr}`);
  const layerFile = `${tarPath}.gz`;
  const layerBytes = readFileSync(layerFile);
  const digest = `sha256:${createHash("sha256").update(layerBytes).digest("hex")}`;
  renameSync(layerFile, join(dir, "blobs/sha256", digest.slice(7)));
  const layer = {
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    digest,
    size: layerBytes.length,
  };
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const config = _blob(
    dir,
    text({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [diffId] } }),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = _blob(
    dir,
    text({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: [layer],
    }),
    "application/vnd.oci.image.manifest.v1+json",
  );
  writeFileSync(join(dir, "oci-layout"), text({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    text({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { "io.containerd.image.name": _NAME } }],
    }),
  );
  return join(dir, "blobs/sha256", digest.slice(7));
}

function _layout(name: string, fileBytes: number): { dir: string; layer: string } {
  const dir = join(ROOT, ".cache/bench", name);
  const marker = join(dir, "layer-path");
  if (!existsSync(marker)) writeFileSync(marker, writeFilesLayout(dir, fileBytes));
  return { dir, layer: readFileSync(marker, "utf8") };
}

/** Runs `files` on each runtime and `tar -tzf` on the same layer, interleaved. */
export function run(): Promise<Figure[]> {
  const big = _layout("files300", 100_000);
  const small = _layout("files300_small", 100);
  const figures: Figure[] = [];
  const commands: Command[] = [{ name: "tar", argv: ["tar", "-tzf", big.layer] }];
  for (const [label, layout] of [["big", big], ["small", small]] as const) {
    for (const command of cliCommands(["files", `oci:${layout.dir}`, _NAME])) {
      if ("skip" in command) {
        if (label === "big") {
          figures.push(skipped(`files.${command.name}.wall_ratio`, "ratio", "<= 1", command.skip));
        }
      } else commands.push({ name: `${command.name}.${label}`, argv: command.argv });
    }
  }
  const runs = runSideBySide(commands, 3);
  const wall = (name: string) => median(runs.get(name)!.map((r) => r.wallMs));
  const peak = (name: string) => median(runs.get(name)!.map((r) => r.peakMiB ?? NaN));
  figures.push(info("files.tar.wall_ms", wall("tar"), "ms", "tar -tzf on the 300 MB layer"));
  figures.push(info("files.tar.peak_rss", peak("tar"), "MiB"));
  for (const runtime of ["deno", "bun", "node"]) {
    if (!runs.has(`${runtime}.big`)) continue;
    figures.push(info(`files.${runtime}.wall_ms`, wall(`${runtime}.big`), "ms", "300 MB layer"));
    figures.push(
      atMost(
        `files.${runtime}.wall_ratio`,
        wall(`${runtime}.big`) / wall("tar"),
        "ratio",
        1,
        "over tar -tzf",
      ),
    );
    figures.push(
      info(
        `files.${runtime}.baseline_rss`,
        peak(`${runtime}.small`),
        "MiB",
        "same 3,000 entries, 100 B each",
      ),
    );
    figures.push(
      atMost(
        `files.${runtime}.peak_above_baseline`,
        peak(`${runtime}.big`) - peak(`${runtime}.small`),
        "MiB",
        64,
      ),
    );
  }
  return Promise.resolve(figures);
}

if (import.meta.main) { for (const figure of await run()) console.log(JSON.stringify(figure)); }
