import { assert, assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { type BlobStore, cachedContent } from "../../src/core/cached_content.ts";
import { readBlob, readBlobStream } from "../../src/core/content.ts";
import { DigestMismatchError } from "../../src/core/errors.ts";
import { memorySource } from "../../src/adapters/memory.ts";

function mapStore(): BlobStore & { kept: Map<string, Uint8Array>; sets: number } {
  const kept = new Map<string, Uint8Array>();
  const store = {
    kept,
    sets: 0,
    get: (digest: string) => Promise.resolve(kept.get(digest)),
    set: (digest: string, bytes: Uint8Array) => {
      store.sets++;
      kept.set(digest, bytes);
      return Promise.resolve();
    },
    delete: (digest: string) => Promise.resolve(void kept.delete(digest)),
  };
  return store;
}

test("cachedContent() stores a verified blob and serves it again without the provider", async () => {
  const source = memorySource();
  const descriptor = await source.addBlob("hello", "text/plain");
  const store = mapStore();
  const reads: boolean[] = [];
  const content = cachedContent(source.content, store, { onRead: (_, hit) => reads.push(hit) });
  await readBlob(content, descriptor);
  source.deleteBlob(descriptor.digest);
  assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), "hello");
  assertEquals((await content.info(descriptor.digest)).size, 5);
  assertEquals(
    await content.read(descriptor, { offset: 1, length: 3 }),
    store.kept.get(descriptor.digest)!.slice(1, 4),
  );
  assertEquals(await new Response(await readBlobStream(content, descriptor)).text(), "hello");
  assertEquals(reads, [false, true]);
});

test("cachedContent() never stores bytes that do not verify", async () => {
  const source = memorySource();
  const descriptor = await source.addBlob("hello", "text/plain");
  source.putRaw(descriptor.digest, new TextEncoder().encode("jello"));
  const store = mapStore();
  const content = cachedContent(source.content, store);
  await assertRejects(() => readBlob(content, descriptor), DigestMismatchError);
  assertEquals(store.sets, 0);
  assertEquals(store.kept.size, 0);
});

test("cachedContent() drops a corrupt entry and fetches the blob again", async () => {
  const source = memorySource();
  const descriptor = await source.addBlob("hello", "text/plain");
  const store = mapStore();
  store.kept.set(descriptor.digest, new TextEncoder().encode("jello"));
  const content = cachedContent(source.content, store);
  assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), "hello");
  assertEquals(new TextDecoder().decode(store.kept.get(descriptor.digest)), "hello");
});

test("cachedContent() reads through a failing store and reports each kind of failure once", async () => {
  const source = memorySource();
  const first = await source.addBlob("one", "text/plain");
  const second = await source.addBlob("two", "text/plain");
  const errors: unknown[] = [];
  const broken: BlobStore = {
    get: () => Promise.reject(new Error("IndexedDB is closed")),
    set: () => Promise.reject(new Error("quota exceeded")),
    delete: () => Promise.reject(new Error("IndexedDB is closed")),
  };
  const content = cachedContent(source.content, broken, { onError: (e) => errors.push(e) });
  assertEquals(new TextDecoder().decode(await readBlob(content, first)), "one");
  assertEquals(new TextDecoder().decode(await readBlob(content, second)), "two");
  assertEquals(errors.map((e) => (e as Error).message), ["IndexedDB is closed", "quota exceeded"]);
  assert((await content.info(first.digest)).size === 3);
});
