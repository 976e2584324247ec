import fc from "fast-check";
import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { ImageTable } from "../../src/core/_image_table.ts";
import type { Image } from "../../src/core/types.ts";
import { DigestSet } from "../../src/core/digest_set.ts";
import { sortReferences } from "../../src/core/sort_references.ts";

const ID = `sha256:${"a".repeat(64)}`;
const spec = { os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [] } };
const image = (references: string[], pinned = false): Image => ({
  id: ID,
  references,
  chainId: "",
  size: 1,
  pinned,
  imageSpec: spec,
});

// The table as containerd writes it: every merge re-sorts the set of old and new references.
function model(ops: readonly Op[]): string[] | undefined {
  let refs: string[] | undefined;
  for (const op of ops) {
    if (op.type === "add") {
      refs = refs === undefined
        ? [...op.refs]
        : sortReferences([...new Set([...refs, ...op.refs])]);
    } else if (refs !== undefined) {
      const folded = op.ref.toLowerCase();
      refs = refs.filter((r) => r.toLowerCase() !== folded);
      if (refs.length === 0) refs = undefined;
    }
  }
  return refs;
}

type Op = { type: "add"; refs: string[] } | { type: "delete"; ref: string };

// Names that collide after normalization, differ in case, or do not parse at all.
const names = fc.constantFrom(
  "busybox",
  "busybox:1",
  "docker.io/library/busybox:1",
  "docker.io/library/busybox",
  "BusyBox:1",
  "example.com/a:1",
  "example.com/a@sha256:" + "e".repeat(64),
  "example.com/a:1@sha256:" + "e".repeat(64),
  "e".repeat(64),
  "not a ref!",
  "\uFF01",
);
const ops = fc.array(
  fc.oneof(
    fc.record({
      type: fc.constant("add" as const),
      refs: fc.array(names, { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ type: fc.constant("delete" as const), ref: names }),
  ),
  { maxLength: 12 },
);

test("ImageTable merges references exactly as re-sorting the whole set on every add would", () => {
  fc.assert(
    fc.property(ops, (sequence) => {
      const table = new ImageTable();
      for (const op of sequence) {
        if (op.type === "add") table.add(image(op.refs));
        else table.delete(ID, op.ref);
      }
      const expected = model(sequence);
      const found = table.list();
      assertEquals(found.map((i) => [...i.references]), expected === undefined ? [] : [expected]);
    }),
    { numRuns: 500 },
  );
});

test("ImageTable hands out images that later adds do not change", () => {
  const table = new ImageTable();
  table.add(image(["example.com/a:1"]));
  table.add(image(["example.com/a:2"]));
  const before = table.get(ID);
  table.add(image(["example.com/a:3"], true));
  assertEquals([before.references, before.pinned], [["example.com/a:1", "example.com/a:2"], false]);
  assertEquals(table.get(ID.slice(7, 19)).references, [
    "example.com/a:1",
    "example.com/a:2",
    "example.com/a:3",
  ]);
  assertEquals(table.get(ID).pinned, true);
});

test("ImageTable keeps thousands of tags of one image in order", () => {
  const table = new ImageTable();
  const tags = Array.from({ length: 3000 }, (_, i) => `example.com/app:v${(i * 7919) % 3000}`);
  for (const tag of tags) table.add(image([tag]));
  assertEquals(table.get(ID).references, sortReferences(tags));
});

test("ImageTable.get() answers every prefix as DigestSet.lookup does, IDs sharing 12 characters included", () => {
  // IDs built from a few hex digits, so 12-character prefixes are shared and lookups collide.
  const hexes = fc.array(fc.constantFrom("0", "1", "a"), { minLength: 64, maxLength: 64 })
    .map((cs) => cs.join(""));
  fc.assert(
    fc.property(
      fc.uniqueArray(hexes, { minLength: 1, maxLength: 12 }),
      fc.array(fc.tuple(fc.nat({ max: 11 }), fc.integer({ min: 1, max: 70 }), fc.boolean())),
      fc.nat({ max: 5 }),
      (ids, queries, removed) => {
        const table = new ImageTable();
        const set = new DigestSet();
        const full = ids.map((hex, i) => (i % 5 === 4 ? `sha512:${hex}${hex}` : `sha256:${hex}`));
        for (const id of full) {
          table.add({ ...image(["example.com/a:1"]), id });
          set.add(id);
        }
        for (const id of full.slice(0, removed)) {
          table.delete(id, "example.com/a:1");
          set.remove(id);
        }
        for (const [which, length, prefixed] of queries) {
          const id = full[which % full.length];
          const colon = id.indexOf(":");
          const query = prefixed
            ? id.slice(0, colon + 1 + length)
            : id.slice(colon + 1, colon + 1 + length);
          const outcome = (fn: () => string) => {
            try {
              return fn();
            } catch (error) {
              return (error as Error).constructor.name;
            }
          };
          assertEquals(outcome(() => table.get(query).id), outcome(() => set.lookup(query)), query);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("ImageTable.get() agrees with DigestSet.lookup through adds and deletes of IDs whose short IDs collide", () => {
  // Two 12-hex short IDs and three tails, so IDs share short IDs, leave them and come back.
  const shorts = ["0123456789ab", "0123456789ac"];
  const hexes = shorts.flatMap((short) => ["0", "1", "2"].map((tail) => short + tail.repeat(52)));
  // Lengths around the short ID's 12, where collisions make a lookup ambiguous, and a full hex.
  const texts = hexes.flatMap((hex) =>
    [11, 12, 13, 64].flatMap((length) => [hex.slice(0, length), `sha256:${hex.slice(0, length)}`])
  );
  const outcome = (fn: () => string) => {
    try {
      return fn();
    } catch (error) {
      return `${(error as Error).constructor.name}: ${(error as Error).message}`;
    }
  };
  const op = fc.tuple(fc.boolean(), fc.constantFrom(...hexes), fc.boolean());
  fc.assert(
    fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
      const table = new ImageTable();
      const set = new DigestSet();
      for (const [add, hex, sha512] of ops) {
        const id = sha512 ? `sha512:${hex}${hex}` : `sha256:${hex}`;
        if (add) {
          table.add({ ...image(["example.com/a:1"]), id });
          set.add(id);
        } else {
          table.delete(id, "example.com/a:1");
          set.remove(id);
        }
        for (const text of texts) {
          assertEquals(outcome(() => table.get(text).id), outcome(() => set.lookup(text)), text);
        }
      }
    }),
    {
      numRuns: 100,
      // Two IDs share a short ID, one leaves, a third comes: the short ID is still shared.
      examples: [[[[true, hexes[0], false], [true, hexes[1], false], [false, hexes[0], false], [
        true,
        hexes[2],
        false,
      ]]]],
    },
  );
});
