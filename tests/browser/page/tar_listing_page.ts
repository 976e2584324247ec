// The explorer's streaming tar reader and layer decompression, in the page's real streams.
import { assertEquals, assertRejects } from "@std/assert";
import { chunked } from "../../_chunked.ts";
import { InvalidArgumentError } from "../../../src/core/errors.ts";
import { test } from "../../harness.ts";
import { formatMode, listTar } from "../../../src/explorer/tar_listing.ts";
import { layerTarStream } from "../../../src/explorer/layer_stream.ts";
import { compressionOf } from "../../../src/core/compression.ts";

/** A ustar header block (with checksum) followed by the data, padded. */
function entry(
  name: string,
  options: { type?: string; data?: string; link?: string; mode?: number; size?: number } = {},
): Uint8Array {
  const encoder = new TextEncoder();
  const data = encoder.encode(options.data ?? "");
  const block = new Uint8Array(512);
  const put = (text: string, at: number) => block.set(encoder.encode(text), at);
  put(name, 0);
  put((options.mode ?? 0o644).toString(8).padStart(7, "0"), 100);
  put("0000000", 108);
  put("0000000", 116);
  put((options.size ?? data.length).toString(8).padStart(11, "0"), 124);
  put("00000000000", 136);
  put(options.type ?? "0", 156);
  if (options.link) put(options.link, 157);
  put("ustar\u000000", 257);
  block.fill(32, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\u0000 ", 148);
  const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  return concat([block, padded]);
}

function pax(records: Record<string, string>): Uint8Array {
  const body = Object.entries(records).map(([k, v]) => {
    const rest = ` ${k}=${v}\n`;
    let length = rest.length + 1;
    while (String(length).length + rest.length !== length) length++;
    return `${length}${rest}`;
  }).join("");
  return entry("PaxHeaders/x", { type: "x", data: body });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const archive = () =>
  concat([
    entry("bin/", { type: "5", mode: 0o755 }),
    entry("bin/sh", { data: "#!/bin/sh\n", mode: 0o4755 }),
    entry("bin/ash", { type: "2", link: "sh", mode: 0o777 }),
    entry("bin/hard", { type: "1", link: "bin/sh" }),
    pax({ path: "a/very/long/".repeat(12) + "name.txt", size: "3" }),
    entry("ignored", { data: "abc" }),
    new Uint8Array(1024),
  ]);

test("tar listing: names, types, sizes, modes and link targets, PAX included, across chunk borders", async () => {
  const { entries, truncated } = await listTar(chunked(archive(), 77));
  assertEquals(truncated, false);
  assertEquals(entries.map((e) => [e.path, e.type, e.size, e.link]), [
    ["bin", "dir", 0, undefined],
    ["bin/sh", "file", 10, undefined],
    ["bin/ash", "symlink", 0, "sh"],
    ["bin/hard", "hardlink", 0, "bin/sh"],
    ["a/very/long/".repeat(12) + "name.txt", "file", 3, undefined],
  ]);
  assertEquals(entries.map(formatMode), [
    "drwxr-xr-x",
    "-rwsr-xr-x",
    "lrwxrwxrwx",
    "hrw-r--r--",
    "-rw-r--r--",
  ]);
});

test("tar listing: stops at the limit and says so", async () => {
  const listing = await listTar(chunked(archive()), { limit: 2 });
  assertEquals(listing.entries.length, 2);
  assertEquals(listing.truncated, true);
});

test("tar listing: bytes that are not tar are refused", async () => {
  await assertRejects(
    () => listTar(chunked(new TextEncoder().encode("x".repeat(2048)))),
    InvalidArgumentError,
    "not a tar archive",
  );
});

test("layer stream: gzip is decompressed with DecompressionStream, plain tar passes", async () => {
  const tar = archive();
  const gzipped = new Uint8Array(
    await new Response(
      chunked(tar).pipeThrough(
        new CompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
      ),
    ).arrayBuffer(),
  );
  assertEquals(compressionOf(gzipped), "gzip");
  assertEquals((await listTar(await layerTarStream(chunked(gzipped, 3)))).entries.length, 5);
  assertEquals((await listTar(await layerTarStream(chunked(tar, 1)))).entries.length, 5);
});
