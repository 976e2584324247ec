// Issue 26 §1: every name `images` prints — the IMAGE and TAG columns joined, and every repoTags
// entry of `-o json` — names the same image when given back to `inspect`.
import { assert, assertEquals } from "@std/assert";
import { fileURLToPath } from "node:url";
import { test } from "../harness.ts";
import { runCli as cli } from "./_in_process.ts";
import { tagOnlyLayout } from "./_sources.ts";

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

async function assertRoundTrip(source: string): Promise<number> {
  const names = await printedNames(source);
  assert(names.length > 0, `${source} lists no names`);
  for (const [name, id] of names) {
    const inspected = await cli(["inspect", source, name]);
    assertEquals(inspected.code, 0, `inspect ${name}: ${inspected.stderr}`);
    assertEquals(JSON.parse(inspected.stdout).status.id, id, name);
  }
  return names.length;
}

test("names images prints for tag-only layout entries (import-DATE:TAG) are accepted back by inspect", async () => {
  const { dir } = await tagOnlyLayout();
  assertEquals(await assertRoundTrip(dir), 8);
});

test("names images prints for a layout with full names are accepted back by inspect", async () => {
  const layout = fileURLToPath(new URL("../../examples/layout", import.meta.url));
  assert(await assertRoundTrip(layout) >= 4);
});
