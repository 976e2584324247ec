import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { tarBytes } from "../adapters/_tar_builder.ts";
import { named, OCI_INDEX, OCI_MANIFEST, testLayout, twoPlatformLayout } from "./_layout.ts";
import { main } from "../../src/cli/main.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import { openArchive } from "../../src/runtime/open_archive.ts";
import type { ImageSource } from "../../src/core/content.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { defaultMatcher } from "../../src/core/platform_matcher.ts";

const HOST = { os: "linux", architecture: "amd64" };

/** Runs the CLI in-process with captured output. */
async function cli(argv: string[], extra: { isTTY?: boolean; env?: Record<string, string> } = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: extra.env ?? {},
    isTTY: extra.isTTY ?? false,
    host: HOST,
  });
  return { code, stdout, stderr };
}

/** What the library computes for a source: the store's images after a sync. */
async function libraryImages(source: ImageSource) {
  const store = new ImageStore(source, { platform: defaultMatcher(HOST), host: HOST });
  const { failures } = await store.sync();
  assertEquals(failures, []);
  await source.close?.();
  return store.list();
}

/** Checks `images -o json` and `inspect -o json` of SOURCE against the library's images. */
async function assertMatchesLibrary(
  argv: string[],
  source: ImageSource,
  inspectSource: string = argv[0],
) {
  const expected = await libraryImages(source);
  const { code, stdout, stderr } = await cli(["images", ...argv, "-o", "json"]);
  assertEquals([code, stderr], [0, ""]);
  const listed = JSON.parse(stdout).images as {
    id: string;
    repoTags: string[];
    repoDigests: string[];
    size: string;
  }[];
  assertEquals(listed.map((i) => i.id).sort(), expected.map((i) => i.id).sort());
  assert(expected.length > 0);
  for (const image of expected) {
    const row = listed.find((i) => i.id === image.id)!;
    assertEquals(row.size, String(image.size));
    assertEquals([...row.repoTags, ...row.repoDigests].sort(), [...image.references].sort());
    const inspected = await cli([
      "inspect",
      inspectSource,
      ...argv.slice(1),
      image.id.slice(7, 19),
      "-o",
      "json",
    ]);
    assertEquals(inspected.code, 0);
    const document = JSON.parse(inspected.stdout);
    assertEquals(document.info.chainID, image.chainId);
    assertEquals(document.status.id, image.id);
    assertEquals(document.info.imageSpec.rootfs.diff_ids, image.imageSpec.rootfs.diff_ids);
  }
}

/** Asserts the exit code and a single stderr line containing `text`. */
function assertOneLine(result: { code: number; stderr: string }, code: number, text: string) {
  assertEquals(result.code, code, result.stderr);
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  assertEquals(lines.length, 1, result.stderr);
  assertStringIncludes(lines[0], text);
}

test("images without SOURCE lists the example images in crictl's table", async () => {
  const { code, stdout, stderr } = await cli(["images"]);
  assertEquals([code, stderr], [0, ""]);
  const lines = stdout.trimEnd().split("\n");
  assertMatch(lines[0], /^IMAGE {2,}TAG {2,}IMAGE ID {2,}SIZE$/);
  for (const line of lines.slice(1)) assertMatch(line, /^\S+ +\S+ +[0-9a-f]{13} +[\d.]+[kMG]?B$/);
  assert(lines.length > 1);
});

test("images -o json and inspect of the example images match the library's IDs, chain IDs, sizes and references", async () => {
  const layout = new URL("../../examples/layout", import.meta.url).pathname;
  await assertMatchesLibrary([], await openOciLayout(layout), layout);
});

test("images -o json and inspect of the fixture layout and archives match the library", async () => {
  const f = await fixtures();
  const base = "example.com/team/app";
  await assertMatchesLibrary(
    [`oci:${f.layout}`, "--base-name", base],
    await openOciLayout(f.layout, { baseName: base }),
  );
  await assertMatchesLibrary(
    [`oci:${f.layout}`, "--base-name", base, "--digest-refs"],
    await openOciLayout(f.layout, { baseName: base, digestRefs: true }),
  );
  for (const path of [f.ociArchive, f.ociArchiveGzip, f.multiArchive]) {
    await assertMatchesLibrary(
      [`oci-archive:${path}`, "--base-name", base],
      await openArchive(path, { baseName: base }),
    );
  }
  await assertMatchesLibrary(
    [`docker-archive:${f.dockerArchive}`],
    await openArchive(f.dockerArchive),
  );
  await assertMatchesLibrary([f.hybridArchive], await openArchive(f.hybridArchive));
});

