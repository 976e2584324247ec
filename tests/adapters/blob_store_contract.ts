/**
 * The contract every `BlobStore` passes (the disk cache here, the IndexedDB cache later): blobs by
 * digest, copies in and out, delete, concurrent writers, and `cachedContent` over it serving warm
 * reads from the store, replacing a bad entry, and never keeping what did not verify.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { type BlobStore, cachedContent } from "../../src/core/cached_content.ts";
import { readBlob, readBlobRange, readBlobStream } from "../../src/core/content.ts";
import { digestOf } from "../../src/core/digest.ts";
import { DigestMismatchError } from "../../src/core/errors.ts";
import { memorySource } from "../../src/adapters/memory.ts";

const _encode = (text: string) => new TextEncoder().encode(text);

async function _blob(text: string): Promise<{ digest: string; bytes: Uint8Array }> {
  const bytes = _encode(text);
  return { digest: await digestOf(bytes), bytes };
}

/**
 * Registers the contract tests for a blob store.
 *
 * @param name Names the store in test names, e.g. "disk".
 * @param makeStore Makes a fresh, empty store for each test (one that holds at least 1 MiB).
 */
export function blobStoreContract(name: string, makeStore: () => Promise<BlobStore>): void {
  test(`${name} blob store: an unknown digest is undefined; a kept blob reads back equal`, async () => {
    const store = await makeStore();
    const { digest, bytes } = await _blob(`${name}: hello`);
    assertEquals(await store.get(digest), undefined);
    await store.set(digest, bytes);
    assertEquals(await store.get(digest), bytes);
    assertEquals(await store.get(digest), bytes, "a second read is the same");
    const empty = await _blob("");
    await store.set(empty.digest, empty.bytes);
    assertEquals(await store.get(empty.digest), new Uint8Array(0));
  });

  test(`${name} blob store: it keeps a copy, not the caller's buffer`, async () => {
    const store = await makeStore();
    const { digest, bytes } = await _blob(`${name}: copy me`);
    const given = bytes.slice();
    await store.set(digest, given);
    given[0] ^= 0xff;
    const read = await store.get(digest);
    assertEquals(read, bytes);
    read![1] ^= 0xff;
    assertEquals(await store.get(digest), bytes);
  });

  test(`${name} blob store: delete forgets a blob, and deleting an unknown one is no error`, async () => {
    const store = await makeStore();
    const a = await _blob(`${name}: a`);
    const b = await _blob(`${name}: b`);
    await store.set(a.digest, a.bytes);
    await store.set(b.digest, b.bytes);
    await store.delete(a.digest);
    await store.delete(a.digest);
    assertEquals(await store.get(a.digest), undefined);
    assertEquals(await store.get(b.digest), b.bytes);
  });

  test(`${name} blob store: concurrent writers of the same and different digests all land whole`, async () => {
    const store = await makeStore();
    const blobs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => _blob(`${name}: blob ${i % 5} `.repeat(1000))),
    );
    await Promise.all(blobs.map((b) => store.set(b.digest, b.bytes)));
    for (const blob of blobs) assertEquals(await store.get(blob.digest), blob.bytes);
  });

  test(`${name} blob store: cachedContent over it serves warm reads without the provider`, async () => {
    const store = await makeStore();
    const source = memorySource();
    const descriptor = await source.addBlob(`${name}: cached`, "text/plain");
    let providerReads = 0;
    const counted = {
      info: source.content.info,
      read: (...args: Parameters<typeof source.content.read>) => {
        providerReads++;
        return source.content.read(...args);
      },
    };
    const content = cachedContent(counted, store);
    await readBlob(content, descriptor);
    assertEquals(providerReads, 1);
    source.deleteBlob(descriptor.digest);
    assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), `${name}: cached`);
    assertEquals(
      await readBlobRange(content, descriptor, { offset: 2, length: 3 }),
      _encode(`${name}: cached`).slice(2, 5),
    );
    const streamed = await new Response(await readBlobStream(content, descriptor)).text();
    assertEquals(streamed, `${name}: cached`);
    assertEquals(providerReads, 1);
  });

  test(`${name} blob store: cachedContent drops a bad entry and never keeps bytes that do not verify`, async () => {
    const store = await makeStore();
    const source = memorySource();
    const descriptor = await source.addBlob(`${name}: good`, "text/plain");
    await store.set(descriptor.digest, _encode(`${name}: evil`));
    const content = cachedContent(source.content, store);
    assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), `${name}: good`);
    assertEquals(new TextDecoder().decode(await store.get(descriptor.digest)), `${name}: good`);

    const other = await source.addBlob(`${name}: other`, "text/plain");
    source.putRaw(other.digest, _encode(`${name}: wrong`));
    await assertRejects(() => readBlob(content, other), DigestMismatchError);
    assertEquals(await store.get(other.digest), undefined);
  });

  test(`${name} blob store: cachedContent reads on when the store fails, reporting once`, async () => {
    const store = await makeStore();
    const failing: BlobStore = {
      get: () => Promise.reject(new Error("get broke")),
      set: () => Promise.reject(new Error("set broke")),
      delete: (digest) => store.delete(digest),
    };
    const source = memorySource();
    const errors: unknown[] = [];
    const content = cachedContent(source.content, failing, { onError: (e) => errors.push(e) });
    for (let i = 0; i < 3; i++) {
      const descriptor = await source.addBlob(`${name}: ${i}`, "text/plain");
      assertEquals(new TextDecoder().decode(await readBlob(content, descriptor)), `${name}: ${i}`);
    }
    assertEquals(errors.map((e) => (e as Error).message), ["get broke", "set broke"]);
    assert(errors.length === 2);
  });
}
