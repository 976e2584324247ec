// Issue 14, "What a new user hit": one test per item, in-process (bin_test.ts runs the CLI items as
// subprocesses on Deno, Bun and Node).
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { tarBytes } from "../adapters/_tar_builder.ts";
import { named, testLayout, twoPlatformLayout } from "./_layout.ts";
import {
  importName,
  linkOutLayout,
  singlePlatformExport,
  tagOnlyLayout,
  umociLayout,
  untaggedDockerSave,
} from "./_sources.ts";
import { runCli as cli } from "./_in_process.ts";
import { openOciLayout } from "../../src/runtime/open_oci_layout.ts";
import { openArchive } from "../../src/runtime/open_archive.ts";
import { NotFoundError } from "../../src/core/errors.ts";
import { humanSize } from "../../src/core/format.ts";

test("1. verify checks every entry of a umoci layout (tag-only names) and an untagged docker save", async () => {
  const umoci = await umociLayout();
  const result = await cli(["verify", umoci.dir]);
  assertEquals(result.code, 1, result.stdout);
  assertMatch(result.stdout, new RegExp(`^mismatch ${umoci.layer} \\(layer 1 of manifest`, "m"));
  assertStringIncludes(result.stdout, "3 blobs of 1 image (2 references) checked: 0 missing, 1");
  const docker = await untaggedDockerSave();
  const untagged = await cli(["verify", docker]);
  assertEquals(untagged.code, 1, untagged.stdout);
  assertMatch(
    untagged.stdout,
    /^mismatch sha256:[0-9a-f]{64} \(layer 1 of manifest .* in untagged entry/m,
  );
  assertStringIncludes(untagged.stdout, "of 1 image (0 references) checked: 0 missing, 1");
});

test("2. tag-only names are listed as ctr names them (import-<date>:TAG), once on stderr, and inspect finds them", async () => {
  const { dir, ids } = await tagOnlyLayout();
  const listed = await cli(["images", dir, "-o", "json"]);
  assertEquals(listed.code, 0);
  const prefix = importName();
  assertEquals(
    listed.stderr,
    `ocistore: warning: 3 entries have tag-only names; listed as ${prefix}:…; use --base-name to name them\n`,
  );
  const tags = JSON.parse(listed.stdout).images.flatMap((i: { repoTags: string[] }) => i.repoTags);
  assertEquals(tags.sort(), [
    `docker.io/library/${prefix}:busybox`,
    `docker.io/library/${prefix}:v1`,
    `docker.io/library/${prefix}:v2`,
    "example.com/full:1",
  ]);
  const inspected = await cli(["inspect", dir, ids[0].slice(7, 19)]);
  assertEquals(inspected.code, 0, inspected.stderr);
  assertEquals(JSON.parse(inspected.stdout).status.repoTags, [`docker.io/library/${prefix}:v1`]);
  const based = await cli(["images", dir, "--base-name", "example.com/team/app", "-q"]);
  assertEquals([based.code, based.stderr], [0, ""]);
  assertEquals(based.stdout.trimEnd().split("\n").length, 3); // example.com/full:1 is filtered out
  for (const bad of ["Example.com/App", "app:1", "a b"]) {
    const refused = await cli(["images", dir, "--base-name", bad]);
    assertEquals(refused.code, 2, bad);
    assertStringIncludes(refused.stderr, `invalid --base-name "${bad}"`);
  }
});

/** The SIZE `images` shows for the layout's one image on a platform. */
async function sizeFor(dir: string, platform: string): Promise<string> {
  const { stdout } = await cli(["images", dir, "--platform", platform, "-o", "json"]);
  return humanSize(Number(JSON.parse(stdout).images[0].size));
}

test("3. platforms lists every platform whatever --platform says and marks the store's pick", async () => {
  const multi = await twoPlatformLayout();
  const { dir } = multi;
  const [amd, arm] = [multi.amd.config.digest, multi.arm.config.digest];
  const other = await cli(["platforms", dir, "example.com/multi:1", "--platform", "linux/s390x"]);
  assertEquals(other.code, 0, other.stderr);
  assertEquals(other.stdout.trimEnd().split("\n").map((line) => line.split(/ +/)), [
    ["PLATFORM", "IMAGE", "ID", "SIZE", "SELECTED"],
    ["linux/amd64", amd.slice(7, 20), await sizeFor(dir, "linux/amd64"), "false"],
    ["linux/arm64", arm.slice(7, 20), await sizeFor(dir, "linux/arm64"), "false"],
  ]);
  assertStringIncludes(other.stderr, "matches linux/s390x");
  const json = JSON.parse(
    (await cli(["platforms", dir, "example.com/multi:1", "-o", "json"])).stdout,
  );
  assertEquals(json.platforms.map((p: { selected: boolean }) => p.selected), [true, false]);
  const arm64 = JSON.parse(
    (await cli(["platforms", dir, "example.com/multi:1", "--platform", "linux/arm64", "-o=json"]))
      .stdout,
  );
  assertEquals(arm64.platforms.map((p: { selected: boolean }) => p.selected), [false, true]);
});

test("4. verify checks what --platform needs; without it, absent blobs of other platforms and foreign layers are listed apart", async () => {
  const intact = await singlePlatformExport();
  const plain = await cli(["verify", intact.dir]);
  assertEquals(plain.code, 0, plain.stdout);
  assertMatch(
    plain.stdout,
    new RegExp(`^absent ${intact.armManifest} .*: needed only by linux/arm64`, "m"),
  );
  assertMatch(
    plain.stdout,
    new RegExp(`^absent ${intact.foreign} .*: a non-distributable layer`, "m"),
  );
  assertMatch(plain.stdout, /checked: all verified; 2 absent by design/);
  const amd = await cli(["verify", intact.dir, "--platform", "linux/amd64"]);
  assertEquals(amd.code, 0, amd.stdout);
  assertEquals(amd.stdout.includes("linux/arm64"), false);
  const arm = await cli(["verify", intact.dir, "--platform", "linux/arm64"]);
  assertEquals(arm.code, 1, arm.stdout);
  assertMatch(arm.stdout, new RegExp(`^missing ${intact.armManifest} `, "m"));
  const damaged = await singlePlatformExport(true);
  const broken = await cli(["verify", damaged.dir]);
  assertEquals(broken.code, 1, broken.stdout);
  assertMatch(broken.stdout, new RegExp(`^missing ${damaged.amdLayer} `, "m"));
  assertMatch(broken.stdout, /checked: 1 missing, 0 mismatching or invalid; 2 absent by design/);
});

test("5. a blob linking out of the layout is one invalid problem and the run goes on; counts say images and references", async () => {
  const { dir, layer } = await linkOutLayout();
  const result = await cli(["verify", dir]);
  assertEquals(result.code, 1, result.stderr);
  const lines = result.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 2, result.stdout);
  assertMatch(
    lines[0],
    new RegExp(
      `^invalid ${layer} \\(layer 1 of manifest .*\\): expected a readable blob, found .*link`,
    ),
  );
  assertEquals(
    lines[1],
    "3 blobs of 1 image (4 references) checked: 0 missing, 1 mismatching or invalid",
  );
});

