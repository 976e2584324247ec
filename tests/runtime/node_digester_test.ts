import { assertEquals, assertRejects } from "@std/assert";
import fc from "fast-check";
import { test } from "../harness.ts";
import { createDigester, portableDigester } from "../../src/core/digester.ts";
import { readBlob, readBlobStream } from "../../src/core/content.ts";
import { DigestMismatchError } from "../../src/core/errors.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import type { DigestAlgorithm } from "../../src/core/digest.ts";
import { nodeDigester } from "../../src/runtime/node_digester.ts";

test("nodeDigester handed to the core gives the portable digester's digest for any chunking", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
      fc.constantFrom<DigestAlgorithm>("sha256", "sha384", "sha512"),
      (chunks, algorithm) => {
        const portable = createDigester(algorithm, portableDigester);
        const native = createDigester(algorithm, nodeDigester);
        for (const chunk of chunks) {
          portable.update(chunk);
          native.update(chunk);
        }
        assertEquals(native.digest(), portable.digest());
        assertEquals(native.digest(), portable.digest()); // digest() is stable once finished
      },
    ),
  );
});

test("the digester option is the one readBlob and readBlobStream hash with, at every size", async () => {
  const source = memorySource();
  const small = await source.addBlob("small", "text/plain");
  const large = await source.addBlob(
    new Uint8Array(200 * 1024).fill(7),
    "application/octet-stream",
  );
  let made = 0;
  const counting = (algorithm: DigestAlgorithm) => (made++, nodeDigester(algorithm));
  for (const descriptor of [small, large]) {
    await readBlob(source.content, descriptor, { digester: counting });
    await new Response(await readBlobStream(source.content, descriptor, { digester: counting }))
      .arrayBuffer();
  }
  assertEquals(made, 4, "two reads of each blob, WebCrypto not used above 64 KiB");
  // A digester that gets it wrong is believed: the option really decides.
  const wrong = () => ({ update() {}, digest: () => `sha256:${"0".repeat(64)}` });
  await assertRejects(
    () => readBlob(source.content, small, { digester: wrong }),
    DigestMismatchError,
  );
});
