import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { readTestData } from "../testdata.ts";
import { chainId, chainIds } from "../../src/core/chain_id.ts";
import { digestOf } from "../../src/core/digest.ts";
import { createDigester, type DigesterFactory } from "../../src/core/digester.ts";

interface ChainCase {
  name: string;
  diffIDs: string[] | null;
  expectChainIDs: string[] | null;
  expectChainID: string;
}

const { cases } = readTestData<{ cases: ChainCase[] }>("chainid.json");

test("chainid.json holds the 7 image-spec identity vectors", () => {
  assertEquals(cases.length, 7);
});

for (const { name, diffIDs, expectChainIDs, expectChainID } of cases) {
  test(`chainIds() and chainId() vector "${name}"`, () => {
    // Go returns nil for nil; our array form returns [] for null.
    assertEquals(chainIds(diffIDs), expectChainIDs ?? [], name);
    assertEquals(chainId(diffIDs), expectChainID, name);
    // A handed-in digester (native in the CLI) hashes the same strings to the same IDs.
    let hashed = 0;
    const handedIn: DigesterFactory = (algorithm) => (hashed++, createDigester(algorithm));
    assertEquals(chainIds(diffIDs, handedIn), expectChainIDs ?? [], name);
    assertEquals(hashed, Math.max(0, (diffIDs?.length ?? 0) - 1), name);
    assertEquals(chainId(diffIDs, handedIn), expectChainID, name);
  });
}

test("chainIds() and chainId() of undefined are [] and the empty string", () => {
  assertEquals([chainIds(undefined), chainId(undefined)], [[], ""]);
});

test("chainIds() leaves its input untouched", () => {
  const diffIds = ["sha256:a", "sha256:b", "sha256:c"];
  const copy = [...diffIds];
  chainIds(diffIds);
  assertEquals(diffIds, copy);
});

test("chainId() is the SHA-256 of the previous chain ID, a space and the diff ID", async () => {
  const diffIds = ["sha512:x", "sha384:y", "z"];
  const second = await digestOf(`${diffIds[0]} ${diffIds[1]}`);
  assertEquals(chainId(diffIds), await digestOf(`${second} ${diffIds[2]}`));
});
