/**
 * Target 9: `ocistore images oci-archive:FILE.tar.gz` on a 300 MB `.tar.gz` must peak at most
 * 64 MiB above the same command on a tiny `.tar.gz` of the same shape (the process baseline: same
 * runtime, same modules, same code path), on Deno, Bun and Node.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { atMost, type Figure, info, median, skipped } from "./_figure.ts";
import { cliCommands, type Command, ROOT, runSideBySide } from "./_spawn.ts";

const _LAYERS = 10;

/** `length` bytes of xorshift noise from `seed` (gzip cannot shrink it). */
export function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  const words = new Uint32Array(out.buffer, 0, length >>> 2);
  let x = seed | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return out;
}

/** A ustar header of a regular file, mode 644, owner 0/0, mtime 0. */
export function tarHeader(name: string, size: number): Uint8Array {
  const header = new Uint8Array(512);
  const put = (text: string, at: number) => header.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put("0000644\0", 100);
  put("0000000\0", 108);
  put("0000000\0", 116);
  put(size.toString(8).padStart(11, "0") + "\0", 124);
  put("00000000000\0", 136);
  put("        ", 148);
  put("0", 156);
  put("ustar\x0000", 257);
  put(header.reduce((a, b) => a + b, 0).toString(8).padStart(6, "0") + "\0 ", 148);
  return header;
}

/** Writes an OCI archive of two images over `_LAYERS` layers of `layerBytes` noise, gzipped. */
export function writeArchive(path: string, layerBytes: number): void {
  const tarPath = path.replace(/\.gz$/, "");
  const fd = openSync(tarPath, "w");
  const entry = (name: string, data: Uint8Array) => {
    writeSync(fd, tarHeader(name, data.length));
    writeSync(fd, data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) writeSync(fd, new Uint8Array(pad));
  };
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const blob = (data: Uint8Array, mediaType: string) => {
    const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
    entry(`blobs/sha256/${digest.slice(7)}`, data);
    return { mediaType, digest, size: data.length };
  };
  entry("oci-layout", text({ imageLayoutVersion: "1.0.0" }));
  const layers = [];
  for (let i = 0; i < _LAYERS; i++) {
    layers.push(blob(noise(layerBytes, i + 1), "application/vnd.oci.image.layer.v1.tar+gzip"));
  }
  const manifests = [];
  for (const [n, own] of [[0, layers.slice(0, 6)], [1, layers.slice(4)]] as const) {
    const config = blob(
      text({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: own.map((l) => l.digest) },
      }),
      "application/vnd.oci.image.config.v1+json",
    );
    const manifest = blob(
      text({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config,
        layers: own,
      }),
      "application/vnd.oci.image.manifest.v1+json",
    );
    manifests.push({
      ...manifest,
      annotations: { "io.containerd.image.name": `example.com/bench/big${n}:1` },
    });
  }
  entry("index.json", text({ schemaVersion: 2, manifests }));
  writeSync(fd, new Uint8Array(1024));
  closeSync(fd);
  const gz = spawnSync("gzip", ["-1", "-f", tarPath]);
  if (gz.status !== 0) throw new Error(`gzip failed: ${gz.stderr}`);
  if (`${tarPath}.gz` !== path) renameSync(`${tarPath}.gz`, path);
}

/** Runs the comparison on every runtime. */
export function run(): Promise<Figure[]> {
  const big = join(ROOT, ".cache/bench/big.oci.tar.gz");
  const small = join(ROOT, ".cache/bench/small.oci.tar.gz");
  // 10 layers of 30 MiB of noise: ~300 MiB that gzip cannot shrink.
  if (!existsSync(big)) writeArchive(big, 30 * 1024 * 1024);
  if (!existsSync(small)) writeArchive(small, 1024);
  const figures: Figure[] = [];
  const commands: Command[] = [];
  for (const file of [big, small]) {
    for (const command of cliCommands(["images", `oci-archive:${file}`, "-o", "json"])) {
      const name = `${command.name}.${file === big ? "big" : "small"}`;
      if ("skip" in command) {
        if (file === big) {
          figures.push(
            skipped(`archive.${command.name}.peak_above_baseline`, "MiB", "<= 64", command.skip),
          );
        }
      } else commands.push({ name, argv: command.argv });
    }
  }
  const runs = runSideBySide(commands, 3);
  for (const runtime of ["deno", "bun", "node"]) {
    const bigRuns = runs.get(`${runtime}.big`);
    const smallRuns = runs.get(`${runtime}.small`);
    if (!bigRuns || !smallRuns) continue;
    const peak = (rs: typeof bigRuns) => median(rs.map((r) => r.peakMiB ?? NaN));
    figures.push(
      info(
        `archive.${runtime}.wall_ms`,
        median(bigRuns.map((r) => r.wallMs)),
        "ms",
        "300 MB .tar.gz",
      ),
    );
    figures.push(
      info(
        `archive.${runtime}.baseline_rss`,
        peak(smallRuns),
        "MiB",
        "same archive shape, 1 KiB layers",
      ),
    );
    figures.push(
      atMost(`archive.${runtime}.peak_above_baseline`, peak(bigRuns) - peak(smallRuns), "MiB", 64),
    );
  }
  return Promise.resolve(figures);
}

if (import.meta.main) { for (const figure of await run()) console.log(JSON.stringify(figure)); }
