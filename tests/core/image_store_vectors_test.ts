// Drives the store with containerd's own store tests and the derived scenarios, op for op
// (tests/testdata/store.json, transcribed from /shared/vectors/store.json; HEAD semantics).
import { assertEquals, fail } from "@std/assert";
import { test } from "../harness.ts";
import { readTestData } from "../testdata.ts";
import type { Image } from "../../src/core/image_store.ts";
import { ImageCache } from "../../src/core/_image_cache.ts";
import { ImageTable } from "../../src/core/_image_table.ts";
import { OciStoreError } from "../../src/core/errors.ts";

interface VectorImage {
  id: string;
  references: string[];
  chainId: string;
  size: number;
  pinned: boolean;
}
interface Op {
  op: string;
  image?: VectorImage | null;
  id?: string;
  ref?: string;
  expect?: Record<string, unknown>;
  expectByVersion?: Record<string, Record<string, unknown>>;
  note?: string;
}
interface Scenario {
  name: string;
  versions: string[];
  fakeStoreInit?: VectorImage[];
  ops: Op[];
}

// The store's memory (ImageCache) is what containerd's Store is: its `apply` is `Store.update`
// with the image already read. The vectors' image IDs are made up (some are not even digests), so
// no content could produce them; the cache is driven directly, as ImageStore drives it.
function fakeStore(images: readonly Image[]): ImageCache {
  const cache = new ImageCache();
  for (const image of images) cache.seed(image);
  return cache;
}

const spec = { os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [] } };
const toImage = (v: VectorImage): Image => ({ ...v, imageSpec: spec });
const fromImage = (i: Image): VectorImage => ({
  id: i.id,
  references: [...i.references],
  chainId: i.chainId,
  size: i.size,
  pinned: i.pinned,
});

/** Names the vectors use for errors, from our error's code and reason. */
function errorName(error: unknown): string {
  if (!(error instanceof OciStoreError)) throw error;
  if (error.code === "NOT_FOUND") return "NotFound";
  if (error.code === "AMBIGUOUS") return "DigestAmbiguous";
  const byReason: Record<string, string> = {
    DIGEST_INVALID_FORMAT: "DigestInvalidFormat",
    DIGEST_INVALID_LENGTH: "DigestInvalidLength",
    DIGEST_UNSUPPORTED: "DigestUnsupported",
  };
  return byReason[error.reason ?? ""] ?? `${error.code}/${error.reason}`;
}

function attempt<T>(fn: () => T): { value?: T; error: string | null } {
  try {
    return { value: fn(), error: null };
  } catch (error) {
    return { error: errorName(error) };
  }
}

const { cases } = readTestData<{ cases: Scenario[] }>("store.json");
for (const scenario of cases.filter((c) => c.versions.includes("HEAD"))) {
  test(`store vector: ${scenario.name}`, () => {
    const table = new ImageTable();
    const store = fakeStore((scenario.fakeStoreInit ?? []).map(toImage));
    scenario.ops.forEach((op, i) => {
      const expect = op.expectByVersion?.HEAD ?? op.expect;
      const where = `op ${i} (${op.op}${op.note ? `: ${op.note}` : ""})`;
      switch (op.op) {
        case "add":
          return assertEquals(
            attempt(() => table.add(toImage(op.image!))).error,
            expect!.error,
            where,
          );
        case "delete":
          return table.delete(op.id!, op.ref!);
        case "pin":
          return assertEquals(
            attempt(() => table.pin(op.id!, op.ref!)).error,
            expect!.error,
            where,
          );
        case "unpin":
          return assertEquals(
            attempt(() => table.unpin(op.id!, op.ref!)).error,
            expect!.error,
            where,
          );
        case "isPinned":
          return assertEquals({ result: table.isPinned(op.id!, op.ref!) }, expect, where);
        case "update": {
          const image = op.image ? toImage(op.image) : undefined;
          return assertEquals(
            attempt(() => store.apply(op.ref!, image)).error,
            expect!.error,
            where,
          );
        }
        case "resolve": {
          const result = attempt(() => store.resolve(op.ref!));
          return assertEquals({ id: result.value ?? "", error: result.error }, expect, where);
        }
        case "get":
        case "storeGet": {
          const result = attempt(() => (op.op === "get" ? table : store).get(op.id!));
          return assertEquals(
            result.error ? { error: result.error } : { image: fromImage(result.value!) },
            expect,
            where,
          );
        }
        case "list":
        case "storeList": {
          const images = (op.op === "list" ? table : store).list().map(fromImage);
          images.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          return assertEquals({ imagesSortedById: images }, expect, where);
        }
        default:
          fail(`unknown op ${op.op}`);
      }
    });
  });
}