test("6. skopeo's oci:DIR:REF, oci-archive:FILE:REF, docker-archive:FILE:REF and :@INDEX select one image; explicit formats are honoured", async () => {
  const { dir, ids } = await tagOnlyLayout();
  const q = async (source: string) => {
    const result = await cli(["images", source, "-q"]);
    assertEquals(result.code, 0, `${source}: ${result.stderr}`);
    return result.stdout;
  };
  assertEquals(await q(`oci:${dir}:v2`), `${ids[1]}\n`);
  assertEquals(await q(`oci:${dir}:example.com/full:1`), `${ids[3]}\n`);
  assertEquals(await q(`oci:${dir}:@2`), `${ids[2]}\n`);
  const missing = await cli(["images", `oci:${dir}:v9`]);
  assertEquals(missing.code, 2);
  assertStringIncludes(missing.stderr, 'Cannot find reference "v9"');
  const f = await fixtures();
  assertEquals((await q(`oci-archive:${f.ociArchive}:1.0`)).length, 72);
  const docker =
    (await cli(["images", `docker-archive:${f.dockerArchive}:example.com/app:1.0`])).stdout;
  assertEquals(docker.trimEnd().split("\n").slice(1).map((l) => l.split(/ +/).slice(0, 2)), [[
    "example.com/app",
    "1.0",
  ]]);
  const first = (await cli(["images", `docker-archive:${f.dockerArchive}:@0`])).stdout;
  assertEquals(first.trimEnd().split("\n").length, 3);
  const wrong = await cli(["images", `oci-archive:${f.dockerArchive}`]);
  assertEquals(wrong.code, 2);
  assertStringIncludes(wrong.stderr, "found a docker save archive (manifest.json)");
  const wrong2 = await cli(["images", `docker-archive:${f.ociArchive}`]);
  assertEquals(wrong2.code, 2);
  assertStringIncludes(wrong2.stderr, "found an OCI layout archive (oci-layout)");
  assertEquals((await cli(["images", f.dockerArchive, "-q"])).code, 0); // a bare path is detected
});

