import { assert, assertEquals, assertRejects } from "@std/assert";
import fc from "fast-check";
import { test } from "../harness.ts";
import { type MemorySource, memorySource } from "../../src/adapters/memory.ts";
import { type ImageChange, ImageStore, PINNED_LABEL } from "../../src/core/image_store.ts";
import type { ContentProvider, ImageLister, ImageSource } from "../../src/core/content.ts";
import { DigestMismatchError, NotFoundError, type OciStoreError } from "../../src/core/errors.ts";
import { only } from "../../src/core/platform_matcher.ts";
import type { Descriptor } from "../../src/core/types.ts";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64" };

/** Two images, and an index over both: the index shares the amd64 image's ID with a larger size. */
async function fixture(): Promise<{ source: MemorySource; targets: Descriptor[] }> {
  const source = memorySource();
  const a = await source.addImage({ platform: amd64, layers: ["a1", "a2"] });
  const b = await source.addImage({ platform: arm64, layers: ["b1"] });
  const index = await source.addIndex([a.manifest, b.manifest]);
  return { source, targets: [a.manifest, b.manifest, index] };
}

function countingContent(
  content: ContentProvider,
): { content: ContentProvider; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  return {
    reads,
    content: {
      ...content,
      info: (digest) => content.info(digest),
      read: (descriptor) => {
        reads.set(descriptor.digest, (reads.get(descriptor.digest) ?? 0) + 1);
        return content.read(descriptor);
      },
    },
  };
}

test("update() records an image with containerd's ID, chain ID, size and pin", async () => {
  const { source, targets } = await fixture();
  source.setRecord("example.com/app:1", targets[2], { [PINNED_LABEL]: "pinned" });
  const store = new ImageStore(source, { platform: only(amd64) });
  await store.update("example.com/app:1");
  const image = store.get(store.resolve("example.com/app:1"));
  const manifest = JSON.parse(new TextDecoder().decode(await source.content.read(targets[0])));
  assertEquals(image.id, manifest.config.digest);
  assertEquals(image.references, ["example.com/app:1"]);
  assertEquals(image.pinned, true);
  const declared = targets[2].size + targets[0].size + manifest.config.size +
    manifest.layers.reduce((n: number, l: Descriptor) => n + l.size, 0);
  assertEquals(image.size, declared);
  assertEquals(image.imageSpec.architecture, "amd64");
  assert(image.chainId.startsWith("sha256:"));
});

test("update() of a broken image leaves the cache untouched and keeps the error's class", async () => {
  const { source, targets } = await fixture();
  source.setRecord("example.com/app:1", targets[0]);
  const store = new ImageStore(source, { platform: only(amd64) });
  await store.update("example.com/app:1");
  const before = store.list();
  const broken = await source.addImage({ platform: amd64, layers: ["x"] });
  source.deleteBlob(broken.config.digest);
  source.setRecord("example.com/app:1", broken.manifest);
  await assertRejects(
    () => store.update("example.com/app:1"),
    NotFoundError,
    `Cannot read the config of example.com/app:1: Cannot read blob ${broken.config.digest}`,
  );
  assertEquals(store.list(), before);
  source.putRaw(broken.config.digest, new TextEncoder().encode("{}"));
  await assertRejects(() => store.update("example.com/app:1"), DigestMismatchError);
  assertEquals(store.list(), before);
});

test("sync() applies in the source's order even when later names load first", async () => {
  const { source, targets } = await fixture();
  source.setRecord("example.com/index:1", targets[2]);
  source.setRecord("example.com/single:1", targets[0]);
  // Hold back every read of the index so the single-manifest name finishes loading first.
  const slow: ImageSource = {
    images: source.images,
    content: {
      ...source.content,
      info: (d) => source.content.info(d),
      read: async (d) => {
        if (d.digest === targets[2].digest) await new Promise((r) => setTimeout(r, 30));
        return source.content.read(d);
      },
    },
  };
  const store = new ImageStore(slow, { platform: only(amd64) });
  const order: string[] = [];
  store.onChange((change) => order.push(change.reference));
  const result = await store.sync();
  assertEquals(order, ["example.com/index:1", "example.com/single:1"]);
  assertEquals(result.updated, order);
  const [image] = store.list();
  assertEquals(image.references, ["example.com/index:1", "example.com/single:1"]);
  // The first reference added wins the size: the index's, which includes the index itself.
  assertEquals(image.size > targets[0].size + targets[2].size, true);
  const alone = new ImageStore(source, { platform: only(amd64) });
  await alone.update("example.com/index:1");
  assertEquals(image.size, alone.list()[0].size);
});

test("sync() forgets names the source no longer lists and reports failures without stopping", async () => {
  const { source, targets } = await fixture();
  source.setRecord("example.com/a:1", targets[0]);
  source.setRecord("example.com/b:1", targets[1]);
  const store = new ImageStore(source, { platform: only(amd64) });
  await store.sync();
  source.deleteRecord("example.com/a:1");
  const missing = await source.addImage({ platform: amd64, layers: ["gone"] });
  source.deleteBlob(missing.manifest.digest);
  source.setRecord("example.com/c:1", missing.manifest);
  const result = await store.sync();
  assertEquals(result.removed, ["example.com/a:1"]);
  assertEquals(result.updated, ["example.com/b:1"]);
  assertEquals(result.failures.map((f) => f.reference), ["example.com/c:1"]);
  assert(result.failures[0].error instanceof NotFoundError);
  assertEquals(store.list().map((i) => i.references), [["example.com/b:1"]]);
});