test("images -q prints full IDs, --no-trunc full IDs in the table, --digests and --pinned add columns", async () => {
  const layout = testLayout();
  const { manifest, config, layer } = await layout.image("a");
  layout.write([named(manifest, "example.com/a:1"), {
    ...manifest,
    annotations: { "io.containerd.image.name": `example.com/a@${manifest.digest}` },
  }]);
  assertEquals((await cli(["images", layout.dir, "-q"])).stdout, `${config.digest}\n`);
  const table = (await cli(["images", layout.dir, "--no-trunc", "--digests", "--pinned"])).stdout;
  const [header, row] = table.split("\n");
  assertMatch(header, /^IMAGE +TAG +DIGEST +IMAGE ID +SIZE +PINNED$/);
  assertEquals(row.split(/ +/), [
    "example.com/a",
    "1",
    manifest.digest,
    config.digest,
    `${manifest.size + config.size + layer.size}B`,
    "false",
  ]);
  rmSync(layout.dir, { recursive: true });
});

test("images warns once per unreadable reference, lists the rest and exits 1", async () => {
  const layout = testLayout();
  const good = await layout.image("good", { user: "1000" });
  const noManifest = await layout.image("gone");
  rmSync(join(layout.dir, "blobs/sha256", noManifest.manifest.digest.slice(7)));
  const badConfig = await layout.image("corrupt");
  writeFileSync(join(layout.dir, "blobs/sha256", badConfig.config.digest.slice(7)), "{}");
  const schema1 = await layout.blob(
    '{"schemaVersion":1}',
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
  );
  const armOnly = await layout.image("arm", { arch: "arm64" });
  const index = await layout.blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ ...armOnly.manifest, platform: { os: "linux", architecture: "arm64" } }],
    }),
    OCI_INDEX,
  );
  const huge = { ...good.manifest, digest: `sha256:${"e".repeat(64)}`, size: 5 * 1024 * 1024 };
  layout.write([
    named(good.manifest, "example.com/good:1"),
    named(noManifest.manifest, "example.com/no-manifest:1"),
    named(badConfig.manifest, "example.com/bad-config:1"),
    named(schema1, "example.com/schema1:1"),
    named(index, "example.com/arm-only:1"),
    named(huge, "example.com/huge:1"),
    named(good.manifest, "Not::Valid"),
  ]);
  const { code, stdout, stderr } = await cli(["images", layout.dir, "-o", "json"]);
  assertEquals(code, 1);
  const warnings = stderr.trimEnd().split("\n");
  assertEquals(warnings.length, 6, stderr);
  for (const [i, ref] of ["arm-only", "bad-config", "huge", "no-manifest", "schema1"].entries()) {
    assertStringIncludes(warnings[i], `example.com/${ref}:1`);
  }
  assertStringIncludes(warnings[5], '"Not::Valid"');
  const images = JSON.parse(stdout).images;
  assertEquals(images.length, 1);
  assertEquals(images[0].repoTags, ["example.com/good:1"]);
  assertEquals(images[0].uid, { value: "1000" });
  rmSync(layout.dir, { recursive: true });
});

test("a missing layer does not stop images or inspect, and verify reports it with exit 1", async () => {
  const layout = testLayout();
  const image = await layout.image("a");
  const other = await layout.image("b");
  rmSync(join(layout.dir, "blobs/sha256", image.layer.digest.slice(7)));
  writeFileSync(join(layout.dir, "blobs/sha256", other.layer.digest.slice(7)), "tampered");
  layout.write([
    named(image.manifest, "example.com/a:1"),
    named(other.manifest, "example.com/b:1"),
  ]);
  assertEquals((await cli(["images", layout.dir])).code, 0);
  assertEquals((await cli(["inspect", layout.dir, "example.com/a:1"])).code, 0);
  const verified = await cli(["verify", layout.dir]);
  assertEquals(verified.code, 1);
  const lines = verified.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 3);
  assertMatch(
    lines[0],
    new RegExp(
      `^missing ${image.layer.digest} \\(layer 1 of manifest sha256:[0-9a-f]{12} in image "example.com/a:1"\\)`,
    ),
  );
  assertMatch(
    lines[1],
    new RegExp(`^mismatch ${other.layer.digest} .*found sha256:[0-9a-f]{64} \\(8 bytes\\)$`),
  );
  assertEquals(
    lines[2],
    "6 blobs of 2 images (2 references) checked: 1 missing, 1 mismatching or invalid",
  );
  rmSync(layout.dir, { recursive: true });
});

