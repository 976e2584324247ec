import { assertEquals, assertRejects } from "@std/assert";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, testEach } from "../harness.ts";
import { nodeFiles } from "../../src/runtime/node_files.ts";
import { openFileReader } from "../../src/runtime/node_file_reader.ts";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../../src/core/errors.ts";

function tree() {
  const root = mkdtempSync(join(tmpdir(), "node-files-"));
  mkdirSync(join(root, "dir/sub"), { recursive: true });
  writeFileSync(join(root, "dir/a.txt"), "0123456789");
  writeFileSync(join(root, "dir/sub/b.txt"), "b");
  const outside = mkdtempSync(join(tmpdir(), "outside-"));
  writeFileSync(join(outside, "secret"), "secret");
  symlinkSync(join(outside, "secret"), join(root, "escape"));
  symlinkSync("dir/a.txt", join(root, "inside"));
  return root;
}

test("nodeFiles() reads whole files, ranges, stats and lists", async () => {
  const files = nodeFiles(tree());
  assertEquals(new TextDecoder().decode(await files.read("dir/a.txt")), "0123456789");
  assertEquals(new TextDecoder().decode(await files.readRange("dir/a.txt", 3, 4)), "3456");
  assertEquals(new TextDecoder().decode(await files.readRange("./dir//a.txt", 8, 10)), "89");
  assertEquals((await files.readRange("dir/a.txt", 20, 5)).length, 0);
  assertEquals(await files.stat("dir/a.txt"), { isFile: true, isDirectory: false, size: 10 });
  assertEquals((await files.stat("dir")).isDirectory, true);
  assertEquals((await files.list("dir")).sort(), ["a.txt", "sub"]);
  assertEquals(new TextDecoder().decode(await files.read("inside")), "0123456789");
});

testEach(
  "nodeFiles() refuses paths out of the root:",
  ["/etc/passwd", "../x", "dir/../../x", "a\0b", "dir\\a.txt"],
  (path) => JSON.stringify(path),
  async (path) => {
    const files = nodeFiles(tree());
    await assertRejects(() => files.read(path), InvalidArgumentError, undefined, path);
  },
);

test("nodeFiles() refuses links out of the root and negative offsets", async () => {
  const files = nodeFiles(tree());
  await assertRejects(() => files.read("escape"), InvalidArgumentError, "link");
  await assertRejects(() => files.readRange("dir/a.txt", -1, 2), InvalidArgumentError);
});

test("nodeFiles() reports missing paths with NotFoundError and other I/O failures as UnavailableError", async () => {
  const files = nodeFiles(tree());
  await assertRejects(() => files.read("nope"), NotFoundError);
  await assertRejects(() => files.stat("dir/a.txt/x"), NotFoundError);
  await assertRejects(() => nodeFiles("/no/such/root").read("x"), NotFoundError);
  // What is missing is a field, so a layout can say "no such directory" without reading messages.
  const missing = async (run: () => Promise<unknown>) =>
    ((await assertRejects(run, NotFoundError)) as NotFoundError).missing;
  assertEquals(await missing(() => files.read("nope")), "file");
  assertEquals(await missing(() => nodeFiles("/no/such/root").read("x")), "directory");
  await assertRejects(() => files.read("dir"), UnavailableError, "EISDIR");
});

test("openFileReader() reads ranges of one file and reports a missing file", async () => {
  const root = tree();
  const reader = await openFileReader(join(root, "dir/a.txt"));
  assertEquals(reader.size, 10);
  assertEquals(new TextDecoder().decode(await reader.readRange(7, 100)), "789");
  await reader.close();
  await assertRejects(() => openFileReader(join(root, "missing")), NotFoundError);
  await assertRejects(() => openFileReader(join(root, "dir")), InvalidArgumentError);
});
