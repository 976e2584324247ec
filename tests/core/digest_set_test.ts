import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { test } from "../harness.ts";
import { readTestData } from "../testdata.ts";
import { DigestSet, shortCodeTable } from "../../src/core/digest_set.ts";
import { createDigester } from "../../src/core/digester.ts";
import { parseDigest } from "../../src/core/digest.ts";
import {
  AmbiguousDigestError,
  InvalidArgumentError,
  NotFoundError,
  UnsupportedError,
} from "../../src/core/errors.ts";

// deno-lint-ignore no-explicit-any
type Case = Record<string, any>;
const { cases } = readTestData<{ cases: Case[] }>("digestset.json");
// go-digest HEAD-only rows (dynamic algorithm registration) do not apply to v1.0.0, which
// containerd pins: they are the rows whose `test` says "(HEAD only)".
const v100 = cases.filter((c) => !/HEAD only/.test(c.test));
const group = (name: string) => v100.filter((c) => c.group === name);

const errorClasses = {
  ErrDigestNotFound: NotFoundError,
  ErrDigestAmbiguous: AmbiguousDigestError,
  ErrDigestInvalidFormat: InvalidArgumentError,
  ErrDigestInvalidLength: InvalidArgumentError,
  ErrDigestUnsupported: UnsupportedError,
} as const;

function setOf(digests: string[]): DigestSet {
  const set = new DigestSet();
  for (const digest of digests) set.add(digest);
  return set;
}

const lookups = group("digestset.lookup");

test("digestset.json holds the 5 go-digest lookup tables", () => {
  assertEquals(lookups.length, 5);
});

for (const { test: table, set: digests, lookups: rows } of lookups) {
  for (const row of rows) {
    test(`lookup() vector ${JSON.stringify(row.input)} in "${table}": ${row.result ?? row.error}`, () => {
      for (const set of [setOf(digests), new DigestSet(digests)]) {
        if (row.result !== undefined) {
          assertEquals(set.lookup(row.input), row.result, row.input);
          continue;
        }
        const ErrorClass = errorClasses[row.error as keyof typeof errorClasses];
        const error = assertThrows(() => set.lookup(row.input), ErrorClass, undefined, row.input);
        if (row.matches !== undefined) {
          assertEquals((error as AmbiguousDigestError).matches, row.matches, row.input);
        }
      }
    });
  }
}

test("add() follows go-digest's duplication vector", () => {
  const [{ steps }] = group("digestset.add");
  const set = new DigestSet();
  for (const step of steps) {
    for (const digest of step.op === "addAll" ? step.digests : [step.digest]) set.add(digest);
    assertEquals(set.size, step.expectSize);
  }
});

test("remove() follows go-digest's remove vector and values() is in hex order", () => {
  const [{ set: digests, steps, allSortedAfterAdd }] = group("digestset.remove");
  const set = setOf(digests);
  assertEquals(set.values(), allSortedAfterAdd);
  for (const step of steps) {
    if (step.op === "remove") set.remove(step.digest);
    else if (step.result !== undefined) assertEquals(set.lookup(step.input), step.result);
    else {assertThrows(() =>
        set.lookup(step.input), errorClasses[step.error as "ErrDigestNotFound"]);}
  }
  assertEquals(set.size, digests.length - 1);
});

test("values() holds exactly the added digests, as go-digest's TestAll", () => {
  assertEquals(group("digestset.all").length, 1);
  // TestAll uses 100 seeded random digests; any 100 distinct digests test the same thing.
  const digests = Array.from({ length: 100 }, (_, i) => {
    const digester = createDigester();
    digester.update(new Uint8Array(new BigUint64Array([BigInt(i)]).buffer).reverse());
    return digester.digest();
  });
  assertEquals(setOf(digests).values(), [...digests].sort());
});

test("shortCodeTable() follows go-digest's short code table, and each code looks up", () => {
  const [{ set: digests, minLength, expect }] = group("digestset.shortCodeTable");
  const set = setOf(digests);
  const codes = shortCodeTable(set, minLength);
  assertEquals(Object.fromEntries(codes), expect);
  for (const [digest, code] of codes) assertEquals(set.lookup(code), digest);
});