test("a damaged or missing config or manifest is named as images prints the image, in the domain's words", async () => {
  const layout = testLayout();
  const damaged = await layout.image("damaged");
  const gone = await layout.image("gone");
  const lost = await layout.image("lost");
  const configPath = (d: { digest: string }) => join(layout.dir, "blobs/sha256", d.digest.slice(7));
  // Same length, other bytes: only the digest can tell.
  const bytes = new TextEncoder().encode(
    JSON.stringify({ author: "x" }).padEnd(damaged.config.size),
  );
  writeFileSync(configPath(damaged.config), bytes);
  const actual = `sha256:${
    Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
      .map((b) => b.toString(16).padStart(2, "0")).join("")
  }`;
  rmSync(configPath(gone.config));
  rmSync(configPath(lost.manifest));
  layout.write([
    named(damaged.manifest, "bb:1.35.0"),
    named(gone.manifest, "gone:1"),
    named(lost.manifest, "lost:1"),
  ]);
  const images = await cli(["images", layout.dir]);
  assertEquals(images.code, 1);
  assertEquals(
    images.stderr.split("\n").filter(Boolean),
    [
      `ocistore: warning: Cannot read the config of docker.io/library/bb:1.35.0: Cannot read blob ${damaged.config.digest}: it does not match its digest, it hashes to ${actual}`,
      `ocistore: warning: Cannot read the config of docker.io/library/gone:1: Cannot find blob "${gone.config.digest}" in OCI layout "${layout.dir}"`,
      `ocistore: warning: Cannot read the manifest of docker.io/library/lost:1: Cannot find blob "${lost.manifest.digest}" in OCI layout "${layout.dir}"`,
    ],
  );
  const verified = await cli(["verify", layout.dir]);
  assertEquals(verified.code, 1);
  const lines = verified.stdout.split("\n");
  assertMatch(
    lines[0],
    new RegExp(
      `^mismatch ${damaged.config.digest} \\(config of manifest sha256:[0-9a-f]{12} in image "docker.io/library/bb:1.35.0"\\): expected ${damaged.config.digest} \\(\\d+ bytes\\), found ${actual}`,
    ),
  );
  assertMatch(
    lines[1],
    /^missing sha256:[0-9a-f]{64} \(config of manifest .* in image "docker.io\/library\/gone:1"\)/,
  );
  rmSync(layout.dir, { recursive: true });
});

test("inspect and resolve find images by normalized reference, ID or unique prefix, and exit 3 otherwise", async () => {
  const layout = testLayout();
  const images = [];
  // Enough distinct images that two IDs share their first hex digit.
  for (let i = 0; i < 17; i++) images.push(await layout.image(`image ${i}`));
  layout.write(images.map((image, i) => named(image.manifest, `docker.io/library/img${i}:latest`)));
  const resolved = await cli(["resolve", layout.dir, "img3"]);
  assertEquals([resolved.code, resolved.stdout], [0, `${images[3].config.digest}\n`]);
  const json = JSON.parse((await cli(["resolve", layout.dir, "img3", "-o", "json"])).stdout);
  assertEquals(json, { reference: "docker.io/library/img3:latest", id: images[3].config.digest });
  const byPrefix = await cli([
    "inspect",
    layout.dir,
    images[5].config.digest.slice(7, 20),
    "-o",
    "table",
  ]);
  assertStringIncludes(
    byPrefix.stdout,
    `ID: ${images[5].config.digest}\nTag: docker.io/library/img5:latest\n`,
  );
  assertOneLine(await cli(["inspect", layout.dir, "nope"]), 3, 'Cannot find image "nope"');
  assertOneLine(await cli(["resolve", layout.dir, "img99"]), 3, '"img99"');
  const first = images.map((i) => i.config.digest[7]);
  const shared = first.find((c, i) => first.indexOf(c) !== i)!;
  const count = first.filter((c) => c === shared).length;
  assertOneLine(await cli(["inspect", layout.dir, shared]), 3, `found ${count}`);
  rmSync(layout.dir, { recursive: true });
});

