// Issue 24's "Done when", in Chromium: once the explorer has listed a 300 MB gzip layer from a
// loopback registry (one verified full read, its seek index kept in the page's IndexedDB), the
// file view of any one file costs at most two requests for the layer and at most 8 MiB, counted by
// a proxy between the page and Debian's docker-registry. The layer is tests/cli/big_layer_seek_test.ts's
// (tests/layers/_big_layer.ts, kept between the two and between runs).
import { assert, assertEquals } from "@std/assert";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { test } from "../harness.ts";
import { freshPage, screenshot, sharedExplorer, viewReady } from "./_context.ts";
import { type CountingProxy, countingProxy } from "../adapters/_counting_proxy.ts";
import { push, startRegistry, tempDir } from "../adapters/_registry.ts";
import {
  assertBytes,
  BIG_LAYER_BYTES,
  type BigFile,
  bigFileBytes,
  bigLayer,
  widestFile,
} from "../layers/_big_layer.ts";
import { encodeSeekIndex, type SeekIndex, seekIndexStore } from "../../src/core/seek_index.ts";
import type { BlobStore } from "../../src/core/cached_content.ts";
import { HEX_PAGE_ROWS } from "../../src/explorer/views/fs_file.ts";

const _MiB = 1024 * 1024;
/** Bytes on one page of the viewer's hex dump. */
const HEX_PAGE_BYTES = HEX_PAGE_ROWS * 16;

/** The page's IndexedDB cache (`ocistore-explorer`, idb-keyval's `blob:` keys), read only. */
function pageStore(page: Page): BlobStore {
  const refuse = () => Promise.reject(new Error("the page's cache is read only here"));
  return {
    async get(key) {
      const base64 = await page.evaluate(
        (key) =>
          new Promise<string | undefined>((resolve, reject) => {
            const open = indexedDB.open("ocistore-explorer");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const read = open.result.transaction("blobs").objectStore("blobs").get(`blob:${key}`);
              read.onerror = () => reject(read.error);
              read.onsuccess = () => {
                open.result.close();
                const bytes = read.result as Uint8Array | undefined;
                if (!bytes) return resolve(undefined);
                let text = "";
                for (let i = 0; i < bytes.length; i += 0x8000) {
                  text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
                }
                resolve(btoa(text));
              };
            };
          }),
        key,
      );
      return base64 === undefined
        ? undefined
        : Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    },
    set: refuse,
    delete: refuse,
  };
}

/** `hexdump -C -v` of `length` bytes of `path` from `offset`, without its last (end offset) line. */
function hexdump(path: string, offset: number, length: number): string[] {
  const rows = execFileSync("hexdump", [
    "-C",
    "-v",
    "-s",
    String(offset),
    "-n",
    String(length),
    path,
  ], {
    encoding: "utf8",
    maxBuffer: 64 * _MiB,
  }).trimEnd().split("\n");
  rows.pop();
  return rows;
}

/** What one view load asked of the proxy: the layer's requests, and all bytes sent. */
function counted(proxy: CountingProxy, from: number, digest: string) {
  const seen = proxy.seen.slice(from);
  return {
    layer: seen.filter((s) => s.method === "GET" && s.path.endsWith(`/blobs/${digest}`)),
    preflights: seen.filter((s) => s.method === "OPTIONS").length,
    bytes: seen.reduce((n, s) => n + s.bytes, 0),
  };
}

