import { assertEquals, assertThrows } from "@std/assert";
import { test } from "../harness.ts";
import { readTestData } from "../testdata.ts";
import { humanSize } from "../../src/core/format.ts";

test("humanSize prints every vector exactly as go-units HumanSizeWithPrecision(size, 3)", () => {
  const { cases } = readTestData<{ cases: [number, string][] }>("human_size.json");
  for (const [size, expected] of cases) assertEquals(humanSize(size), expected, `size ${size}`);
});

test("humanSize rounds exact halves to even and carries into exponent form as Go does", () => {
  assertEquals(humanSize(1125), "1.12kB");
  assertEquals(humanSize(1375), "1.38kB");
  assertEquals(humanSize(999_500), "1e+03kB");
  assertEquals(humanSize(999), "999B");
});

test("humanSize refuses negative and non-finite sizes with a TypeError", () => {
  assertThrows(() => humanSize(-1), TypeError);
  assertThrows(() => humanSize(Number.NaN), TypeError);
});
