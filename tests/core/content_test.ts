import { assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { type ContentProvider, readBlob, readBlobStream } from "../../src/core/content.ts";
import { digestOf } from "../../src/core/digest.ts";
import { portableDigester } from "../../src/core/digester.ts";
import { DigestMismatchError, NotFoundError, UnsupportedError } from "../../src/core/errors.ts";
import { memorySource } from "../../src/adapters/memory.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

test("readBlob() and readBlobStream() use inline data that verifies without asking the provider", async () => {
  const source = memorySource();
  const descriptor = await source.addBlob("hello", "text/plain");
  source.deleteBlob(descriptor.digest);
  const inline = { ...descriptor, data: btoa("hello") };
  assertEquals(text(await readBlob(source.content, inline)), "hello");
  assertEquals(await new Response(await readBlobStream(source.content, inline)).text(), "hello");
  await assertRejects(() => readBlob(source.content, descriptor), NotFoundError);
});

test("readBlob() and readBlobStream() ignore inline data that does not verify and read the provider", async () => {
  const source = memorySource();
  const descriptor = await source.addBlob("hello", "text/plain");
  for (const data of [btoa("jello"), btoa("hell"), "not base64!"]) {
    const wrong = { ...descriptor, data };
    assertEquals(text(await readBlob(source.content, wrong)), "hello", data);
    assertEquals(await new Response(await readBlobStream(source.content, wrong)).text(), "hello");
  }
});

test("readBlob() verifies sha512 content without a digester handed in; readBlobStream() needs one", async () => {
  const bytes = new TextEncoder().encode("hello");
  const descriptor = {
    mediaType: "text/plain",
    digest: await digestOf(bytes, "sha512"),
    size: bytes.length,
  };
  const provider: ContentProvider = {
    info: () => Promise.resolve({ digest: descriptor.digest, size: bytes.length }),
    read: () => Promise.resolve(bytes),
  };
  assertEquals(text(await readBlob(provider, descriptor)), "hello");
  await assertRejects(
    () => readBlob(provider, { ...descriptor, digest: descriptor.digest.replace(/.$/, "0") }),
    DigestMismatchError,
  );
  await assertRejects(() => readBlobStream(provider, descriptor), UnsupportedError, "sha256 only");
  const stream = await readBlobStream(provider, descriptor, { digester: portableDigester });
  assertEquals(await new Response(stream).text(), "hello");
});
