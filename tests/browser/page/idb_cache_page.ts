// The IndexedDB cache in a real browser: verified blobs only, kept across instances, LRU-bounded,
// and reads that survive every IndexedDB failure (private mode, quota, a blocked upgrade).
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { createStore, set } from "idb-keyval";
import { test } from "../../harness.ts";
import type { ContentProvider } from "../../../src/core/content.ts";
import { readBlob } from "../../../src/core/content.ts";
import { DigestMismatchError } from "../../../src/core/errors.ts";
import type { Descriptor } from "../../../src/core/types.ts";
import { memorySource } from "../../../src/adapters/memory.ts";
import { idbBlobStore, idbCache } from "../../../src/adapters/idb_cache.ts";

let databases = 0;
const freshName = () => `ocistore-page-test-${Date.now()}-${++databases}`;

/** A provider over a memory source that counts whole reads and can serve other bytes. */
async function countingSource(blobs: string[]) {
  const source = memorySource();
  const descriptors: Descriptor[] = [];
  for (const blob of blobs) descriptors.push(await source.addBlob(blob, "text/plain"));
  let reads = 0;
  let corrupt = false;
  const provider: ContentProvider = {
    info: (d) => source.content.info(d),
    async read(descriptor) {
      reads++;
      const bytes = await source.content.read(descriptor);
      if (!corrupt) return bytes;
      const wrong = bytes.slice();
      wrong[0] ^= 0xff;
      return wrong;
    },
  };
  return {
    provider,
    descriptors,
    reads: () => reads,
    setCorrupt: (value: boolean) => (corrupt = value),
  };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

test("idb cache: a second read is served from IndexedDB, also by a new instance (a reload)", async () => {
  const name = freshName();
  const { provider, descriptors, reads } = await countingSource(["hello"]);
  const errors: Error[] = [];
  const first = idbCache(provider, { name, onError: (e) => errors.push(e) });
  assertEquals(text(await readBlob(first, descriptors[0])), "hello");
  assertEquals(text(await readBlob(first, descriptors[0])), "hello");
  assertEquals(reads(), 1);
  const second = idbCache(provider, { name, onError: (e) => errors.push(e) });
  assertEquals(text(await readBlob(second, descriptors[0])), "hello");
  assertEquals(reads(), 1);
  assertEquals(errors, []);
});

test("idb cache: bytes that do not verify are refused and never stored", async () => {
  const name = freshName();
  const { provider, descriptors, reads, setCorrupt } = await countingSource(["payload"]);
  const content = idbCache(provider, { name });
  setCorrupt(true);
  await assertRejects(() => readBlob(content, descriptors[0]), DigestMismatchError);
  assertEquals((await idbBlobStore({ name }).usage()).blobs, 0);
  setCorrupt(false);
  assertEquals(text(await readBlob(content, descriptors[0])), "payload");
  assertEquals(reads(), 2);
  assertEquals((await idbBlobStore({ name }).usage()).blobs, 1);
});

test("idb cache: a stored entry that no longer verifies is dropped and fetched again", async () => {
  const name = freshName();
  const { provider, descriptors, reads } = await countingSource(["original"]);
  assertEquals(text(await readBlob(idbCache(provider, { name }), descriptors[0])), "original");
  // Tamper with the database behind the cache's back.
  await set(
    `blob:${descriptors[0].digest}`,
    new TextEncoder().encode("tampered"),
    createStore(name, "blobs"),
  );
  assertEquals(text(await readBlob(idbCache(provider, { name }), descriptors[0])), "original");
  assertEquals(reads(), 2);
  assertEquals(text(await readBlob(idbCache(provider, { name }), descriptors[0])), "original");
  assertEquals(reads(), 2);
});

test("idb cache: past maxBytes the least recently used blob is evicted", async () => {
  const name = freshName();
  const { provider, descriptors, reads } = await countingSource(["aaaa", "bbbb", "cccc"]);
  const [a, b, c] = descriptors;
  const content = idbCache(provider, { name, maxBytes: 10 });
  await readBlob(content, a);
  await readBlob(content, b);
  await readBlob(content, a); // a is now more recent than b
  await readBlob(content, c); // 12 bytes > 10: b goes
  assertEquals(reads(), 3);
  const usage = await idbBlobStore({ name, maxBytes: 10 }).usage();
  assertEquals(usage, { blobs: 2, bytes: 8 });
  await readBlob(content, a);
  await readBlob(content, c);
  assertEquals(reads(), 3);
  await readBlob(content, b);
  assertEquals(reads(), 4);
});

test("idb cache: a blob bigger than the whole cache is read but not kept", async () => {
  const name = freshName();
  const { provider, descriptors } = await countingSource(["0123456789ABCDEF"]);
  assertEquals(
    text(await readBlob(idbCache(provider, { name, maxBytes: 8 }), descriptors[0])),
    "0123456789ABCDEF",
  );
  assertEquals((await idbBlobStore({ name }).usage()).blobs, 0);
});

test("idb cache: with IndexedDB refusing to open (private mode), reads go on and the failure is told once", async () => {
  const { provider, descriptors, reads } = await countingSource(["x", "y"]);
  const original = indexedDB.open;
  indexedDB.open = () => {
    throw new DOMException(
      "A mutation operation was attempted on a database that did not allow mutations.",
      "InvalidStateError",
    );
  };
  try {
    const errors: Error[] = [];
    const content = idbCache(provider, { name: freshName(), onError: (e) => errors.push(e) });
    for (const d of [...descriptors, ...descriptors]) await readBlob(content, d);
    assertEquals(reads(), 4);
    assertEquals(errors.length, 1);
    assertStringIncludes(errors[0].message, "IndexedDB");
  } finally {
    indexedDB.open = original;
  }
});

test("idb cache: with writes failing (quota exceeded), reads go on and the failure is told once", async () => {
  const { provider, descriptors, reads } = await countingSource(["one", "two"]);
  const original = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function () {
    throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  };
  try {
    const errors: Error[] = [];
    const content = idbCache(provider, { name: freshName(), onError: (e) => errors.push(e) });
    for (const d of [...descriptors, ...descriptors]) {
      assertEquals((await readBlob(content, d)).byteLength, d.size);
    }
    assertEquals(reads(), 4);
    assertEquals(errors.length, 1);
    assertStringIncludes(errors[0].message, "quota");
  } finally {
    IDBObjectStore.prototype.put = original;
  }
});

test("idb cache: with the database blocked by an upgrade elsewhere, reads go on and the failure is told once", async () => {
  const name = freshName();
  // An open connection that ignores `versionchange`, and an upgrade it blocks: every later open waits.
  const holder = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore("blobs");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const upgrade = indexedDB.open(name, 2);
  let blocked = false;
  upgrade.onblocked = () => (blocked = true);
  try {
    const { provider, descriptors, reads } = await countingSource(["z"]);
    const errors: Error[] = [];
    const content = idbCache(provider, {
      name,
      openTimeoutMs: 200,
      onError: (e) => errors.push(e),
    });
    assertEquals(text(await readBlob(content, descriptors[0])), "z");
    assertEquals(text(await readBlob(content, descriptors[0])), "z");
    assertEquals(reads(), 2);
    assertEquals(blocked, true);
    assertEquals(errors.length, 1);
    assertStringIncludes(errors[0].message, "blocked");
  } finally {
    holder.close();
    await new Promise((done) => {
      upgrade.onsuccess = () => {
        upgrade.result.close();
        done(undefined);
      };
      upgrade.onerror = () => done(undefined);
    });
  }
});
