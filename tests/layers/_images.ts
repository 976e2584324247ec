/** Fresh umoci images for the image-filesystem tests, and what `umoci unpack` makes of them. */
import { execFileSync } from "node:child_process";
import {
  linkSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { freshDir } from "./_layers.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import type { Descriptor, Manifest } from "../../src/core/types.ts";
import { digestOf } from "../../src/core/digest.ts";
import { type ImageLayers, imageLayers } from "../../src/core/image_layers.ts";
import { pageDecompressors } from "../../src/explorer/layer_stream.ts";
import type { ContentProvider } from "../../src/core/content.ts";
import type { FsDiff } from "../../src/core/filesystem_diff.ts";

/** Runs a tool and returns its standard output. */
export const run = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: "utf8" });

/** A fresh directory holding `files` (path → content), every file 0644. */
export function tree(files: Record<string, string>): string {
  const root = freshDir("fs2-src-");
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), data);
  }
  return root;
}

/** A layer tar made by GNU tar (numeric owner 0), uncompressed, of `members` of `dir`, in order. */
export function gnuTar(dir: string, members: string[]): string {
  const out = join(freshDir("fs2-tar-"), "layer.tar");
  run("tar", [
    "--format=pax",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "-C",
    dir,
    "-cf",
    out,
    "--no-recursion",
    ...members,
  ]);
  return out;
}

/** The layout `a` (one base layer) and `b` (a's layer, then changes), tags `b1`… after each step. */
export function buildDiffImages(): { layout: string; steps: string[] } {
  const layout = join(freshDir("fs2-image-"), "layout");
  const image = `${layout}:b`;
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", `${layout}:a`]);
  const base = tree({
    "etc/a": "a\n",
    "etc/b": "bb\n",
    "opt/x/y": "y\n",
    "opt/z": "z\n",
    h1: "hard one\n",
    "data/big": "x".repeat(5000),
    "data/same": "same\n",
  });
  symlinkSync("../etc/b", join(base, "data", "to-b"));
  run("umoci", ["insert", "--image", `${layout}:a`, base, "/"]);
  run("umoci", ["tag", "--image", `${layout}:a`, "b"]);
  const steps: string[] = [];
  const step = () => {
    const tag = `b${steps.length + 1}`;
    run("umoci", ["tag", "--image", image, tag]);
    steps.push(tag);
  };
  run("umoci", ["insert", "--image", image, "--whiteout", "/etc/a"]);
  step();
  // Same size, other bytes: only the content hash tells; and a new file.
  run("umoci", ["insert", "--image", image, tree({ "etc/b": "cc\n", "new/file": "n\n" }), "/"]);
  step();
  run("umoci", ["insert", "--image", image, "--opaque", tree({ fresh: "f\n" }), "/opt"]);
  step();
  // A hard link whose target is in the base layer: tar both, then drop the target from the tar.
  const links = tree({ h1: "hard one\n", "data/big": "x".repeat(5000) });
  linkSync(join(links, "h1"), join(links, "h1-link"));
  execFileSync("chmod", ["0600", join(links, "data", "big")]);
  const layer = gnuTar(links, ["./h1", "./h1-link", "./data", "./data/big"]);
  run("tar", ["--delete", "-f", layer, "./h1"]);
  run("umoci", ["raw", "add-layer", "--image", image, layer]);
  step();
  return { layout, steps };
}

/** Tag `w`: x (100 B), d/y (50 B), z (10 B); x again; d removed; z removed; x with 30 B. Tag `one`: the first layer. */
export function buildWasteful(): string {
  const layout = join(freshDir("fs2-eff-"), "layout");
  const image = `${layout}:w`;
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", image]);
  run("umoci", [
    "insert",
    "--image",
    image,
    tree({ x: "x".repeat(100), "d/y": "y".repeat(50), z: "z".repeat(10) }),
    "/",
  ]);
  run("umoci", ["tag", "--image", image, "one"]);
  run("umoci", ["insert", "--image", image, join(tree({ x: "x".repeat(100) }), "x"), "/x"]);
  run("umoci", ["insert", "--image", image, "--whiteout", "/d"]);
  run("umoci", ["insert", "--image", image, "--whiteout", "/z"]);
  run("umoci", ["insert", "--image", image, join(tree({ x: "x".repeat(30) }), "x"), "/x"]);
  return layout;
}

