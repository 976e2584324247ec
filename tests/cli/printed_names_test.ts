// Issue 26 §1: every name `images` prints — the IMAGE and TAG columns joined, and every repoTags
// entry of `-o json` — names the same image when given back to `inspect`.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { run, startContainerd } from "../adapters/_containerd.ts";
import { runCli as cli } from "./_in_process.ts";
import { importName, tagOnlyLayout } from "./_sources.ts";

interface Listed {
  readonly id: string;
  readonly repoTags: readonly string[];
}

/** Every printed name with the image ID `images` printed beside it. */
async function printedNames(source: string): Promise<[string, string][]> {
  const json = await cli(["images", source, "-o", "json"]);
  assertEquals(json.code, 0, json.stderr);
  const images: Listed[] = JSON.parse(json.stdout).images;
  const names: [string, string][] = images.flatMap((i) =>
    i.repoTags.map((t): [string, string] => [t, i.id])
  );
  const table = await cli(["images", source]);
  assertEquals(table.code, 0, table.stderr);
  for (const row of table.stdout.trimEnd().split("\n").slice(1)) {
    const [image, tag, shortId] = row.split(/\s+/);
    const id = images.find((i) => i.id.slice(7).startsWith(shortId))?.id;
    assert(id !== undefined, `no listed image has the ID ${shortId} the table shows`);
    names.push([`${image}:${tag}`, id]);
  }
  return names;
}

/**
 * Inspects, resolves, and lists the platforms and the files of every printed name of `source`;
 * returns how many names there were (table rows and JSON tags). `tars`: whether the layers are
 * real tar files (the made-up layouts' are not, so `files` can only find the image).
 */
async function assertRoundTrip(source: string, tars = true): Promise<number> {
  const names = await printedNames(source);
  assert(names.length > 0, `${source} lists no names`);
  for (const [name, id] of names) {
    const inspected = await cli(["inspect", source, name]);
    assertEquals(inspected.code, 0, `inspect ${name}: ${inspected.stderr}`);
    assertEquals(JSON.parse(inspected.stdout).status.id, id, name);
    // The other commands that take IMAGE find it the same way.
    const resolved = await cli(["resolve", source, name]);
    assertEquals(
      [resolved.code, resolved.stdout],
      [0, `${id}\n`],
      `resolve ${name}: ${resolved.stderr}`,
    );
    const platforms = await cli(["platforms", source, name]);
    assertEquals(platforms.code, 0, `platforms ${name}: ${platforms.stderr}`);
    const files = await cli(["files", source, name]);
    if (tars) assertEquals(files.code, 0, `files ${name}: ${files.stderr}`);
    else assertStringIncludes(files.stderr, "Cannot read layer 0", `files ${name}`);
  }
  return names.length;
}

test("names images prints for tag-only layout entries (import-DATE:TAG) are accepted back by inspect and the other commands", async () => {
  const { dir } = await tagOnlyLayout();
  assertEquals(await assertRoundTrip(dir, false), 8);
});

test("names images prints for a layout with full names are accepted back by inspect and the other commands", async () => {
  const layout = fileURLToPath(new URL("../../examples/layout", import.meta.url));
  assert(await assertRoundTrip(layout) >= 4);
});

test("the tag-only names warning comes with images, which shows the names, not with a chosen name", async () => {
  const { dir } = await tagOnlyLayout();
  const listed = await cli(["images", dir]);
  assertEquals(listed.code, 0, listed.stderr);
  assertStringIncludes(listed.stderr, "warning: 3 entries have tag-only names");
  const chosen = `${importName()}:v1`;
  for (const argv of [["inspect", dir, chosen], ["resolve", dir, chosen], ["verify", dir]]) {
    const run = await cli(argv);
    assertEquals([run.code, run.stderr], [0, ""], argv.join(" "));
  }
});