test("shortCodeTable() keeps go-digest's quirk when one hex extends another", () => {
  const short = `sha256:${"1".repeat(64)}`;
  const long = `sha512:${"1".repeat(128)}`;
  const set = new DigestSet([long, short]);
  const codes = shortCodeTable(set, 3);
  // The shorter digest is given in full; the longer one gets the carried length, 64, which is
  // the other's whole hex and so does not look up uniquely (same as go-digest).
  assertEquals([...codes], [[short, short], [long, "1".repeat(64)]]);
  assertThrows(() => set.lookup("1".repeat(64)), AmbiguousDigestError);
  assertEquals(set.lookup("1".repeat(65)), long);
});

const invalidDigests = group("digest.parse").filter((c) => c.expect.error !== undefined);

test("digestset.json holds 24 go-digest parse vectors that reject their input", () => {
  assertEquals(invalidDigests.length, 24);
});

for (const { test: table, input, expect } of invalidDigests) {
  test(`add() and remove() reject parse vector ${JSON.stringify(input)} (${table}) and leave the set unchanged`, () => {
    const keep = `sha256:${"a".repeat(64)}`;
    const set = new DigestSet([keep]);
    const ErrorClass = errorClasses[expect.error as keyof typeof errorClasses];
    assertThrows(() => parseDigest(input), ErrorClass);
    assertThrows(() => set.add(input), ErrorClass, undefined, input);
    assertThrows(() => set.remove(input), ErrorClass, undefined, input);
    assertThrows(() => new DigestSet([keep, input]), ErrorClass, undefined, input);
    assertEquals(set.values(), [keep]);
  });
}

test("lookup() on an empty set is not found, whatever the input", () => {
  const set = new DigestSet();
  for (const input of ["", "ab", "sha256:", `sha256:${"a".repeat(64)}`, "SHA256:x"]) {
    assertThrows(() => set.lookup(input), NotFoundError, `Cannot find image ID "${input}"`);
  }
});

test("lookup() explains a missing and an ambiguous prefix", () => {
  const set = new DigestSet([`sha256:ab1${"0".repeat(61)}`, `sha256:ab2${"0".repeat(61)}`]);
  assertThrows(
    () => set.lookup("abc"),
    NotFoundError,
    `Cannot find image ID "abc": no digest starts with it`,
  );
  const error = assertThrows(
    () => set.lookup("ab"),
    AmbiguousDigestError,
    `Cannot find image ID "ab": expected one digest to start with it, found 2`,
  );
  assertEquals(error.matches, 2);
});

test("has() answers exact membership only and never throws", () => {
  const id = `sha256:${"ab".repeat(32)}`;
  const set = new DigestSet([id]);
  assertEquals(
    [id, "ab", "sha256:ab", "", ":", `SHA256:${"ab".repeat(32)}`].map((d) => set.has(d)),
    [true, false, false, false, false, false],
  );
});

test("the constructor keeps duplicates once", () => {
  const id = `sha256:${"c".repeat(64)}`;
  assertEquals(new DigestSet([id, id, id]).size, 1);
});

// The model is go-digest v1.0.0's algorithm over a plain sorted array, scanned linearly.
class ModelSet {
  entries: { algorithm: string; hex: string; digest: string }[] = [];

  add(digest: string): void {
    const { algorithm, encoded: hex } = parseDigest(digest);
    if (this.entries.some((e) => e.digest === digest)) return;
    this.entries.push({ algorithm, hex, digest });
    this.entries.sort((a, b) =>
      a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : a.algorithm < b.algorithm ? -1 : 1
    );
  }

  remove(digest: string): void {
    parseDigest(digest);
    this.entries = this.entries.filter((e) => e.digest !== digest);
  }

  has(digest: string): boolean {
    return this.entries.some((e) => e.digest === digest);
  }

  lookup(text: string): string {
    if (this.entries.length === 0) throw new NotFoundError("empty");
    let [algorithm, hex] = ["", text];
    try {
      parseDigest(text);
      [algorithm, hex] = [text.split(":")[0], text.slice(text.indexOf(":") + 1)];
    } catch (error) {
      if ((error as InvalidArgumentError).reason !== "DIGEST_INVALID_FORMAT") {
        [algorithm, hex] = [text.split(":")[0], text.slice(text.indexOf(":") + 1)];
      }
    }
    const matches = (e: { algorithm: string; hex: string }) =>
      e.hex.startsWith(hex) && (algorithm === "" || e.algorithm === algorithm);
    const index = this.entries.findIndex((e) =>
      e.hex > hex || (e.hex === hex && e.algorithm >= algorithm)
    );
    const found = this.entries[index];
    if (index < 0 || !matches(found)) throw new NotFoundError("none");
    if (found.algorithm === algorithm && found.hex === hex) return found.digest;
    const next = this.entries[index + 1];
    if (next === undefined || !matches(next)) return found.digest;
    throw new AmbiguousDigestError("many", { matches: this.entries.filter(matches).length });
  }
}

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (error) {
    const e = error as Error & { matches?: number };
    return { error: e.constructor.name, matches: e.matches };
  }
}

