// nodeFiles() opens files without following a final link and resolves directories once: these
// check that every read path (whole, ranged, stat, list) still refuses links out of the root and
// still follows links that stay inside, whether the link is the file or a directory on the way.
import { assertEquals, assertRejects } from "@std/assert";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { nodeFiles } from "../../src/runtime/node_files.ts";
import { InvalidArgumentError, NotFoundError } from "../../src/core/errors.ts";

function tree() {
  const root = mkdtempSync(join(tmpdir(), "node-files-links-"));
  const outside = mkdtempSync(join(tmpdir(), "outside-"));
  mkdirSync(join(root, "blobs/sha256"), { recursive: true });
  writeFileSync(join(root, "blobs/sha256/real"), "inside bytes");
  writeFileSync(join(outside, "secret"), "secret bytes");
  mkdirSync(join(outside, "dir"));
  writeFileSync(join(outside, "dir/file"), "secret dir");
  symlinkSync("real", join(root, "blobs/sha256/linked"));
  symlinkSync(join(outside, "secret"), join(root, "blobs/sha256/escape"));
  symlinkSync(join(outside, "dir"), join(root, "outdir"));
  symlinkSync("blobs", join(root, "alias"));
  symlinkSync("loop", join(root, "loop"));
  return { root, outside };
}

test("nodeFiles() follows a file link inside the root on every read path", async () => {
  const files = nodeFiles(tree().root);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  assertEquals(text(await files.read("blobs/sha256/linked")), "inside bytes");
  assertEquals(text(await files.readRange("blobs/sha256/linked", 7, 5)), "bytes");
  assertEquals(await files.stat("blobs/sha256/linked"), {
    isFile: true,
    isDirectory: false,
    size: 12,
  });
  assertEquals(text(await files.read("alias/sha256/real")), "inside bytes");
  assertEquals((await files.list("alias/sha256")).sort(), ["escape", "linked", "real"]);
});

test("nodeFiles() refuses a file or directory link out of the root on every read path", async () => {
  const files = nodeFiles(tree().root);
  const escape = "blobs/sha256/escape";
  await assertRejects(() => files.read(escape), InvalidArgumentError, "link");
  await assertRejects(() => files.readRange(escape, 0, 4), InvalidArgumentError, "link");
  await assertRejects(() => files.stat(escape), InvalidArgumentError, "link");
  await assertRejects(() => files.read("outdir/file"), InvalidArgumentError, "link");
  await assertRejects(() => files.readRange("outdir/file", 0, 4), InvalidArgumentError, "link");
  await assertRejects(() => files.stat("outdir/file"), InvalidArgumentError, "link");
  await assertRejects(() => files.list("outdir"), InvalidArgumentError, "link");
});

test("nodeFiles() reports a link loop and a directory removed after use as errors, not hangs", async () => {
  const { root } = tree();
  const files = nodeFiles(root);
  await assertRejects(() => files.read("loop"));
  assertEquals((await files.read("blobs/sha256/real")).length, 12);
  rmSync(join(root, "blobs"), { recursive: true });
  await assertRejects(() => files.read("blobs/sha256/real"), NotFoundError);
});

test("nodeFiles() reads give the event loop a turn, so a loop polling a file lets timers fire", async () => {
  const files = nodeFiles(tree().root);
  let fired = false;
  setTimeout(() => fired = true, 5);
  let reads = 0;
  while (!fired && reads < 1_000_000) {
    await files.read("blobs/sha256/real");
    reads++;
  }
  assertEquals(fired, true);
});
