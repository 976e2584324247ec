/** Fresh images for the filesystem views: files to view (text, binary, PNG) and a 50,000-file layer. */
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freshDir } from "../layers/_layers.ts";
import { run, tree } from "../layers/_images.ts";

/** tests/testdata/git-favicon.png: git's gitweb favicon (Debian's git package), 16×16. */
export const PNG_PATH: string = join(
  dirname(fileURLToPath(import.meta.url)),
  "../testdata/git-favicon.png",
);

/** The base name the tests open tag-only layouts under. */
export const BASE_NAME = "example.test/fs";

/**
 * Tag `v` of a fresh umoci layout: `etc/os-release` (text), `lines.txt` (`seq 1 4500`),
 * `bin/true` (the host's ELF binary), `img/favicon.png`, and `os-release` → `etc/os-release`.
 */
export function buildViewerImage(): string {
  const layout = join(freshDir("fsview-"), "layout");
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", `${layout}:v`]);
  const root = tree({ "etc/os-release": 'NAME="ocistore test"\nID=test\n' });
  writeFileSync(join(root, "lines.txt"), run("seq", ["1", "4500"]));
  mkdirSync(join(root, "bin"));
  copyFileSync("/bin/true", join(root, "bin/true"));
  mkdirSync(join(root, "img"));
  copyFileSync(PNG_PATH, join(root, "img/favicon.png"));
  symlinkSync("etc/os-release", join(root, "os-release"));
  run("umoci", ["insert", "--image", `${layout}:v`, root, "/"]);
  return layout;
}

/** The paths of {@link buildManyFiles}'s files: `d00/f0000` … (50 directories of 1,000). */
export function manyPaths(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const dir = String(Math.floor(i / 1000)).padStart(2, "0");
    return `d${dir}/f${String(i % 1000).padStart(4, "0")}`;
  });
}

/**
 * Tag `many` of a fresh umoci layout: one layer (GNU tar, gzip by umoci) of `count` small files in
 * directories of 1,000, each holding its own path.
 */
export function buildManyFiles(count = 50_000): { layout: string; paths: string[] } {
  const layout = join(freshDir("fsmany-"), "layout");
  const root = freshDir("fsmany-src-");
  const paths = manyPaths(count);
  for (const path of paths) {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), `${path}\n`);
  }
  const layer = join(freshDir("fsmany-tar-"), "layer.tar");
  const dirs = [...new Set(paths.map((p) => dirname(p)))];
  run("tar", [
    // GNU headers: 512 bytes an entry (pax would add atime and ctime records to each).
    "--format=gnu",
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "-C",
    root,
    "-cf",
    layer,
    ...dirs,
  ]);
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", `${layout}:many`]);
  run("umoci", ["raw", "add-layer", "--image", `${layout}:many`, layer]);
  return { layout, paths };
}