test("DigestSet behaves like a brute-force model under random operations", () => {
  const short = fc.string({ unit: fc.constantFrom("0", "1", "2", "3"), maxLength: 3 });
  const digest = fc.tuple(fc.constantFrom("sha256", "sha512", "sha384"), short, fc.boolean())
    .map(([algorithm, prefix, fillOne]) => {
      const length = { sha256: 64, sha384: 96, sha512: 128 }[algorithm]!;
      return `${algorithm}:${prefix.padEnd(length, fillOne ? "1" : "0")}`;
    });
  const query = fc.oneof(
    short,
    short.map((s) => `sha256:${s}`),
    short.map((s) => `sha512:${s}`),
    digest,
    digest.map((d) => d.slice(d.indexOf(":") + 1)),
    // Another algorithm's label on a digest's hex, whole or cut to 64: exercises the tie order.
    fc.tuple(fc.constantFrom("sha256", "sha384", "sha512"), digest, fc.boolean())
      .map(([algorithm, d, cut]) =>
        `${algorithm}:${d.slice(d.indexOf(":") + 1, cut ? 71 : undefined)}`
      ),
    fc.constantFrom("", ":", "sha256:", "SHA256:0", "md5:0", "sha256:0X", "zz", "sha256+x:0"),
  );
  const op = fc.oneof(
    { weight: 3, arbitrary: digest.map((d) => ["add", d] as const) },
    { weight: 1, arbitrary: digest.map((d) => ["remove", d] as const) },
    { weight: 1, arbitrary: fc.constantFrom("sha256:0", "0").map((d) => ["remove", d] as const) },
    { weight: 1, arbitrary: digest.map((d) => ["has", d] as const) },
    { weight: 4, arbitrary: query.map((q) => ["lookup", q] as const) },
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const set = new DigestSet();
      const model = new ModelSet();
      for (const [name, arg] of ops) {
        assertEquals(
          outcome(() => set[name](arg)),
          outcome(() => model[name](arg)),
          `${name}(${arg})`,
        );
        assertEquals(set.size, model.entries.length);
      }
      assertEquals(set.values(), model.entries.map((e) => e.digest));
    }),
    { numRuns: 1000 },
  );
});

