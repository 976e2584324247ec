// files, diff, efficiency and cat on fresh umoci images: against `umoci unpack` + find/cmp, dive's
// formulas worked by hand, and byte for byte on Deno, Bun and Node as subprocesses.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "../harness.ts";
import { runCli } from "./_in_process.ts";
import { cliRuntimes, repoRoot } from "./_runtimes.ts";
import { freshDir } from "../layers/_layers.ts";
import {
  buildDiffImages,
  buildWasteful,
  findTree,
  rootsDiff,
  run,
  unpack,
} from "../layers/_images.ts";

let built: { layout: string; steps: string[]; wasteful: string } | undefined;
/** The images, built once when the first test here runs; tag `bin` adds a binary file to `b`. */
function images() {
  if (built) return built;
  const { layout, steps } = buildDiffImages();
  const binary = join(freshDir("fs2-bin-"), "blob.bin");
  writeFileSync(binary, Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) % 256));
  run("umoci", ["tag", "--image", `${layout}:b`, "bin"]);
  run("umoci", ["insert", "--image", `${layout}:bin`, binary, "/usr/lib/blob.bin"]);
  built = { layout, steps, wasteful: buildWasteful() };
  return built;
}

const oci = (layout: string) => [`oci:${layout}`, "--base-name", "x"];

test("files -o json lists what umoci unpack writes, with each path's layer", async () => {
  const { layout } = images();
  const { code, stdout, stderr } = await runCli(["files", ...oci(layout), "x:b", "-o", "json"]);
  assertEquals([code, stderr], [0, ""]);
  const files = JSON.parse(stdout).files as Record<string, string | number>[];
  const letter: Record<string, string> = { file: "f", hardlink: "f", dir: "d", symlink: "l" };
  const ours = files.map((f) => [
    f.path,
    {
      type: letter[f.type],
      size: f.size,
      mode: f.mode.toString(8),
      link: f.type === "symlink" ? f.link : "",
    },
  ]);
  const found = [...findTree(unpack(layout, "b"))].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assertEquals(ours, found);
  const row = (path: string) => files.find((f) => f.path === path);
  assertEquals(row("h1-link"), {
    path: "h1-link",
    type: "hardlink",
    size: 9,
    mode: 0o644,
    uid: 0,
    gid: 0,
    link: "h1",
    layer: 4,
  });
  assertEquals([row("h1")?.layer, row("etc/b")?.layer, row("opt/fresh")?.layer], [0, 2, 3]);
  // One layer as stored: the whiteout is an entry there; PATH keeps what is under it.
  const layer = await runCli(["files", ...oci(layout), "x:b", "--layer", "1", "-o", "json"]);
  const stored = JSON.parse(layer.stdout).files.map((f: { path: string }) => f.path);
  assertEquals(stored.includes("etc/.wh.a"), true, stored.join());
  const under = await runCli(["files", ...oci(layout), "x:b", "/opt/", "-o", "json"]);
  assertEquals(JSON.parse(under.stdout).files.map((f: { path: string }) => f.path), [
    "opt",
    "opt/fresh",
  ]);
  const table = await runCli(["files", ...oci(layout), "x:b"]);
  assertStringIncludes(table.stdout, "hrw-r--r--   0/0        9       4   h1-link link to h1\n");
  assertStringIncludes(table.stdout, "lrwxrwxrwx   0/0        0       0   data/to-b -> ../etc/b\n");
  const missing = await runCli(["files", ...oci(layout), "x:b", "nope"]);
  assertEquals(missing.code, 3);
  const bad = await runCli(["files", ...oci(layout), "x:b", "--layer", "9"]);
  assertEquals([bad.code, bad.stderr.includes("expected a layer index from 0 to 4")], [2, true]);
});

test("diff -o json equals find and cmp over the unpacked images, for two images and for a layer", async () => {
  const { layout, steps } = images();
  const images2 = await runCli(["diff", ...oci(layout), "x:a", "x:b", "-o", "json"]);
  assertEquals(images2.code, 0, images2.stderr);
  assertEquals(JSON.parse(images2.stdout), rootsDiff(unpack(layout, "a"), unpack(layout, "b")));
  const layer = await runCli(["diff", ...oci(layout), "x:b", "--layer", "2", "-o", "json"]);
  assertEquals(
    JSON.parse(layer.stdout),
    rootsDiff(unpack(layout, steps[0]), unpack(layout, steps[1])),
  );
  const table = await runCli(["diff", ...oci(layout), "x:b", "--layer", "2"]);
  assertEquals(table.stdout, "M etc/b\nA new\nA new/file\n");
  const wrong = await runCli(["diff", ...oci(layout), "x:a", "x:b", "--layer", "1"]);
  assertEquals(wrong.code, 2);
});

