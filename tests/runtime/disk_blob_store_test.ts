// The disk blob store: the shared BlobStore contract, then what only a directory has: two
// processes writing at once, no temp files left, LRU eviction under a bound, and failures that
// never break reads through cachedContent.
import { assert, assertEquals } from "@std/assert";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName, test } from "../harness.ts";
import { blobStoreContract } from "../adapters/blob_store_contract.ts";
import { diskBlobStore } from "../../src/runtime/disk_blob_store.ts";
import { cachedContent } from "../../src/core/cached_content.ts";
import { readBlob } from "../../src/core/content.ts";
import { digestOf } from "../../src/core/digest.ts";
import { memorySource } from "../../src/adapters/memory.ts";

const dirs: string[] = [];
process.once("exit", () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ocistore-blobs-"));
  dirs.push(dir);
  return dir;
}

blobStoreContract("disk", () => Promise.resolve(diskBlobStore(tempDir())));

const encode = (text: string) => new TextEncoder().encode(text);

function runWriter(dir: string, rounds: number, pairs: string[]): Promise<number> {
  const script = fileURLToPath(
    new URL(`./_disk_writer.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url),
  );
  const args = runtimeName() === "deno" ? ["run", "-A", script] : [script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, OCISTORE_WRITER: JSON.stringify([dir, String(rounds), ...pairs]) },
      stdio: "inherit",
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? -1));
  });
}

test("disk blob store: two processes writing the same blobs at once leave whole blobs and no temp files", async () => {
  const dir = tempDir();
  const texts = ["alpha ", "beta ", "gamma ", "delta "];
  const blobs = await Promise.all(texts.map(async (t) => {
    const bytes = encode(t.repeat(5000));
    return { digest: await digestOf(bytes), bytes, pair: `${await digestOf(bytes)}=${t}` };
  }));
  const codes = await Promise.all([
    runWriter(dir, 20, blobs.map((b) => b.pair)),
    runWriter(dir, 20, blobs.map((b) => b.pair)),
  ]);
  assertEquals(codes, [0, 0]);
  const store = diskBlobStore(dir);
  for (const blob of blobs) assertEquals(await store.get(blob.digest), blob.bytes);
  assertEquals(readdirSync(join(dir, "tmp")), []);
  assertEquals(await store.size(), blobs.reduce((sum, b) => sum + b.bytes.length, 0));
});

test("disk blob store: over its bound it evicts the least recently used blobs", async () => {
  const dir = tempDir();
  const store = diskBlobStore(dir, { maxBytes: 100 });
  const blobs = await Promise.all(["a", "b", "c"].map(async (c) => {
    const bytes = encode(c.repeat(40));
    return { digest: await digestOf(bytes), bytes };
  }));
  await store.set(blobs[0].digest, blobs[0].bytes);
  await store.set(blobs[1].digest, blobs[1].bytes);
  assertEquals(await store.get(blobs[0].digest), blobs[0].bytes, "a is now the most recent");
  await store.set(blobs[2].digest, blobs[2].bytes);
  assertEquals(await store.get(blobs[1].digest), undefined, "b was least recently used");
  assertEquals(await store.get(blobs[0].digest), blobs[0].bytes);
  assertEquals(await store.get(blobs[2].digest), blobs[2].bytes);
  assert(await store.size() <= 100);
  const huge = encode("x".repeat(101));
  await store.set(await digestOf(huge), huge);
  assertEquals(
    await store.get(await digestOf(huge)),
    undefined,
    "a blob over the bound is not kept",
  );
});

test("disk blob store: a store that cannot write never breaks reads through cachedContent", async () => {
  const file = join(tempDir(), "not-a-directory");
  writeFileSync(file, "x");
  const store = diskBlobStore(join(file, "cache"));
  const source = memorySource();
  const descriptor = await source.addBlob("still readable", "text/plain");
  const errors: unknown[] = [];
  const content = cachedContent(source.content, store, { onError: (e) => errors.push(e) });
  assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), "still readable");
  assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), "still readable");
  assertEquals(errors.length, 1, "the failed write is reported once");
  assert(!existsSync(join(file, "cache")));
});

test("disk blob store: a blob corrupted on disk is replaced by verified bytes", async () => {
  const dir = tempDir();
  const store = diskBlobStore(dir);
  const source = memorySource();
  const descriptor = await source.addBlob("the real bytes", "text/plain");
  const content = cachedContent(source.content, store);
  await readBlob(content, descriptor);
  writeFileSync(join(dir, "blobs", "sha256", descriptor.digest.slice(7)), "tampered bytes");
  assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), "the real bytes");
  assertEquals(new TextDecoder().decode(await store.get(descriptor.digest)), "the real bytes");
});
