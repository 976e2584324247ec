/**
 * Builds byte-reproducible OCI images with umoci (fixed file modes and mtimes, fixed created times),
 * and writes image indexes umoci cannot. Shared by scripts/fixtures.ts and scripts/build_examples.ts.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";

/** The fixed time every file, layer and config carries. */
export const FIXED_TIME = "2024-01-01T00:00:00Z";

/** A file of a layer: text or bytes (mode 0644, or 0755 with `executable`), or a symlink. */
export type LayerFile =
  | string
  | Uint8Array
  | { readonly link: string }
  | { readonly bytes: Uint8Array | string; readonly executable?: boolean };

/** One layer: paths (relative to `/`) and their contents, plus what its history entry says. */
export interface LayerSpec {
  readonly files: Readonly<Record<string, LayerFile>>;
  readonly createdBy: string;
}

/** An image to build: its layers and the `umoci config` options. */
export interface ImageSpec {
  readonly layers: readonly LayerSpec[];
  readonly architecture: string;
  readonly os?: string;
  readonly env?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workingDir?: string;
  readonly user?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly exposedPorts?: readonly string[];
  readonly volumes?: readonly string[];
  readonly stopSignal?: string;
  readonly author?: string;
}

/** Runs a tool, failing with its stderr. */
export function run(cmd: string, args: readonly string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`${cmd} ${args.join(" ")} failed: ${stderr || (error as Error).message}`);
  }
}

/** Whether the fixture tools (umoci, skopeo, tar) are on the PATH. */
export function haveTools(...tools: string[]): boolean {
  return tools.every((tool) => {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
}

/** Creates an empty layout at `layout`. */
export function initLayout(layout: string): void {
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(dirname(layout), { recursive: true });
  run("umoci", ["init", "--layout", layout]);
}

/** Builds `spec` as `layout:tag`, one `umoci insert` per layer; `work` is scratch space. */
export function buildImage(layout: string, tag: string, spec: ImageSpec, work: string): void {
  const image = `${layout}:${tag}`;
  run("umoci", ["new", "--image", image]);
  spec.layers.forEach((layer, i) => {
    const root = join(work, `${tag}-layer${i}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (const [path, file] of Object.entries(layer.files)) writeLayerFile(root, path, file);
    run("find", [root, "-exec", "touch", "-h", "-d", FIXED_TIME, "{}", "+"]);
    run("umoci", [
      "insert",
      "--image",
      image,
      "--history.created",
      FIXED_TIME,
      "--history.created_by",
      layer.createdBy,
      root,
      "/",
    ]);
    rmSync(root, { recursive: true, force: true });
  });
  const args = ["config", "--image", image, "--no-history", "--created", FIXED_TIME];
  args.push("--architecture", spec.architecture, "--os", spec.os ?? "linux");
  for (const env of spec.env ?? []) args.push("--config.env", env);
  for (const part of spec.entrypoint ?? []) args.push("--config.entrypoint", part);
  for (const part of spec.cmd ?? []) args.push("--config.cmd", part);
  if (spec.workingDir) args.push("--config.workingdir", spec.workingDir);
  if (spec.user) args.push("--config.user", spec.user);
  for (const [key, value] of Object.entries(spec.labels ?? {})) {
    args.push("--config.label", `${key}=${value}`);
  }
  for (const port of spec.exposedPorts ?? []) args.push("--config.exposedports", port);
  for (const volume of spec.volumes ?? []) args.push("--config.volume", volume);
  if (spec.stopSignal) args.push("--config.stopsignal", spec.stopSignal);
  if (spec.author) args.push("--author", spec.author);
  run("umoci", args);
}

function writeLayerFile(root: string, path: string, file: LayerFile): void {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  if (typeof file === "object" && "link" in file) {
    symlinkSync(file.link, target);
    return;
  }
  const content = typeof file === "object" && "bytes" in file ? file.bytes : file;
  const executable = typeof file === "object" && "executable" in file && file.executable;
  writeFileSync(target, content);
  chmodSync(target, executable ? 0o755 : 0o644);
}

/** A descriptor as the layout's `index.json` holds it. */
export interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** Reads the layout's `index.json`. */
export function readIndex(layout: string): { schemaVersion: number; manifests: IndexEntry[] } {
  return JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
}

/** Writes the layout's `index.json` (compact, as umoci writes it). */
export function writeIndex(layout: string, manifests: IndexEntry[]): void {
  writeFileSync(join(layout, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
}

/** Stores `bytes` as a blob of the layout and returns its descriptor. */
export function writeBlob(
  layout: string,
  mediaType: string,
  bytes: Uint8Array | string,
): IndexEntry {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const hex = createHash("sha256").update(data).digest("hex");
  mkdirSync(join(layout, "blobs/sha256"), { recursive: true });
  writeFileSync(join(layout, "blobs/sha256", hex), data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

/** The index.json entry tagged `tag` (umoci's `org.opencontainers.image.ref.name`). */
export function entryOf(layout: string, tag: string): IndexEntry {
  const entry = readIndex(layout).manifests.find((m) =>
    m.annotations?.["org.opencontainers.image.ref.name"] === tag
  );
  if (!entry) throw new Error(`No entry tagged "${tag}" in ${layout}`);
  return entry;
}

/**
 * Replaces the per-platform tags by one image index over them, tagged `tag` (umoci cannot write an
 * index). Each platform's manifest keeps its blobs; only its index.json entry goes away.
 */
export function writePlatformIndex(
  layout: string,
  tag: string,
  platforms: readonly { tag: string; platform: IndexEntry["platform"] }[],
): IndexEntry {
  const children = platforms.map(({ tag: child, platform }) => {
    const { mediaType, digest, size } = entryOf(layout, child);
    return { mediaType, digest, size, platform };
  });
  const index = writeBlob(
    layout,
    "application/vnd.oci.image.index.v1+json",
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: children,
    }),
  );
  const dropped = new Set(platforms.map((p) => p.tag));
  const kept = readIndex(layout).manifests.filter((m) =>
    !dropped.has(m.annotations?.["org.opencontainers.image.ref.name"] ?? "")
  );
  const entry = { ...index, annotations: { "org.opencontainers.image.ref.name": tag } };
  writeIndex(layout, [...kept, entry]);
  return entry;
}

/** Makes every blob and file of the layout world-readable (umoci writes 0600). */
export function relaxModes(dir: string): void {
  run("chmod", ["-R", "u+rwX,go+rX", dir]);
}
