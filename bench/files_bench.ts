/**
 * Issue 23: `ocistore files` on a 300 MB gzip layer (3,000 files of 100 kB of noise) against
 * `tar -tzf` on the same layer file, wall time and peak RSS. The baseline is the same command on a
 * layer of the same 3,000 entries holding 100 bytes each: what is above it grows with layer bytes,
 * which a streamed listing must not. Also the merged filesystem of a 50-layer image (context rows,
 * beside `tar -tzf` of its 50 layers one by one). Run on the bundles, side by side.
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

/** The shape of a generated image: `layers` gzip layers of `files` files of `fileBytes` each. */
export interface FilesShape {
  readonly layers: number;
  readonly files: number;
  readonly fileBytes: number;
}

// One layer: the same `files` paths in every layer (each layer overwrites the one below, so the
// merge has work to do) plus one path of its own.
function _writeLayer(dir: string, index: number, shape: FilesShape) {
  const tarPath = join(dir, `layer${index}.tar`);
  const fd = openSync(tarPath, "w");
  const entry = (name: string, data: Uint8Array) => {
    writeSync(fd, tarHeader(name, data.length));
    writeSync(fd, data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) writeSync(fd, new Uint8Array(pad));
  };
  for (let i = 0; i < shape.files; i++) {
    entry(`data/d${i % 30}/f${i}.bin`, noise(shape.fileBytes, index * shape.files + i + 1));
  }
  entry(`layer${index}/own.bin`, noise(shape.fileBytes, -index - 1));
  writeSync(fd, new Uint8Array(1024));
  closeSync(fd);
  const diffId = `sha256:${createHash("sha256").update(readFileSync(tarPath)).digest("hex")}`;
  const gz = spawnSync("gzip", ["-1", "-f", "-n", tarPath]);
  if (gz.status !== 0) throw new Error(`gzip failed: ${gz.stderr}`);
  const bytes = readFileSync(`${tarPath}.gz`);
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const path = join(dir, "blobs/sha256", digest.slice(7));
  renameSync(`${tarPath}.gz`, path);
  return {
    path,
    diffId,
    descriptor: {
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      digest,
      size: bytes.length,
    },
  };
}

/** Writes an OCI layout of one image of the given shape; returns its layer files, base first. */
export function writeFilesLayout(dir: string, shape: FilesShape): string[] {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const layers = Array.from({ length: shape.layers }, (_, i) => _writeLayer(dir, i, shape));
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const config = _blob(
    dir,
    text({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    }),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = _blob(
    dir,
    text({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: layers.map((l) => l.descriptor),
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
  return layers.map((l) => l.path);
}

function _layout(name: string, shape: FilesShape): { dir: string; layers: string[] } {
  const dir = join(ROOT, ".cache/bench", name);
  const marker = join(dir, "layer-paths.json");
  if (!existsSync(marker)) writeFileSync(marker, JSON.stringify(writeFilesLayout(dir, shape)));
  return { dir, layers: JSON.parse(readFileSync(marker, "utf8")) };
}

/** Runs `files` on each runtime and `tar -tzf` on the same layer, interleaved. */
export function run(): Promise<Figure[]> {
  const big = _layout("files300", { layers: 1, files: _FILES, fileBytes: 100_000 });
  const small = _layout("files300_small", { layers: 1, files: _FILES, fileBytes: 100 });
  const merged = _layout("files50layers", { layers: 50, files: 500, fileBytes: 1000 });
  const figures: Figure[] = [];
  const commands: Command[] = [
    { name: "tar", argv: ["tar", "-tzf", big.layers[0]] },
    // Context for the merge: listing each of the 50 layers, one after another, merging nothing.
    {
      name: "tar.merged",
      argv: ["sh", "-c", 'for f in "$@"; do tar -tzf "$f"; done', "sh", ...merged.layers],
    },
  ];
  for (
    const [label, layout] of [["big", big], ["small", small], ["merged", merged]] as const
  ) {
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
    figures.push(
      info(
        `files.${runtime}.merged50_wall_ms`,
        wall(`${runtime}.merged`),
        "ms",
        `merged filesystem of 50 layers (500 shared paths + 1 own, 1 kB each); tar -tzf of the 50 one by one: ${
          Math.round(wall("tar.merged"))
        } ms`,
      ),
    );
    figures.push(
      info(`files.${runtime}.merged50_peak_rss`, peak(`${runtime}.merged`), "MiB"),
    );
  }
  return Promise.resolve(figures);
}

if (import.meta.main) { for (const figure of await run()) console.log(JSON.stringify(figure)); }