test("seek index acceptance (Chromium): after the explorer listed a 300 MB gzip layer, the file view of any one file is at most 2 requests and 8 MiB", async () => {
  const big = bigLayer();
  assert(big.layer.size >= BIG_LAYER_BYTES, `${big.layer.size} B`);
  const registry = await startRegistry("anonymous", tempDir("big-registry-"));
  const proxy = await countingProxy(registry.host);
  const server = await sharedExplorer();
  const { context, page } = await freshPage();
  // Stall stops, not verdicts: the first listing reads, inflates and hashes 300 MB in the page.
  context.setDefaultTimeout(600_000);
  try {
    await push(`oci:${big.layout}:big`, registry.host, "seek/big:1");
    const reference = `${proxy.host}/seek/big:1`;
    const at = (query: string) =>
      `${server.url}?registry=${encodeURIComponent(reference)}&image=${
        encodeURIComponent(reference)
      }${query}`;
    const open = async (query: string) => {
      const start = proxy.seen.length;
      await page.goto(at(query));
      await viewReady(page);
      assertEquals(await page.getAttribute("body", "data-error"), "", query);
      return counted(proxy, start, big.layer.digest);
    };

    // The first listing: the whole layer, once, and every file in it.
    const listing = await open("&layer=0");
    assertEquals(listing.layer.map((s) => [s.range, s.status, s.bytes]), [[
      undefined,
      200,
      big.layer.size,
    ]]);
    assertEquals(
      await page.$$eval("#files tbody tr td:nth-child(4)", (c) => c.map((x) => x.textContent)),
      ["big/", ...big.files.map((f) => f.path)],
    );
    const index: SeekIndex | undefined = await seekIndexStore(pageStore(page)).get(big.layer);
    assert(index, "the listing kept no seek index in the page's IndexedDB");
    const widest = widestFile(big, index);
    assert(widest.span <= 8 * _MiB, `${widest.file.path} needs ${widest.span} B`);
    const share = encodeSeekIndex(index).length / big.layer.size;
    console.log(
      `     index ${encodeSeekIndex(index).length} B = ${
        (share * 100).toFixed(2)
      }% of the ${big.layer.size} B layer, ${index.marks?.length} marks; widest file ${widest.file.path}: ${widest.span} B`,
    );

    /**
     * Opens `query` for `file` and checks what it cost: at most 2 layer requests, each ranged, and
     * at most 8 MiB in all. A first open of the file reads its span (1 or 2 requests); opening it
     * again may cost none, the browser's HTTP cache answering the same range.
     */
    const openFile = async (file: BigFile, query: string, first: boolean) => {
      const cost = await open(`&show=file&path=${encodeURIComponent(file.path)}${query}`);
      assert(
        cost.layer.length >= (first ? 1 : 0) && cost.layer.length <= 2,
        `${cost.layer.length} layer requests for ${file.path}${query}`,
      );
      assert(cost.layer.every((s) => s.status === 206 && s.range !== undefined), file.path);
      assert(cost.bytes <= 8 * _MiB, `${cost.bytes} B for ${file.path}${query}`);
      assertEquals(
        Number(await page.getAttribute("#fs-file [data-bytes]", "data-bytes")),
        file.size,
      );
      console.log(
        `     ${file.path}${query}: ${cost.layer.length} layer request(s), ${cost.preflights} preflight(s), ${cost.bytes} B in all`,
      );
      return cost;
    };

    // The widest file as a hex dump: its first page, the page across the checkpoint inside it
    // (where the span's two parts meet) and its last page, each one load, as hexdump prints them.
    const bin = join(tempDir("big-file-"), "widest.bin");
    writeFileSync(bin, bigFileBytes(widest.file));
    const entry = index.entries.find((e) => e.path === widest.file.path)!;
    const inside = index.checkpoints.find((c) =>
      c.out > entry.offset && c.out < entry.offset + entry.size
    );
    const pages = Math.ceil(widest.file.size / HEX_PAGE_BYTES);
    const across = inside ? Math.floor((inside.out - entry.offset) / HEX_PAGE_BYTES) + 1 : 2;
    for (const shown of new Set([1, across, pages])) {
      const cost = await openFile(widest.file, `&page=${shown}`, shown === 1);
      if (shown === 1) assertEquals(cost.layer.reduce((n, s) => n + s.bytes, 0), widest.span);
      assertEquals(
        (await page.textContent("#file-hex"))!.split("\n"),
        hexdump(bin, (shown - 1) * HEX_PAGE_BYTES, HEX_PAGE_BYTES),
        `page ${shown} of ${widest.file.path}`,
      );
    }
    await screenshot(page, "big-layer-hex");

    // A text file, whole.
    const text = big.files.find((f) => !f.random)!;
    await openFile(text, "", true);
    // Without a last newline, the file's bytes are what the page shows.
    assertBytes(
      new TextEncoder().encode(await page.textContent("#file-text") ?? ""),
      bigFileBytes(text),
      text.path,
    );
  } finally {
    await context.close();
    await proxy.close();
    await registry.stop();
  }
});