test("each blob is read once per store, and a second platform view reads only what is new", async () => {
  const { source, targets } = await fixture();
  for (let i = 0; i < 20; i++) source.setRecord(`example.com/app:${i}`, targets[i % 2 ? 0 : 2]);
  const counted = countingContent(source.content);
  const store = new ImageStore({ content: counted.content, images: source.images }, {
    platform: only(amd64),
  });
  await store.sync();
  await store.sync();
  for (const [digest, n] of counted.reads) assertEquals(n, 1, `reads of ${digest}`);
  const readByAmd64 = new Set(counted.reads.keys());
  const armStore = store.forPlatform(only(arm64));
  await armStore.sync();
  for (const [digest, n] of counted.reads) assertEquals(n, 1, `reads of ${digest}`);
  assert(counted.reads.size > readByAmd64.size);
  assertEquals(armStore.list().length, 2);
});

test("onChange() announces added, updated and removed references with old and new IDs", async () => {
  const { source, targets } = await fixture();
  const store = new ImageStore(source, { platform: only(amd64) });
  const changes: ImageChange[] = [];
  const unsubscribe = store.onChange((c) => changes.push(c));
  source.setRecord("example.com/a:1", targets[0]);
  await store.update("example.com/a:1");
  const first = store.resolve("example.com/a:1");
  source.setRecord("example.com/a:1", targets[1]);
  await store.update("example.com/a:1");
  const second = store.resolve("example.com/a:1");
  source.setRecord("example.com/a:1", targets[1], { [PINNED_LABEL]: "pinned" });
  await store.update("example.com/a:1");
  source.deleteRecord("example.com/a:1");
  await store.update("example.com/a:1");
  unsubscribe();
  source.setRecord("example.com/a:1", targets[0]);
  await store.update("example.com/a:1");
  assertEquals(changes, [
    { type: "added", reference: "example.com/a:1", newId: first },
    { type: "updated", reference: "example.com/a:1", oldId: first, newId: second },
    { type: "updated", reference: "example.com/a:1", oldId: second, newId: second },
    { type: "removed", reference: "example.com/a:1", oldId: second },
  ]);
});

type Op =
  | { kind: "update"; ref: number }
  | { kind: "get"; target: number; prefix: number }
  | { kind: "list" }
  | { kind: "resolve"; ref: number };

const refName = (i: number) => `example.com/app:${i}`;
const assignment = fc.array(
  fc.record({ target: fc.integer({ min: -1, max: 2 }), pinned: fc.boolean() }),
  {
    minLength: 4,
    maxLength: 4,
  },
);

function setRecords(
  source: MemorySource,
  targets: Descriptor[],
  records: { target: number; pinned: boolean }[],
) {
  // Re-create every record so the listing order is always ref 0, 1, 2, 3.
  records.forEach((_, i) => source.deleteRecord(refName(i)));
  records.forEach(({ target, pinned }, i) => {
    if (target >= 0) {
      source.setRecord(refName(i), targets[target], pinned ? { [PINNED_LABEL]: "pinned" } : {});
    }
  });
}

function snapshot(store: ImageStore, prefixes: string[]): unknown {
  const outcome = (fn: () => unknown) => {
    try {
      return fn();
    } catch (error) {
      return (error as OciStoreError).code;
    }
  };
  return {
    list: store.list().map((i) => ({ ...i, imageSpec: undefined })).sort((a, b) =>
      a.id < b.id ? -1 : 1
    ),
    resolve: [0, 1, 2, 3].map((i) => outcome(() => store.resolve(refName(i)))),
    get: prefixes.map((p) => outcome(() => store.get(p).id)),
  };
}