// A set with more entries than one chunk holds, checked against a sorted array.
test("a set of thousands of digests stays sorted and finds every short code", () => {
  let seed = 7; // mulberry32
  const random = () => {
    let t = (seed = (seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (n: number) => Array.from({ length: n }, () => "0123"[Math.floor(random() * 4)]);
  const all = Array.from(
    { length: 6000 },
    (_, i) => i % 3 === 0 ? `sha512:${hex(128).join("")}` : `sha256:${hex(64).join("")}`,
  );
  const set = new DigestSet();
  const members = new Set<string>();
  for (const [i, digest] of all.entries()) {
    set.add(digest);
    members.add(digest);
    if (i % 4 === 3) {
      const gone = all[Math.floor(random() * i)];
      set.remove(gone);
      members.delete(gone);
    }
  }
  const byHex = (d: string) => [d.slice(d.indexOf(":") + 1), d.slice(0, d.indexOf(":"))];
  const sorted = [...members].sort((a, b) => {
    const [x, y] = [byHex(a), byHex(b)];
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  });
  assertEquals(set.size, members.size);
  assertEquals(set.values(), sorted);
  for (const [digest, code] of shortCodeTable(set, 4)) {
    assertEquals(set.lookup(code), digest);
    assert(set.has(digest));
  }
  const model = new ModelSet();
  model.entries = sorted.map((digest) => {
    const [hex, algorithm] = byHex(digest);
    return { algorithm, hex, digest };
  });
  for (let i = 0; i < 1500; i++) {
    const query = ["", "sha256:", "sha512:"][i % 3] + hex(Math.floor(random() * 9)).join("");
    assertEquals(outcome(() => set.lookup(query)), outcome(() => model.lookup(query)), query);
  }
  // Neighbours share their common prefix, also across the set's internal chunks.
  for (let i = 0; i + 1 < sorted.length; i++) {
    const [a, b] = [byHex(sorted[i])[0], byHex(sorted[i + 1])[0]];
    let common = 0;
    while (a[common] === b[common]) common++;
    assertThrows(() => set.lookup(a.slice(0, common)), AmbiguousDigestError);
  }
  const ambiguous = assertThrows(() => set.lookup("0"), AmbiguousDigestError);
  assertEquals(ambiguous.matches, sorted.filter((d) => byHex(d)[0].startsWith("0")).length);
});

test("a set filled in ascending or descending order splits its chunks consistently", () => {
  const digests = Array.from(
    { length: 5000 },
    (_, i) => `sha256:${i.toString(16).padStart(4, "0").padEnd(64, "0")}`,
  );
  for (const order of [digests, [...digests].reverse()]) {
    const set = new DigestSet();
    for (const digest of order) {
      set.add(digest);
      assert(set.has(digest), digest);
    }
    assertEquals(set.values(), digests);
    for (const digest of order) {
      assertEquals(set.lookup(digest.slice(7)), digest);
      assertEquals(set.lookup(digest), digest);
    }
    for (const digest of order.slice(0, 4000)) set.remove(digest);
    assertEquals(set.values(), digests.filter((d) => !order.slice(0, 4000).includes(d)));
    assertEquals(set.size, 1000);
  }
});

test("the constructor builds, in one sorted pass, the set that adds one by one would, chunks included", () => {
  // Colliding hex under several algorithms (the tie order), duplicates, and more than one chunk.
  const digest = fc.tuple(
    fc.constantFrom("sha256", "sha384", "sha512"),
    fc.string({ unit: fc.constantFrom("0", "1", "2"), maxLength: 4 }),
  ).map(([algorithm, head]) =>
    `${algorithm}:${head.padEnd({ sha256: 64, sha384: 96, sha512: 128 }[algorithm]!, "0")}`
  );
  const many = Array.from(
    { length: 2500 },
    (_, i) => `sha256:${((i * 7919) % 2500).toString(16).padStart(4, "0").padEnd(64, "1")}`,
  );
  fc.assert(
    fc.property(fc.array(digest, { maxLength: 40 }), fc.boolean(), (digests, big) => {
      const all = big ? [...digests, ...many, ...digests] : digests;
      const built = new DigestSet(all);
      const added = new DigestSet();
      for (const d of all) added.add(d);
      assertEquals([built.size, built.values()], [added.size, added.values()]);
      for (const d of [...all.slice(0, 30), ...all.slice(-30)]) {
        for (const query of [d, d.slice(d.indexOf(":") + 1, d.indexOf(":") + 4)]) {
          assertEquals(outcome(() => built.lookup(query)), outcome(() => added.lookup(query)));
        }
        built.remove(d);
        added.remove(d);
        assertEquals(built.values(), added.values());
      }
      built.add(many[0]);
      added.add(many[0]);
      assertEquals(built.values(), added.values());
    }),
    { numRuns: 150 },
  );
});

test("lookup() answers the same for prefixes of 12 or more hex whether short IDs are shared or not", () => {
  const hex = (head: string, fill: string) => head + fill.repeat(64 - head.length);
  const a = `sha256:${hex("0123456789ab0", "1")}`;
  const b = `sha256:${hex("0123456789ab1", "2")}`;
  const c = `sha384:${hex("fedcba987654", "3")}${"3".repeat(32)}`;
  const set = new DigestSet([a, b, c]);
  assertThrows(() => set.lookup("0123456789ab"), AmbiguousDigestError);
  assertEquals(set.lookup("0123456789ab0"), a);
  assertEquals(set.lookup("sha256:0123456789ab1"), b);
  assertEquals(set.lookup("fedcba9876543"), c);
  assertThrows(() => set.lookup("sha256:fedcba9876543"), NotFoundError);
  assertThrows(() => set.lookup("0123456789ac"), NotFoundError);
  set.remove(a);
  assertEquals(set.lookup("0123456789ab"), b);
  assertThrows(() => set.lookup("0123456789ab0"), NotFoundError);
  set.remove(b);
  assertThrows(() => set.lookup("0123456789ab"), NotFoundError);
  set.add(a);
  assertEquals([set.lookup("0123456789ab"), set.lookup(a)], [a, a]);
});
