// The merged filesystem of an image umoci builds now (whiteouts, an opaque directory, a file
// replaced by a directory and back, links, long and unicode names) equals what `umoci unpack` writes.
import { assertEquals } from "@std/assert";
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../harness.ts";
import { imageFilesystem } from "../../src/core/image_filesystem.ts";
import { freshDir, layerFileEntries } from "./_layers.ts";

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" });
const long = "a-rather-long-directory-name/".repeat(4) + "日本語-naïve-file.txt";

function dir(files: Record<string, string>): string {
  const root = freshDir("fs-src-");
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), data);
  }
  return root;
}

function buildImage(): string {
  const work = freshDir("fs-image-");
  const layout = join(work, "layout");
  const image = `${layout}:t`;
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", image]);
  const base = dir({ "etc/a": "a\n", "etc/b": "bb\n", "opt/x/y": "y\n", "opt/z": "z\n", f: "f\n" });
  writeFileSync(join(base, long.split("/")[0] + ".keep"), "");
  mkdirSync(join(base, long, ".."), { recursive: true });
  writeFileSync(join(base, long), "long\n");
  symlinkSync("etc/b", join(base, "to-b"));
  linkSync(join(base, "etc", "b"), join(base, "etc", "b-hard"));
  execFileSync("chmod", ["0750", join(base, "opt", "x")]);
  execFileSync("chmod", ["4755", join(base, "etc", "a")]);
  run("umoci", ["insert", "--image", image, base, "/"]);
  run("umoci", ["insert", "--image", image, "--whiteout", "/etc/a"]);
  run("umoci", ["insert", "--image", image, "--opaque", dir({ fresh: "new\n" }), "/opt"]);
  run("umoci", ["insert", "--image", image, "--whiteout", "/f"]);
  run("umoci", ["insert", "--image", image, dir({ inside: "i\n" }), "/f"]);
  run("umoci", ["insert", "--image", image, "--whiteout", "/f"]);
  const again = dir({ f: "file again\n" });
  run("umoci", ["insert", "--image", image, join(again, "f"), "/f"]);
  return layout;
}

function layersOf(layout: string): string[] {
  const blob = (digest: string) => join(layout, "blobs", ...digest.split(":"));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), "utf8"));
  return manifest.layers.map((l: { digest: string }) => blob(l.digest));
}

test("imageFilesystem() of a umoci image equals what umoci unpack writes", async () => {
  const layout = buildImage();
  const layers = layersOf(layout);
  assertEquals(layers.length, 7);
  const merged = await imageFilesystem(
    layers.map(layerFileEntries),
  );
  const bundle = join(freshDir("fs-unpack-"), "bundle");
  run("umoci", ["unpack", "--rootless", "--image", `${layout}:t`, bundle]);
  const expected = run("find", [
    join(bundle, "rootfs"),
    "-mindepth",
    "1",
    "-printf",
    "%P\t%y\t%s\t%m\t%l\n",
  ])
    .trimEnd().split("\n").map((line) => {
      const [path, type, size, mode, link] = line.split("\t");
      return [path, type, type === "f" ? Number(size) : 0, mode, link ?? ""];
    }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const letter = {
    file: "f",
    hardlink: "f",
    dir: "d",
    symlink: "l",
    fifo: "p",
    char: "c",
    block: "b",
  };
  const ours = merged.map((e) => [
    e.path,
    letter[e.type],
    e.type === "file" || e.type === "hardlink" ? e.size : 0,
    e.mode.toString(8),
    e.type === "symlink" ? e.link : "",
  ]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  assertEquals(ours, expected);
  // The layer each path came from: the base for etc/b, the opaque layer for opt, the last for f.
  const layerOf = new Map(merged.map((e) => [e.path, e.layer]));
  assertEquals([layerOf.get("etc/b"), layerOf.get("opt/fresh"), layerOf.get("f")], [0, 2, 6]);
  assertEquals(merged.find((e) => e.path === "etc/b-hard")?.type, "hardlink");
});
