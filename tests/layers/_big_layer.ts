/**
 * A 300 MB gzip layer for issue 24's acceptance tests, made cheaply and the same way every run:
 * pseudo-random (incompressible) files of 1-3 MiB from a seeded generator, each followed by a small
 * text file, written by a streaming tar writer to a temp file, compressed by GNU `gzip -1`, in an
 * OCI layout (tag `big`) that skopeo can push. A file's bytes are made again from its seed, so the
 * test never holds the layer. The layout is kept under the temp folder for the next test and the
 * next run (the CLI and the Chromium acceptance tests share it), named by a hash of this module's
 * text: a change to how the layer is made names another folder.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SeekIndex, SeekIndexEntry } from "../../src/core/seek_index.ts";
import type { Descriptor } from "../../src/core/types.ts";

/** One regular file of the layer. */
export interface BigFile {
  /** Its path in the layer. */
  readonly path: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Makes its bytes. */
  readonly seed: number;
  /** Random (incompressible) or text. */
  readonly random: boolean;
}

/** The layer, its image and its files. */
export interface BigLayer {
  /** The OCI layout holding the image, tagged `big`. */
  readonly layout: string;
  /** The layer's descriptor (gzip). */
  readonly layer: Descriptor;
  /** The regular files in tar order. */
  readonly files: readonly BigFile[];
}

/** The layer's size is at least this (compressed; the random files hardly compress). */
export const BIG_LAYER_BYTES = 300_000_000;
const _MiB = 1024 * 1024;

/** The bytes of `file`, made from its seed. */
export function bigFileBytes(file: BigFile): Uint8Array {
  const out = new Uint8Array(file.size);
  if (file.random) {
    // xorshift32 over whole words; the tail bytes come from one more word.
    const words = new Uint32Array(out.buffer, 0, file.size >>> 2);
    let x = file.seed | 1;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x;
    }
    for (let i = words.length * 4; i < file.size; i++) out[i] = (x = (x * 33 + i) >>> 0) & 0xff;
    return out;
  }
  const line = new TextEncoder().encode(`line of text file ${file.seed}: the quick brown fox\n`);
  for (let i = 0; i < file.size; i++) out[i] = line[i % line.length];
  return out;
}

function _files(): BigFile[] {
  const files: BigFile[] = [];
  let total = 0;
  for (let i = 0; total < BIG_LAYER_BYTES; i++) {
    const seed = Math.imul(i + 1, 2654435761) >>> 0;
    const size = _MiB + (seed % (2 * _MiB));
    files.push({ path: `big/r${String(i).padStart(3, "0")}.bin`, size, seed, random: true });
    files.push({
      path: `big/t${String(i).padStart(3, "0")}.txt`,
      size: 4096 + (seed % 60_000),
      seed: i,
      random: false,
    });
    total += size;
  }
  return files;
}

