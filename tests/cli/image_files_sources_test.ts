// files, diff, efficiency and cat on the other sources: a containerd root, the same daemon over its
// socket and a loopback registry must give what the same umoci images give from their OCI layout
// (issue 21: "the four commands work on every source"). Runs in-process, so on each runtime the
// suite runs on (Deno, Bun, Node).
import { assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { test } from "../harness.ts";
import { runCli } from "./_in_process.ts";
import { freshDir } from "../layers/_layers.ts";
import { buildDiffImages, run } from "../layers/_images.ts";
import { type Containerd, parseImagesLs, startContainerd } from "../adapters/_containerd.ts";
import { EXAMPLE_LAYOUT, push, startRegistry, tempDir } from "../adapters/_registry.ts";
import type { TestRegistry } from "../adapters/_registry.ts";
import { writeFileSync } from "node:fs";

const base = "example.com/fs";
const multi = "example.com/ocistore/multi:1.0";

interface Sources {
  readonly layout: string;
  readonly daemon: Containerd;
  readonly registry: TestRegistry;
}

let started: Promise<Sources> | undefined;
/**
 * The umoci images `a`, `b` (whiteout, opaque directory, hard link…) and `bin` (a binary file), in
 * a layout, imported into a fresh containerd (k8s.io) and pushed to a fresh loopback registry; the
 * example layout's two-platform image imported for the host platform only, as ctr does by default.
 */
function sources(): Promise<Sources> {
  return started ??= (async () => {
    const { layout } = buildDiffImages();
    const binary = join(freshDir("h22-bin-"), "blob.bin");
    writeFileSync(binary, Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) % 256));
    run("umoci", ["tag", "--image", `${layout}:b`, "bin"]);
    run("umoci", ["insert", "--image", `${layout}:bin`, binary, "/usr/lib/blob.bin"]);
    const archive = join(freshDir("h22-archive-"), "all.tar");
    run("tar", ["-C", layout, "-cf", archive, "."]);
    const daemon = await startContainerd();
    await daemon.ctr("k8s.io", "images", "import", "--base-name", base, "--no-unpack", archive);
    const multiArchive = join(freshDir("h22-multi-"), "multi.tar");
    run("skopeo", [
      "copy",
      "--all",
      `oci:${EXAMPLE_LAYOUT}:${multi}`,
      `oci-archive:${multiArchive}`,
    ]);
    await daemon.ctr("k8s.io", "images", "import", "--index-name", multi, multiArchive);
    // Docker schema 2 media types in containerd: b again, through a docker archive.
    const dockerArchive = join(freshDir("h22-docker-"), "b.tar");
    run("skopeo", [
      "copy",
      `oci:${layout}:b`,
      `docker-archive:${dockerArchive}:docker.io/fs/b:docker`,
    ]);
    await daemon.ctr("k8s.io", "images", "import", "--no-unpack", dockerArchive);
    const registry = await startRegistry("anonymous", tempDir("h22-registry-"));
    for (const tag of ["a", "b", "bin"]) {
      await push(`oci:${layout}:${tag}`, registry.host, `fs:${tag}`);
    }
    return { layout, daemon, registry };
  })();
}

/** Each source as CLI operands, and how it names image TAG. */
function each(s: Sources): { name: string; source: string[]; image: (tag: string) => string }[] {
  return [
    {
      name: "containerd root",
      source: [`containerd:${s.daemon.root}`],
      image: (t) => `${base}:${t}`,
    },
    {
      name: "containerd socket",
      source: [`containerd:unix://${s.daemon.socket}`],
      image: (t) => `${base}:${t}`,
    },
    {
      name: "registry",
      source: [`docker://${s.registry.host}/fs`, "--plain-http", "--no-cache"],
      image: (t) => `${s.registry.host}/fs:${t}`,
    },
  ];
}

/** `ocistore ARGS` must succeed quietly; its stdout. */
async function ok(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(args);
  assertEquals([code, stderr], [0, ""], args.join(" "));
  return stdout;
}

test(
  "files, diff, efficiency and cat over a containerd root, its socket and a registry equal the OCI layout's",
  async () => {
    const s = await sources();
    const fromLayout = ["oci:" + s.layout, "--base-name", base];
    const layoutName = (t: string) => `${base}:${t}`;
    // Each command's answer from the layout: what every other source must print byte for byte.
    const commands = (src: string[], image: (tag: string) => string) => [
      ["files", ...src, image("b"), "-o", "json"],
      ["files", ...src, image("b"), "--layer", "1", "-o", "json"],
      ["files", ...src, image("b"), "/opt/", "-o", "json"],
      ["diff", ...src, image("a"), image("b"), "-o", "json"],
      ["diff", ...src, image("b"), "--layer", "2", "-o", "json"],
      ["efficiency", ...src, image("b"), "-o", "json"],
      ["cat", ...src, image("bin"), "/usr/lib/blob.bin", "-o", "json"],
      ["cat", ...src, image("b"), "h1-link"],
      ["cat", ...src, image("b"), "data/to-b"],
    ];
    const expected: string[] = [];
    for (const args of commands(fromLayout, layoutName)) expected.push(await ok(args));
    // The expectations are not empty: the layout's own answers hold the images' content.
    assertStringIncludes(expected[0], '"path": "h1-link"');
    assertEquals(expected[7], "hard one\n");
    assertEquals(JSON.parse(expected[6]).size, 4096);
    for (const { name, source, image } of each(s)) {
      const got: string[] = [];
      for (const args of commands(source, image)) got.push(await ok(args));
      assertEquals(got, expected, name);
    }
    // The same image under Docker's media types, from containerd's root and socket.
    const listed = parseImagesLs(await s.daemon.ctr("k8s.io", "images", "ls"));
    assertEquals(
      listed.find((i) => i.name === "docker.io/fs/b:docker")?.mediaType,
      "application/vnd.docker.distribution.manifest.v2+json",
    );
    for (const { name, source } of each(s).slice(0, 2)) {
      const docker = (args: string[]) =>
        ok([args[0], ...source, "docker.io/fs/b:docker", ...args.slice(1)]);
      assertEquals(await docker(["files", "-o", "json"]), expected[0], name);
      assertEquals(await docker(["diff", "--layer", "2", "-o", "json"]), expected[4], name);
      assertEquals(await docker(["efficiency", "-o", "json"]), expected[5], name);
      assertEquals(await docker(["cat", "h1-link"]), expected[7], name);
    }
  },
  { timeout: 240_000 },
);

test("the four commands on a two-platform image containerd holds for the host only: the host's platform reads, another is not found, saying why", async () => {
  const s = await sources();
  const fromLayout = await ok(["files", `oci:${EXAMPLE_LAYOUT}`, multi, "-o", "json"]);
  for (const { name, source } of each(s).slice(0, 2)) {
    assertEquals(await ok(["files", ...source, multi, "-o", "json"]), fromLayout, name);
    const other = await runCli(["files", ...source, multi, "--platform", "linux/arm64"]);
    // Not there, and the message says why: containerd keeps only the platforms it was given.
    assertEquals(other.code, 3, `${name}: ${other.stderr}`);
    assertStringIncludes(other.stderr, "--all-platforms", name);
  }
});
