import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { test } from "../harness.ts";
import { createDigester, setDigesterFactory } from "../../src/core/digester.ts";
import type { DigestAlgorithm } from "../../src/core/digest.ts";
import { nodeDigester } from "../../src/runtime/node_digester.ts";

test("nodeDigester handed to the core gives the portable digester's digest for any chunking", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
      fc.constantFrom<DigestAlgorithm>("sha256", "sha384", "sha512"),
      (chunks, algorithm) => {
        const portable = createDigester(algorithm);
        setDigesterFactory(nodeDigester);
        let native;
        try {
          native = createDigester(algorithm);
        } finally {
          setDigesterFactory(undefined);
        }
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
