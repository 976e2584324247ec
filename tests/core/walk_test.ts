import { assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import {
  children,
  dispatch,
  filterPlatforms,
  type Handler,
  limitManifests,
  sortByPlatform,
  walk,
} from "../../src/core/walk.ts";
import { pool } from "../../src/core/_pool.ts";
import { only } from "../../src/core/platform_matcher.ts";
import { NotFoundError } from "../../src/core/errors.ts";
import { MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST } from "../../src/core/media_types.ts";
import type { Descriptor, Platform } from "../../src/core/types.ts";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64", variant: "v8" };

async function twoPlatformIndex() {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64, layers: ["one", "two"] });
  const b = await source.addImage({ platform: arm64, layers: ["three"] });
  const index = await source.addIndex([a.manifest, b.manifest]);
  return { source, a, b, index };
}

const kind = (d: Descriptor) => d.mediaType.split(".").pop()!.split("+")[0];

test("walk() visits depth-first in document order, repeats included, and stops at the first error", async () => {
  const { source, a, index } = await twoPlatformIndex();
  const seen: string[] = [];
  await walk([index], (d) => {
    seen.push(d.digest);
    return children(source.content, d);
  });
  const b = (await children(source.content, index))[1];
  const bChildren = await children(source.content, b);
  assertEquals(seen, [
    index.digest,
    a.manifest.digest,
    a.config.digest,
    ...a.layers.map((l) => l.digest),
    b.digest,
    ...bChildren.map((d) => d.digest),
  ]);
  let visits = 0;
  await assertRejects(
    () =>
      walk([index], (d) => {
        visits++;
        if (d.digest === a.config.digest) return Promise.reject(new Error("stop"));
        return children(source.content, d);
      }),
    Error,
    "stop",
  );
  assertEquals(visits, 3); // index, amd64 manifest, its config: nothing after the error
});

test("dispatch() visits every descriptor, never runs more handlers than its limit, and rejects with the first error", async () => {
  const { source, index } = await twoPlatformIndex();
  for (const limit of [1, 2, 8]) {
    let running = 0;
    let most = 0;
    const seen: string[] = [];
    await dispatch([index], async (d) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(kind(d));
      running--;
      return children(source.content, d);
    }, { limit });
    assertEquals(seen.length, 1 + 2 * 2 + 3); // index, 2 manifests and configs, 3 layers
    assertEquals(most <= limit, true, `limit ${limit}: ${most} ran at once`);
  }
  let after = 0;
  await assertRejects(
    () =>
      dispatch([index], async (d) => {
        if (d.mediaType === MEDIA_TYPE_OCI_MANIFEST) throw new NotFoundError("gone");
        after++;
        return await children(source.content, d);
      }, { limit: 1 }),
    NotFoundError,
    "gone",
  );
  assertEquals(after, 1); // the index only: no handler starts after the failure
});

test("filterPlatforms() drops children of other platforms and keeps children without one", async () => {
  const platformed = (platform?: Platform): Descriptor => ({
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    digest: `sha256:${"0".repeat(64)}`,
    size: 1,
    ...(platform ? { platform } : {}),
  });
  const handler = filterPlatforms(
    () => Promise.resolve([platformed(arm64), platformed(), platformed(amd64)]),
    only(amd64),
  );
  const kept = await handler(platformed());
  assertEquals(kept.map((d) => d.platform?.architecture), [undefined, "amd64"]);
});

test("limitManifests() ranks an index's entries, cuts them to the limit, leaves manifests alone, and fails on an empty index", async () => {
  const { source, a, index } = await twoPlatformIndex();
  const base: Handler = (d) => children(source.content, d);
  const limited = limitManifests(base, only(arm64), { limit: 1 });
  const chosen = await limited(index);
  assertEquals(chosen.length, 1);
  assertEquals(chosen[0].platform?.architecture, "arm64");
  assertEquals(
    (await limitManifests(base, only(amd64))(index)).map((d) => d.platform?.architecture),
    [
      "amd64",
      "arm64",
    ],
  );
  assertEquals((await limited(a.manifest)).length, 1 + a.layers.length); // a manifest: untouched
  const empty = await source.addIndex([]);
  assertEquals(empty.mediaType, MEDIA_TYPE_OCI_INDEX);
  await assertRejects(() => limited(empty), NotFoundError, "at least one entry");
  assertEquals(await limitManifests(base, only(amd64), { limit: 0 })(empty), []);
});

test("sortByPlatform() puts platformed entries first by rank and keeps ties stable", () => {
  const d = (architecture: string | undefined, n: number): Descriptor => ({
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    digest: `sha256:${String(n).repeat(64)}`,
    size: n,
    ...(architecture ? { platform: { os: "linux", architecture } } : {}),
  });
  const sorted = sortByPlatform(
    [d(undefined, 1), d("s390x", 2), d("amd64", 3), d(undefined, 4), d("amd64", 5)],
    only(amd64),
  );
  assertEquals(sorted.map((x) => x.size), [3, 5, 2, 1, 4]);
});

test("pool() runs at most its limit at once, in queue order, and frees a slot when a job fails", async () => {
  const slots = pool(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const jobs = Array.from({ length: 20 }, (_, i) =>
    slots.run(async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, i % 3));
      running--;
      if (i % 5 === 0) throw new Error(`job ${i}`);
      return i;
    }));
  const results = await Promise.allSettled(jobs);
  assertEquals(most, 2);
  assertEquals(started, Array.from({ length: 20 }, (_, i) => i));
  assertEquals(results.filter((r) => r.status === "rejected").length, 4);
  assertEquals(await slots.run(() => Promise.resolve("free")), "free");
});

test("pool() acquire() holds a slot until freed once, and an aborted wait gives up its place", async () => {
  const slots = pool(1);
  const free = await slots.acquire();
  const controller = new AbortController();
  const aborted = slots.acquire(controller.signal);
  const order: string[] = [];
  const next = slots.run(() => Promise.resolve(order.push("next")));
  controller.abort(new Error("gave up"));
  await assertRejects(() => aborted, Error, "gave up");
  free();
  free(); // a second call frees nothing more
  await next;
  assertEquals(order, ["next"]);
  const held = await slots.acquire();
  let ran = false;
  const waiting = slots.run(() => Promise.resolve(ran = true));
  await new Promise((resolve) => setTimeout(resolve, 5));
  assertEquals(ran, false, "one slot, held: the job waits");
  held();
  await waiting;
  assertEquals(ran, true);
  await assertRejects(() => slots.acquire(AbortSignal.abort(new Error("early"))), Error, "early");
});
