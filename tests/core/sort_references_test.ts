import fc from "fast-check";
import { assertEquals, assertThrows } from "@std/assert";
import { test, testEach } from "../harness.ts";
import { casesOf } from "./_reference_vectors.ts";
import { parseAnyReference } from "../../src/core/normalize.ts";
import { formatReference } from "../../src/core/reference.ts";
import { sortReferences } from "../../src/core/sort_references.ts";

testEach("sortReferences() Sort", casesOf("sort"), (c) => JSON.stringify(c.input), (c) => {
  const input = c.input as string[];
  const copy = [...input];
  assertEquals(sortReferences(input), c.expect as unknown as string[]);
  assertEquals(input, copy);
});

test("sortReferences() orders unparseable strings by UTF-8 bytes, as Go does", () => {
  // U+FF01 is 3 UTF-8 bytes (EF BC 81), U+1F600 is 4 (F0 9F 98 80): Go puts U+FF01 first,
  // while JavaScript's `<` on UTF-16 code units would put the emoji first.
  assertEquals(sortReferences(["\u{1F600}", "\uFF01", "A!", "~"]), [
    "A!",
    "~",
    "\uFF01",
    "\u{1F600}",
  ]);
});

test("sortReferences() keeps duplicates and rethrows a TypeError for a non-string", () => {
  assertEquals(sortReferences(["busybox", "docker.io/library/busybox"]), [
    "docker.io/library/busybox",
    "docker.io/library/busybox",
  ]);
  assertThrows(() => sortReferences([1 as unknown as string]), TypeError);
});

const references = fc.array(
  fc.oneof(
    fc.constantFrom("busybox", "busybox:1", "ghcr.io/a/b@sha256:" + "e".repeat(64), "e".repeat(64)),
    fc.stringMatching(/^[a-z]{1,4}(\/[a-z]{1,4})?(:[a-z0-9]{1,3})?$/),
    fc.string({ maxLength: 6 }),
  ),
  { maxLength: 12 },
);

test("property: sortReferences() is a permutation of the normalized inputs, ranked, idempotent", () => {
  fc.assert(
    fc.property(references, (refs) => {
      const sorted = sortReferences(refs);
      const expected = refs.map((r) => {
        try {
          return formatReference(parseAnyReference(r));
        } catch {
          return r;
        }
      });
      assertEquals([...sorted].sort(), [...expected].sort());
      assertEquals(sortReferences(sorted), sorted);
      const rank = (text: string) => {
        try {
          const ref = parseAnyReference(text);
          if (ref.path === "") return 5;
          return ref.tag ? (ref.digest ? 1 : 2) : (ref.digest ? 3 : 4);
        } catch {
          return 6;
        }
      };
      const ranks = sorted.map(rank);
      assertEquals(ranks, [...ranks].sort((a, b) => a - b));
    }),
    { numRuns: 300 },
  );
});