/** A ustar header block. */
function _header(path: string, size: number, type: "0" | "5"): Uint8Array {
  const block = new Uint8Array(512);
  const put = (text: string, at: number) => block.set(new TextEncoder().encode(text), at);
  const octal = (value: number, at: number, width: number) =>
    put(value.toString(8).padStart(width - 1, "0") + "\0", at);
  put(path, 0);
  octal(type === "5" ? 0o755 : 0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(1_700_000_000, 136, 12);
  block.fill(0x20, 148, 156);
  put(type, 156);
  put("ustar\x0000", 257);
  octal(block.reduce((a, b) => a + b, 0), 148, 7);
  return block;
}

function _sha256File(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  const chunk = new Uint8Array(4 * _MiB);
  try {
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0;) {
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return `sha256:${hash.digest("hex")}`;
}

/** Writes the layer and its layout into `work` (a folder of its own); returns the layer. */
function _build(work: string): Descriptor {
  const files = _files();
  const tarPath = join(work, "layer.tar");
  const diffId = createHash("sha256");
  const fd = openSync(tarPath, "w");
  const write = (bytes: Uint8Array) => {
    diffId.update(bytes);
    writeSync(fd, bytes);
  };
  try {
    write(_header("big/", 0, "5"));
    for (const file of files) {
      write(_header(file.path, file.size, "0"));
      write(bigFileBytes(file));
      if (file.size % 512) write(new Uint8Array(512 - (file.size % 512)));
    }
    write(new Uint8Array(1024));
  } finally {
    closeSync(fd);
  }
  execFileSync("gzip", ["-1", "-n", tarPath]);
  const layout = join(work, "layout");
  mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
  const gz = `${tarPath}.gz`;
  const layerDigest = _sha256File(gz);
  const { size } = statSync(gz);
  renameSync(gz, join(layout, "blobs", "sha256", layerDigest.slice(7)));
  const blob = (value: unknown, mediaType: string): Descriptor => {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    writeFileSync(join(layout, "blobs", "sha256", digest.slice(7)), bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const layer = {
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    digest: layerDigest,
    size,
  };
  const config = blob(
    {
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [`sha256:${diffId.digest("hex")}`] },
    },
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = blob(
    {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: [layer],
    },
    "application/vnd.oci.image.manifest.v1+json",
  );
  writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": "big" } }],
    }),
  );
  writeFileSync(join(work, "layer.json"), JSON.stringify(layer));
  return layer;
}

/**
 * The kept layout in `dir`, when whole: its layer descriptor, and the blob there at that size (a
 * temp cleaner may have taken files since).
 */
function _kept(dir: string): Descriptor | undefined {
  try {
    const layer: Descriptor = JSON.parse(readFileSync(join(dir, "layer.json"), "utf8"));
    const blob = join(dir, "layout", "blobs", "sha256", layer.digest.slice(7));
    return statSync(blob).size === layer.size && existsSync(join(dir, "layout", "index.json"))
      ? layer
      : undefined;
  } catch {
    return undefined;
  }
}

let _built: BigLayer | undefined;

/**
 * The layer, built once (about 13 s of writing and GNU gzip on a loaded machine) and kept under
 * the temp folder. It is written into a folder of its own and renamed into place whole, so a
 * build cut short, or one racing another process's, never leaves a partial layout at the kept name.
 */
export function bigLayer(): BigLayer {
  if (_built) return _built;
  const source = readFileSync(fileURLToPath(import.meta.url));
  const key = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), `ocistore-big-layer-${key}`);
  let layer = _kept(dir);
  if (!layer) {
    // Checked again just before: a whole layout renamed in since is never taken away.
    if (existsSync(dir) && !_kept(dir)) rmSync(dir, { recursive: true, force: true });
    const work = mkdtempSync(join(tmpdir(), "ocistore-big-layer-build-"));
    try {
      _build(work);
      renameSync(work, dir);
    } catch (error) {
      rmSync(work, { recursive: true, force: true });
      // Another process renamed its whole build into place first.
      if (!_kept(dir)) throw error;
    }
    layer = _kept(dir)!;
  }
  return (_built = { layout: join(dir, "layout"), layer, files: _files() });
}

/**
 * The layer bytes one indexed read of `entry` asks for, as `readIndexedEntry` chooses them: from
 * the checkpoint at or before the entry's data to the first block start (checkpoint or mark) at or
 * past its end (plus the inflater's 2,048-byte margin), or to the layer's end. The tests check it
 * against what the proxy saw.
 */
export function indexedSpan(index: SeekIndex, entry: SeekIndexEntry): number {
  const from = index.checkpoints.findLast((c) => c.out <= entry.offset);
  const to = [...index.checkpoints, ...index.marks ?? []].sort((a, b) => a.out - b.out)
    .find((c) => c.out >= entry.offset + entry.size);
  const start = from ? Math.floor(from.bit / 8) : 0;
  return (to ? Math.min(index.size, Math.ceil(to.bit / 8) + 2048) : index.size) - start;
}

/** The file whose indexed read asks for the most bytes, and that count: the worst "any file". */
export function widestFile(
  big: BigLayer,
  index: SeekIndex,
): { readonly file: BigFile; readonly span: number } {
  let widest: { file: BigFile; span: number } | undefined;
  for (const file of big.files) {
    const entry = index.entries.find((e) => e.path === file.path)!;
    const span = indexedSpan(index, entry);
    if (!widest || span > widest.span) widest = { file, span };
  }
  return widest!;
}

/** Fails unless `actual` is `expected` byte for byte (without printing megabytes). */
export function assertBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const differs = actual.length !== expected.length
    ? 0
    : actual.findIndex((b, i) => b !== expected[i]);
  if (actual.length !== expected.length || differs >= 0) {
    throw new Error(
      `${what}: expected ${expected.length} bytes, found ${actual.length}${
        differs >= 0 ? `, first difference at byte ${differs}` : ""
      }`,
    );
  }
}
