// Reading over containerd's socket while two ordinary ctr clients write at a stated pace (the same
// writers and rate as containerd_live_test.ts, which reads the root's files instead). Every listing
// must be a state containerd really passed through, and none may fail. The test asserts the rate
// the writers held, so a machine too slow for it fails saying so rather than passing lighter.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertEquals } from "@std/assert";
import { openContainerdApi } from "../../src/adapters/containerd_api.ts";
import { ImageStore } from "../../src/core/image_store.ts";
import { connectContainerd } from "../../src/runtime/containerd_grpc.ts";
import { fixtures } from "../fixtures.ts";
import { test } from "../harness.ts";
import {
  importFleet,
  listWhileWriting,
  parseImagesLs,
  startContainerd,
  toggledNames,
} from "./_containerd.ts";

const namespace = "fleet";
const records = 200;
/** Both writers together, in committed transactions a second. */
const rate = 20;
/** Transactions the writers commit while we read (three seconds at the rate). */
const readThrough = 60;
const leastLists = 10;
/** The reader's pause between listings: it shares two cores with containerd and the writers. */
const listPauseMs = 50;
/** A stop for writers that stall: not the verdict (a stalled run then fails the rate assertion). */
const stallMs = 120_000;

test("listings over containerd's socket are consistent states while ctr clients write at 20 transactions/s", async () => {
  const scratch = mkdtempSync(join(tmpdir(), "ocistore-api-live-"));
  const daemon = await startContainerd();
  const client = await connectContainerd(daemon.socket);
  try {
    const fleet = await importFleet(daemon, namespace, (await fixtures()).layout, scratch, records);
    const base = parseImagesLs(await daemon.ctr(namespace, "images", "ls")).map((i) => i.name);
    assertEquals(base.length, records);
    const source = openContainerdApi(client, { namespace });
    const [source0, labelled] = [fleet[0], fleet[1]];
    const toggled = toggledNames;
    const sourceTarget = (await source.images.get(source0)).target;
    const store = new ImageStore(source);
    const expected = { base, toggled, sourceTarget, labelled, sorted: true, source: source0 };
    const { log, lists, withToggled, syncs } = await listWhileWriting(daemon, namespace, expected, {
      rate,
      readThrough,
      leastLists,
      stallMs,
      store,
      syncEvery: 5,
      pauseMs: listPauseMs,
      list: () => source.images.list(),
    });
    const held = log.transactionsPerSecond;

    // Quiet again: the answer is what ctr prints.
    const printed = parseImagesLs(await daemon.ctr(namespace, "images", "ls"));
    const final = await source.images.list();
    assertEquals(final.map((r) => r.name).sort(), printed.map((p) => p.name).sort());
    assertEquals(
      final.find((r) => r.name === labelled)?.labels["example.com/step"],
      log.labels.at(-1),
    );
    console.log(
      `     ${lists} listings (${withToggled} with a toggled name), ${syncs} syncs, ` +
        `${log.transactions} transactions at ${held.toFixed(1)}/s`,
    );
  } finally {
    client.close?.();
    await daemon.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
});