test("8. a truncated tar, a file that is not a tar and a missing directory say so, from the library as from the CLI", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocistore-cli-msg-"));
  const whole = tarBytes([{ name: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' }]);
  writeFileSync(join(dir, "short.tar"), whole.slice(0, 300));
  writeFileSync(join(dir, "text.tar"), "hello ".repeat(200));
  const short = await cli(["images", join(dir, "short.tar")]);
  assertEquals(short.code, 2);
  assertStringIncludes(short.stderr, "is truncated: expected a 512-byte header, found 300 bytes");
  const text = await cli(["images", join(dir, "text.tar")]);
  assertEquals(text.code, 2);
  assertStringIncludes(text.stderr, "not a tar archive");
  try {
    await openArchive(join(dir, "text.tar"));
    assert(false, "opened a text file as an archive");
  } catch (error) {
    assertStringIncludes((error as Error).message, "not a tar archive");
  }
  try {
    await openOciLayout(join(dir, "nope"));
    assert(false, "opened a missing directory");
  } catch (error) {
    assert(error instanceof NotFoundError);
    assertStringIncludes(error.message, "no such directory");
  }
  assertStringIncludes(
    (await cli(["images", `oci:${join(dir, "nope")}`])).stderr,
    "no such directory",
  );
});

test("9. an ambiguous ID prefix lists up to ten matching IDs", async () => {
  const layout = testLayout();
  const images = [];
  for (let i = 0; i < 40; i++) images.push(await layout.image(`image ${i}`));
  layout.write(images.map((image, i) => named(image.manifest, `example.com/img${i}:1`)));
  const first = images.map((i) => i.config.digest.slice(7, 8));
  const shared = first.find((c, i) => first.indexOf(c) !== i)!;
  const matching = images.map((i) => i.config.digest.slice(7)).filter((id) => id.startsWith(shared))
    .sort();
  const result = await cli(["inspect", layout.dir, shared]);
  assertEquals(result.code, 3);
  const shown = matching.slice(0, 10).join(", ");
  const more = matching.length > 10 ? `, and ${matching.length - 10} more` : "";
  assertStringIncludes(result.stderr, `found ${matching.length}: ${shown}${more}\n`);
});

test("10. -o=json works as in crictl, --version is in --help, usage errors use the words of --help", async () => {
  const json = await cli(["images", "-o=json"]);
  assertEquals(json.code, 0, json.stderr);
  assert(Array.isArray(JSON.parse(json.stdout).images));
  assertStringIncludes(
    (await cli(["--help"])).stdout,
    "\n  --version          print the version\n",
  );
  const resolve = await cli(["resolve", "examples/layout"]);
  assertEquals(resolve.code, 2);
  assertStringIncludes(resolve.stderr, "resolve takes SOURCE REF, found 1 operand");
  assertStringIncludes(
    (await cli(["resolve", "--help"])).stdout,
    "Usage: ocistore resolve SOURCE REF",
  );
  assertStringIncludes((await cli(["platforms", "x"])).stderr, "platforms takes SOURCE REF");
  assertStringIncludes((await cli(["verify"])).stderr, "verify takes SOURCE");
});

test("11. inspect prints crictl's JSON by default and the table with -o table", async () => {
  const json = await cli(["inspect", "examples/layout", "example.com/ocistore/hello:1.0"]);
  assertEquals(json.code, 0);
  assertEquals(Object.keys(JSON.parse(json.stdout)), ["info", "status"]);
  const table = await cli([
    "inspect",
    "examples/layout",
    "example.com/ocistore/hello:1.0",
    "-o",
    "table",
  ]);
  assertMatch(table.stdout, /^ID: sha256:[0-9a-f]{64}\nTag: example.com\/ocistore\/hello:1.0\n/);
});