test("concurrent update/get/list/resolve agree with a sequential model under random schedules", async () => {
  const { source, targets } = await fixture();
  const ids = await Promise.all(
    targets.slice(0, 2).map(async (t) =>
      JSON.parse(new TextDecoder().decode(await source.content.read(t))).config.digest as string
    ),
  );
  const prefixes = ["", ...ids.flatMap((id) => [id, id.slice(0, 15), id.slice(7, 12)])];
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("update" as const), ref: fc.integer({ min: 0, max: 3 }) }),
    fc.record({
      kind: fc.constant("get" as const),
      target: fc.integer({ min: 0, max: 1 }),
      prefix: fc.integer({ min: 0, max: 6 }),
    }),
    fc.record({ kind: fc.constant("list" as const) }),
    fc.record({ kind: fc.constant("resolve" as const), ref: fc.integer({ min: 0, max: 3 }) }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      assignment,
      assignment,
      fc.array(op, { maxLength: 14 }),
      async (s, before, after, ops) => {
        setRecords(source, targets, before);
        const scheduled: ImageSource = {
          content: {
            info: s.scheduleFunction((d: string) => source.content.info(d)),
            read: s.scheduleFunction((d: Descriptor) => source.content.read(d)),
          },
          images: {
            get: s.scheduleFunction((name: string) => source.images.get(name)),
            list: () => source.images.list(),
          } satisfies ImageLister,
        };
        const store = new ImageStore(scheduled, { platform: only(amd64) });
        const primed = store.sync();
        await s.waitFor(primed);
        setRecords(source, targets, after);

        const applied: string[] = [];
        store.onChange((change) => applied.push(change.reference));
        const observations: { appliedSoFar: number; state: unknown }[] = [];
        const calls: Record<string, number[]> = {};
        const completions: Record<string, number[]> = {};
        const pending: Promise<unknown>[] = [];
        ops.forEach((o, n) => {
          if (o.kind === "update") {
            const ref = refName(o.ref);
            (calls[ref] ??= []).push(n);
            pending.push(store.update(ref).then(() => (completions[ref] ??= []).push(n)));
          } else {
            pending.push(
              s.schedule(Promise.resolve(o.kind)).then(() =>
                observations.push({
                  appliedSoFar: applied.length,
                  state: snapshot(store, prefixes),
                })
              ),
            );
          }
        });
        await s.waitFor(Promise.all(pending));

        // Same-reference updates complete in call order.
        assertEquals(completions, calls);
        // Replaying the applied changes one at a time gives every observed state and the final one.
        const model = new ImageStore(source, { platform: only(amd64) });
        setRecords(source, targets, before);
        await model.sync();
        setRecords(source, targets, after);
        const states = [snapshot(model, prefixes)];
        for (const ref of applied) {
          await model.update(ref);
          states.push(snapshot(model, prefixes));
        }
        for (const { appliedSoFar, state } of observations) {
          assertEquals(
            state,
            states[appliedSoFar],
          );
        }
        assertEquals(snapshot(store, prefixes), states.at(-1));
      },
    ),
    { numRuns: 60 },
  );
});

/**
 * A store over `source` whose first read of `held` waits until `release()`; `loading` settles when
 * that read starts. Changes are recorded as `<type> <reference>`.
 */
function heldStore(source: MemorySource, held: Descriptor) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  let started = () => {};
  const loading = new Promise<void>((resolve) => started = resolve);
  let first = true;
  const gated: ImageSource = {
    images: source.images,
    content: {
      info: (d) => source.content.info(d),
      read: async (d) => {
        if (first && d.digest === held.digest) {
          first = false;
          started();
          await gate;
        }
        return source.content.read(d);
      },
    },
  };
  const store = new ImageStore(gated, { platform: only(arm64) });
  const changes: string[] = [];
  store.onChange((change) => changes.push(`${change.type} ${change.reference}`));
  return { store, changes, loading, release };
}

test("an update() called while sync() runs applies after the sync's apply of its name", async () => {
  const { source, targets } = await fixture();
  source.setRecord("example.com/a:1", targets[0]);
  source.setRecord("example.com/b:1", targets[1]);
  source.setRecord("example.com/c:1", targets[1]);
  // The sync's first load waits until released, so every later apply is still ahead of it.
  const { store, changes, loading, release } = heldStore(source, targets[0]);
  const synced = store.sync();
  await loading;
  // The sync listed b:1 and c:1 at the arm64 image; both now move to the amd64 one, and b:1 is
  // updated mid-sync: its update must win over the sync's older view.
  source.setRecord("example.com/b:1", targets[0]);
  source.setRecord("example.com/c:1", targets[0]);
  const updated = store.update("example.com/b:1");
  release();
  await Promise.all([synced, updated]);
  const amd = store.resolve("example.com/a:1");
  assertEquals(store.resolve("example.com/b:1"), amd);
  assertEquals(store.resolve("example.com/c:1") === amd, false);
  assertEquals(changes, [
    "added example.com/a:1",
    "added example.com/b:1",
    "added example.com/c:1",
    "updated example.com/b:1",
  ]);
});

test("a sync() started while another runs applies each name after the first one's apply", async () => {
  const { source, targets } = await fixture();
  source.setRecord("example.com/a:1", targets[0]);
  source.setRecord("example.com/b:1", targets[1]);
  const { store, changes, loading, release } = heldStore(source, targets[0]);
  const older = store.sync();
  await loading;
  // The newer sync lists b:1 first, at an image nothing holds back: it must still wait for the
  // older sync's apply of b:1, which is behind its held a:1.
  const moved = await source.addImage({ platform: arm64, layers: ["moved"] });
  source.deleteRecord("example.com/a:1");
  source.setRecord("example.com/a:1", targets[0]);
  source.setRecord("example.com/b:1", moved.manifest);
  const newer = store.sync();
  release();
  await Promise.all([older, newer]);
  assertEquals(store.resolve("example.com/b:1"), moved.config.digest);
  assertEquals(changes, [
    "added example.com/a:1",
    "added example.com/b:1",
    "updated example.com/b:1",
  ]);
});
