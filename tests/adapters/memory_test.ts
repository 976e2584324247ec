import { assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { sourceContract } from "./source_contract.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import { readBlob } from "../../src/core/content.ts";
import { DigestMismatchError, NotFoundError } from "../../src/core/errors.ts";

async function filled() {
  const source = memorySource();
  const one = await source.addImage({ layers: ["one"] });
  const two = await source.addImage({ layers: ["two", "three"], docker: true });
  const index = await source.addIndex([one.manifest, two.manifest]);
  source.setRecord("example.com/one:1", one.manifest);
  source.setRecord("example.com/multi:1", index);
  return { source, one, index };
}

sourceContract("memory source", async () => (await filled()).source, async () => {
  const { one, index } = await filled();
  return {
    images: [
      { name: "example.com/one:1", digest: one.manifest.digest, size: one.manifest.size },
      { name: "example.com/multi:1", digest: index.digest, size: index.size },
    ],
  };
});

test("memory source: deleted blobs are not found and raw corrupt blobs fail verification", async () => {
  const { source, one } = await filled();
  source.deleteBlob(one.layers[0].digest);
  await assertRejects(() => source.content.info(one.layers[0].digest), NotFoundError);
  source.putRaw(one.config.digest, new TextEncoder().encode("{}"));
  await assertRejects(() => readBlob(source.content, one.config), DigestMismatchError);
  source.deleteRecord("example.com/one:1");
  assertEquals((await source.images.list()).map((r) => r.name), ["example.com/multi:1"]);
});