/** The manifest the layout's `tag` names, and a content provider over the layout. */
export async function layoutImage(
  layout: string,
  tag: string,
): Promise<{ content: ContentProvider; manifest: Manifest; layers: ImageLayers }> {
  const blob = (digest: string) => join(layout, "blobs", ...digest.split(":"));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  const entry = index.manifests.find((m: { annotations?: Record<string, string> }) =>
    m.annotations?.["org.opencontainers.image.ref.name"] === tag
  );
  const manifest = JSON.parse(readFileSync(blob(entry.digest), "utf8")) as Manifest;
  const source = await openOciLayout(layout);
  const layers = imageLayers(source.content, manifest, { decompressors: pageDecompressors });
  return { content: source.content, manifest, layers };
}

/** `umoci unpack --rootless` of the layout's `tag`: the root filesystem's directory. */
export function unpack(layout: string, tag: string): string {
  const bundle = join(freshDir("fs2-unpack-"), "bundle");
  run("umoci", ["unpack", "--rootless", "--image", `${layout}:${tag}`, bundle]);
  return join(bundle, "rootfs");
}

interface _Found {
  readonly type: string;
  readonly size: number;
  readonly mode: string;
  readonly link: string;
}

/** Every path under `root` by `find` (type, size of files, mode, symlink target). */
export function findTree(root: string): Map<string, _Found> {
  const out = run("find", [root, "-mindepth", "1", "-printf", "%P\t%y\t%s\t%m\n"]).trimEnd();
  const found = new Map<string, _Found>();
  for (const line of out === "" ? [] : out.split("\n")) {
    const [path, type, size, mode] = line.split("\t");
    const link = type === "l" ? readlinkSync(join(root, path)) : "";
    found.set(path, { type, size: type === "f" ? Number(size) : 0, mode, link });
  }
  return found;
}

/** What `find` and `cmp` say differs between two unpacked roots, as `{added, modified, removed}`. */
export function rootsDiff(before: string, after: string): FsDiff {
  const a = findTree(before);
  const b = findTree(after);
  const added: string[] = [];
  const modified: string[] = [];
  for (const [path, entry] of b) {
    const old = a.get(path);
    if (!old) added.push(path);
    else if (JSON.stringify(old) !== JSON.stringify(entry)) modified.push(path);
    else if (
      entry.type === "f" &&
      !readFileSync(join(before, path)).equals(readFileSync(join(after, path)))
    ) modified.push(path);
  }
  const removed = [...a.keys()].filter((path) => !b.has(path));
  const sort = (list: string[]) =>
    list.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  return { added: sort(added), modified: sort(modified), removed: sort(removed) };
}

/** One layer for {@link writeLayout}: its blob, media type, annotations and uncompressed digest. */
export interface LayoutLayer {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
  readonly diffId: string;
  readonly annotations?: Record<string, string>;
}

/** A hand-made OCI layout at `layout` whose `tag` is an amd64 image of `layers`. */
export async function writeLayout(
  layout: string,
  tag: string,
  layers: readonly LayoutLayer[],
): Promise<{ layers: Descriptor[]; manifest: Manifest }> {
  const blob = async (bytes: Uint8Array, mediaType: string) => {
    const digest = await digestOf(bytes);
    mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(layout, "blobs", "sha256", digest.slice(7)), bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const descriptors: Descriptor[] = [];
  for (const layer of layers) {
    const descriptor = await blob(layer.bytes, layer.mediaType);
    descriptors.push(
      layer.annotations ? { ...descriptor, annotations: layer.annotations } : descriptor,
    );
  }
  const config = await blob(
    json({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    }),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config,
    layers: descriptors,
  } as Manifest;
  const stored = await blob(json(manifest), "application/vnd.oci.image.manifest.v1+json");
  writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...stored, annotations: { "org.opencontainers.image.ref.name": tag } }],
    }),
  );
  return { layers: descriptors, manifest };
}
