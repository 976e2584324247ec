// A live containerd (Debian's, started here) holding a node-sized metadata store, written by two
// ordinary ctr clients in loops while one long-lived source is read over and over (issue 15). The
// writers hold the load openContainerd promises to read through (20 transactions a second, its doc
// comment's figure) and the test asserts the rate it ran at: a machine that cannot reach it fails
// saying so rather than passing on a lighter load (issue 18). Heavier loads are bench figures.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assert, assertEquals, assertGreater } from "@std/assert";
import { openContainerd } from "../../src/adapters/containerd.ts";
import type { Files } from "../../src/core/files.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { nodeFiles } from "../../src/runtime/node_files.ts";
import { fixtures } from "../fixtures.ts";
import { test } from "../harness.ts";
import {
  importFleet,
  listWhileWriting,
  parseImagesLs,
  startContainerd,
  toggledNames,
} from "./_containerd.ts";

const metaPath = "io.containerd.metadata.v1.bolt/meta.db";
const namespace = "fleet";
const records = 1200;
/** The load the containerd root source promises to read through, in committed transactions a second. */
const rate = 20;
/** Transactions the writers commit while we read (six seconds at the rate). */
const readThrough = 120;
/** The least reads and syncs of the run, whatever the machine's speed. */
const leastLists = 20;
/** A stop for writers that stall: not the verdict (a stalled run then fails the rate assertion). */
const stallMs = 120_000;

/** The root's files, counting whole-database reads: content must never add one. */
function counting(root: string): { files: Files; reads: () => number } {
  const files = nodeFiles(root);
  let reads = 0;
  const count = (path: string) => {
    if (path === metaPath) reads++;
  };
  return {
    files: {
      ...files,
      read: (path) => (count(path), files.read(path)),
      // Looks at the meta pages (two pages) are not reads of the database.
      readRange: (path, offset, length) => {
        if (length > 2 * 65536) count(path);
        return files.readRange(path, offset, length);
      },
    },
    reads: () => reads,
  };
}

test("a long-lived source over 1,200 records reads only consistent states while ctr clients write", async () => {
  const scratch = mkdtempSync(join(tmpdir(), "ocistore-live-"));
  const daemon = await startContainerd();
  try {
    const fleet = await importFleet(daemon, namespace, (await fixtures()).layout, scratch, records);
    const base = parseImagesLs(await daemon.ctr(namespace, "images", "ls")).map((i) => i.name);
    assertEquals(base.length, records);
    const { files, reads } = counting(daemon.root);
    const source = await openContainerd(files, { namespace });
    const [source0, labelled] = [fleet[0], fleet[1]];
    const toggled = toggledNames;
    const sourceTarget = (await source.images.get(source0)).target;

    const store = new ImageStore(source);
    const expected = { base, toggled, sourceTarget, labelled, source: source0 };
    const { log, lists, withToggled, syncs, seenSteps } = await listWhileWriting(
      daemon,
      namespace,
      expected,
      {
        rate,
        readThrough,
        leastLists,
        stallMs,
        store,
        syncEvery: 10,
        list: () => source.images.list(),
        // Content comes from the listing's snapshot: no read of meta.db.
        async checkEach(listed) {
          const before = reads();
          for (const digest of new Set(listed.map((r) => r.target.digest))) {
            assertGreater((await source.content.info(digest)).size, 0);
          }
          assertEquals(reads(), before);
        },
      },
    );
    const held = log.transactionsPerSecond;
    assert(seenSteps.at(-1)! <= log.labels.length - 1);

    // Quiet again: the answer is what ctr prints.
    const printed = parseImagesLs(await daemon.ctr(namespace, "images", "ls"));
    const final = await source.images.list();
    assertEquals(final.map((r) => r.name), printed.map((p) => p.name));
    assertEquals(final.map((r) => r.labels), printed.map((p) => p.labels));
    assertEquals(
      final.find((r) => r.name === labelled)?.labels["example.com/step"],
      log.labels.at(-1),
    );
    const { failures } = await store.sync();
    assertEquals(failures, []);
    console.log(
      `     ${lists} lists (${withToggled} with a toggled name), ${syncs} syncs, ${log.writes} writes, ` +
        `${log.transactions} transactions at ${held.toFixed(1)}/s, ${reads()} database reads`,
    );
  } finally {
    await daemon.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
});