test("a source that cannot be opened exits 2 with one line naming the file and the problem", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocistore-cli-bad-"));
  const at = (name: string) => join(dir, name);
  assertOneLine(await cli(["images", at("missing")]), 2, "no such file or directory");
  assertOneLine(await cli(["images", `oci:${at("missing")}`]), 2, "no such directory");
  writeFileSync(at("file"), "x");
  assertOneLine(
    await cli(["images", `oci:${at("file")}`]),
    2,
    "expected a directory, found a file",
  );
  mkdirSync(at("empty"));
  assertOneLine(await cli(["images", at("empty")]), 2, "oci-layout is missing");
  const layout = (name: string, version: string, index?: string) => {
    mkdirSync(at(name));
    writeFileSync(at(`${name}/oci-layout`), `{"imageLayoutVersion":"${version}"}`);
    if (index !== undefined) writeFileSync(at(`${name}/index.json`), index);
    return at(name);
  };
  assertOneLine(await cli(["images", layout("noindex", "1.0.0")]), 2, "index.json is missing");
  assertOneLine(
    await cli(["images", layout("notjson", "1.0.0", "{")]),
    2,
    "index.json is not JSON",
  );
  assertOneLine(await cli(["images", layout("version", "2.0.0", "{}")]), 2, '"2.0.0"');
  const entry = (digest: string) =>
    JSON.stringify({ manifests: [{ mediaType: OCI_MANIFEST, digest, size: 1 }] });
  assertOneLine(
    await cli(["images", layout("baddigest", "1.0.0", entry("sha256:zz"))]),
    2,
    "index.json",
  );
  assertOneLine(
    await cli(["images", layout("md5", "1.0.0", entry(`md5:${"a".repeat(32)}`))]),
    2,
    "md5",
  );
  const tar = (name: string, bytes: Uint8Array) => {
    writeFileSync(at(name), bytes);
    return at(name);
  };
  assertOneLine(
    await cli(["images", tar("garbage.tar", new Uint8Array(700).fill(7))]),
    2,
    "garbage.tar",
  );
  const layoutTar = tarBytes([
    { name: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' },
    { name: "index.json", data: '{"manifests":[]}' },
  ]);
  assertOneLine(
    await cli(["images", tar("truncated.tar", layoutTar.slice(0, 600))]),
    2,
    "truncated.tar",
  );
  for (
    const [name, hostile] of [
      ["dotdot.tar", { name: "../escape", data: "x" }],
      ["absolute.tar", { name: "/etc/escape", data: "x" }],
      ["link.tar", { name: "blobs", type: "2", linkname: "/etc" }],
    ] as const
  ) {
    const bytes = tarBytes([
      { name: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: "index.json", data: '{"manifests":[]}' },
      hostile,
    ]);
    assertOneLine(await cli(["images", `oci-archive:${tar(name, bytes)}`]), 2, name);
  }
  assertOneLine(await cli(["images", `containerd:${at("empty")}`]), 2, "meta.db");
  // docker:// is a registry now (tests/cli/registry_cli_test.ts); a malformed one cannot be opened.
  assertOneLine(await cli(["images", "docker:registry.example.com/app:1"]), 2, "docker://HOST");
  rmSync(dir, { recursive: true });
});

test("usage mistakes exit 2 with one line and the usage hint", async () => {
  assertOneLine(await cli(["frobnicate"]), 2, "(see 'ocistore --help')");
  assertOneLine(await cli(["images", "--nope"]), 2, `"--nope" (see 'ocistore images --help')`);
  assertOneLine(await cli(["images", "--platform", "linux/ARM64/x/y/z"]), 2, "--platform");
  assertOneLine(
    await cli(["images", "--platform", "linux//arm"]),
    2,
    "(see 'ocistore images --help')",
  );
  assertOneLine(await cli(["inspect", "-q", "x", "y"]), 2, "inspect does not take --quiet");
  assertOneLine(await cli(["inspect", "examples/layout"]), 2, "inspect takes SOURCE IMAGE");
  assertOneLine(await cli(["images", "a", "b"]), 2, "images takes [SOURCE], found 2 operands");
  assertOneLine(await cli(["images", "--digest-refs"]), 2, "without --base-name");
  assertOneLine(await cli(["images", "bogus:thing"]), 2, 'unknown transport "bogus"');
  assertEquals((await cli([])).code, 2);
});

test("every command has --help on stdout with exit 0", async () => {
  for (const command of ["images", "inspect", "resolve", "platforms", "verify"]) {
    const { code, stdout } = await cli([command, "--help"]);
    assertEquals(code, 0);
    assertStringIncludes(stdout, `Usage: ocistore ${command}`);
  }
  assertStringIncludes((await cli(["--help"])).stdout, "Exit codes: 0 ok");
});

test("platforms lists each platform of an index with the ID and size a store for it reports", async () => {
  const layout = await twoPlatformLayout();
  const { amd, arm } = layout;
  const { code, stdout } = await cli([
    "platforms",
    layout.dir,
    "example.com/multi:1",
    "-o",
    "json",
  ]);
  assertEquals(code, 0);
  const rows = JSON.parse(stdout).platforms;
  assertEquals(rows.map((r: { id: string }) => r.id), [amd.config.digest, arm.config.digest]);
  const armIds = await cli(["images", layout.dir, "-q", "--platform", "linux/arm64"]);
  assertEquals(armIds.stdout, `${arm.config.digest}\n`);
  rmSync(layout.dir, { recursive: true });
});

test("colours and progress only on a terminal, never with NO_COLOR; --debug adds the stack", async () => {
  const tty = await cli(["frobnicate"], { isTTY: true });
  assertStringIncludes(tty.stderr, "\x1b[31m");
  const plain = await cli(["frobnicate"], { isTTY: true, env: { NO_COLOR: "1" } });
  assertEquals(plain.stderr.includes("\x1b["), false);
  const debug = await cli(["images", "/no/such/dir", "--debug"]);
  assertEquals(debug.code, 2);
  assert(debug.stderr.split("\n").length > 2);
  assertStringIncludes(debug.stderr, "SourceError");
});