test("efficiency -o json gives dive's figures worked by hand, and --ci's exit code follows the rules", async () => {
  const { wasteful } = images();
  const { code, stdout } = await runCli(["efficiency", ...oci(wasteful), "x:w", "-o", "json"]);
  assertEquals(code, 0);
  assertEquals(JSON.parse(stdout), {
    efficiency: 130 / 340,
    wastedBytes: 240,
    userWastedPercent: 240 / 130,
    reclaimableBytes: 260,
    inefficientFiles: [
      { path: "x", count: 3, wastedBytes: 230 },
      { path: "z", count: 2, wastedBytes: 10 },
    ],
  });
  const dir = freshDir("fs2-ci-");
  const config = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const ci = (file?: string) =>
    runCli(["efficiency", ...oci(wasteful), "x:w", "--ci", ...(file ? ["--ci-config", file] : [])]);
  // efficiency 0.38, wasted 240 B, user-wasted 1.85.
  const pass = config(
    "pass.yaml",
    "rules:\n  lowestEfficiency: 0.3 # below 0.38\n  highest-wasted-bytes: 1KB\n  highest_user_wasted_percent: disabled\n",
  );
  const passed = await ci(pass);
  assertEquals(passed.code, 0, passed.stdout);
  assertStringIncludes(
    passed.stdout,
    "  SKIP: highestUserWastedPercent: rule disabled\nResult: PASS\n",
  );
  assertEquals((await ci(config("eff.yaml", "rules:\n  lowest-efficiency: '0.5'\n"))).code, 1);
  assertEquals(
    (await ci(
      config(
        "bytes.yaml",
        "rules:\n  highestWastedBytes: 200\n  lowestEfficiency: off\n  highestUserWastedPercent: off\n",
      ),
    )).code,
    1,
  );
  // Without a file: dive's defaults (0.9, disabled, 0.1), which this image fails.
  const defaults = await ci();
  assertEquals(defaults.code, 1);
  assertStringIncludes(
    defaults.stdout,
    "FAIL: lowestEfficiency: image efficiency is too low (efficiency=0.38 < threshold=0.9)",
  );
  const json = await runCli([
    "efficiency",
    ...oci(wasteful),
    "x:w",
    "--ci",
    "--ci-config",
    pass,
    "-o",
    "json",
  ]);
  assertEquals([json.code, JSON.parse(json.stdout).ci.pass], [0, true]);
  assertEquals((await ci(config("bad.yaml", "rules:\n  lowestEfficiency: 2\n"))).code, 2);
  // One layer: dive's 0/0 user-wasted ratio is NaN, null in JSON.
  const one = await runCli(["efficiency", ...oci(wasteful), "x:one", "-o", "json"]);
  assertEquals(JSON.parse(one.stdout).userWastedPercent, null);
});

/** Runs the CLI as a subprocess, stdout kept as bytes. */
function runBytes(command: string, args: string[]): Promise<{ code: number; stdout: Uint8Array }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: repoRoot(), env: { ...process.env, NO_COLOR: "1" }, encoding: "buffer" },
      (error, stdout) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout: new Uint8Array(stdout) });
      },
    );
  });
}

test("cat writes a file's bytes as umoci unpack wrote them, on every runtime", async () => {
  const { layout, wasteful } = images();
  const root = unpack(layout, "bin");
  const runtimes = cliRuntimes();
  assertEquals(runtimes.length >= 2, true);
  for (const [name, command, lead] of runtimes) {
    for (const path of ["/usr/lib/blob.bin", "data/to-b", "h1-link", "data/big"]) {
      const { code, stdout } = await runBytes(command, [
        ...lead,
        "cat",
        ...oci(layout),
        "x:bin",
        path,
      ]);
      assertEquals(code, 0, `${name} ${path}`);
      assertEquals(stdout, new Uint8Array(readFileSync(join(root, path))), `${name} ${path}`);
    }
    const ci = await runBytes(command, [...lead, "efficiency", ...oci(wasteful), "x:w", "--ci"]);
    assertEquals(ci.code, 1, name);
    const files = await runBytes(command, [...lead, "files", ...oci(layout), "x:b", "-o", "json"]);
    const inProcess = await runCli(["files", ...oci(layout), "x:b", "-o", "json"]);
    assertEquals(new TextDecoder().decode(files.stdout), inProcess.stdout, name);
  }
  const dir = await runCli(["cat", ...oci(layout), "x:bin", "/usr/lib"]);
  assertEquals([dir.code, dir.stderr.includes("directory")], [1, true]);
});

test("files, diff and cat read OCI and Docker archives (skopeo) as they read the layout", async () => {
  const { layout } = images();
  const work = freshDir("fs2-archives-");
  run("skopeo", ["copy", `oci:${layout}:b`, `oci-archive:${join(work, "b.tar")}:b`]);
  run("skopeo", ["copy", `oci:${layout}:b`, `docker-archive:${join(work, "d.tar")}:x/b:latest`]);
  const expected = await runCli(["files", ...oci(layout), "x:b", "-o", "json"]);
  const fromOci = await runCli([
    "files",
    `oci-archive:${join(work, "b.tar")}`,
    "--base-name",
    "x",
    "x:b",
    "-o",
    "json",
  ]);
  const fromDocker = await runCli([
    "files",
    `docker-archive:${join(work, "d.tar")}`,
    "x/b",
    "-o",
    "json",
  ]);
  assertEquals([fromOci.stdout, fromDocker.stdout], [expected.stdout, expected.stdout]);
  const diff = await runCli([
    "diff",
    `docker-archive:${join(work, "d.tar")}`,
    "x/b",
    "--layer",
    "4",
  ]);
  assertEquals(diff.stdout, "M data/big\nA h1-link\n");
  const cat = await runCli(["cat", `docker-archive:${join(work, "d.tar")}`, "x/b", "h1-link"]);
  assertEquals(cat.stdout, "hard one\n");
});