test("an IMAGE that is neither a reference nor an ID prefix is refused as such (exit 2), naming the rule it breaks", async () => {
  const layout = fileURLToPath(new URL("../../examples/layout", import.meta.url));
  const cases: [string, string][] = [
    ["Bad::Ref", 'repository name "library/Bad" must be lowercase'],
    ["ABCDEF12", 'repository name "library/ABCDEF12" must be lowercase'],
    ["a b", 'found path component "a b" (a path component is lowercase letters and digits'],
    ["busybox:bad tag!", 'found tag "bad tag!" (a tag is 1 to 128 letters'],
    ["busybox:", 'found tag "" (a tag is'],
    ["busybox@sha256:abc", 'found digest "sha256:abc" (a digest is ALGORITHM:HEX'],
    ["team//app", 'found path component "" (a path component'],
  ];
  for (const [text, rule] of cases) {
    const run = await cli(["inspect", layout, text]);
    assertEquals(run.code, 2, `${text}: ${run.stderr}`);
    assertStringIncludes(
      run.stderr,
      `ocistore: Cannot look up image ${
        JSON.stringify(text)
      }: it is neither an image ID prefix (lowercase hex) nor a reference: `,
    );
    assertStringIncludes(run.stderr, rule);
    assertEquals(run.stderr.split("\n").length, 2, run.stderr); // one line
  }
  for (const command of ["resolve", "platforms", "files"]) {
    const run = await cli([command, layout, "Bad::Ref"]);
    assertEquals(run.code, 2, `${command}: ${run.stderr}`);
    assertStringIncludes(run.stderr, 'Cannot look up image "Bad::Ref": it is neither');
  }
  // A name that parses, and hex that could be an ID prefix, are still looked up: not found, exit 3.
  for (const text of ["nosuch:1", "abcdef", "sha256:abcdef"]) {
    const run = await cli(["inspect", layout, text]);
    assertEquals(run.code, 3, `${text}: ${run.stderr}`);
    assertStringIncludes(run.stderr, `Cannot find image "${text}"`);
  }
});

test("names images prints for archives are accepted back by inspect and the other commands: OCI archives with tag-only names (skopeo, umoci), docker-archives (skopeo, Docker 25)", async () => {
  const f = await fixtures();
  const work = mkdtempSync(join(tmpdir(), "ocistore-printed-"));
  try {
    // umoci writes only layouts; its archive is the layout as a tar, as the OCI spec has it.
    const umoci = join(work, "umoci.oci.tar");
    await run("tar", ["-C", f.layout, "-cf", umoci, "."]);
    // Names printed (each in the table and in the JSON): app, busybox, multi (tag-only) and
    // example.com/team/app:1.0; one tag-only name; app:latest and example.com/app:1.0; app:1.0.
    const expected: [string, number][] = [
      [`oci:${f.layout}`, 8],
      [`oci-archive:${f.ociArchive}`, 2],
      [`oci-archive:${f.multiArchive}`, 2],
      [`oci-archive:${umoci}`, 8],
      [`docker-archive:${f.dockerArchive}`, 4],
      [`docker-archive:${f.hybridArchive}`, 2],
    ];
    for (const [source, count] of expected) {
      assertEquals(await assertRoundTrip(source), count, source);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("names images prints for a containerd root (ctr import of OCI and docker archives) are accepted back by inspect and the other commands", async () => {
  const f = await fixtures();
  const daemon = await startContainerd();
  try {
    for (const archive of [f.ociArchive, f.multiArchive, f.dockerArchive]) {
      await daemon.ctr("k8s.io", "images", "import", "--all-platforms", "--no-unpack", archive);
    }
  } finally {
    await daemon.stop({ keep: true });
  }
  try {
    // ctr stores the tag-only names verbatim (import-DATE:1.0, import-DATE:multi) beside
    // example.com/app:1.0 and docker.io/library/app:latest: four names, each printed twice.
    assertEquals(await assertRoundTrip(`containerd:${daemon.root}`), 8);
  } finally {
    daemon.remove();
  }
});
