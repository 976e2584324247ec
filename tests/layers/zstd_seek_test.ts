// zstd seek indexes over layers made by GNU tar and the real `zstd` CLI: a many-frame layer is
// read one file at a time from the frames that hold it, a single-frame layer (the CLI's default)
// is indexed but each file costs the whole layer, every file read equals GNU tar's extraction and
// a full stream, and wrong bytes or a wrong seek table are typed errors, never wrong bytes.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../harness.ts";
import { buildZstdLayers, seekableZstd } from "./_zstd.ts";
import { freshDir, noisyBytes } from "./_layers.ts";
import { writeLayout } from "./_images.ts";
import { push, startRegistry, tempDir } from "../adapters/_registry.ts";
import { main } from "../../src/cli/main.ts";
import { digestOf } from "../../src/core/digest.ts";
import { mapStore } from "../adapters/_registry_tools.ts";
import { layerEntries } from "../../src/core/compression.ts";
import type { ContentProvider } from "../../src/core/content.ts";
import { DigestMismatchError, InvalidArgumentError } from "../../src/core/errors.ts";
import { readFile } from "../../src/core/image_file.ts";
import { layersFilesystem } from "../../src/core/image_layers.ts";
import {
  buildSeekIndex,
  decodeSeekIndex,
  encodeSeekIndex,
  indexedLayers,
  readIndexedEntry,
  type SeekIndex,
} from "../../src/core/seek_index.ts";
import { ZstdFrameWalker } from "../../src/core/zstd_frames.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import { pageDecompressors } from "../../src/explorer/layer_stream.ts";
import type { Descriptor } from "../../src/core/types.ts";

const _MEDIA = "application/vnd.oci.image.layer.v1.tar+zstd";
let _built: ReturnType<typeof buildZstdLayers> | undefined;
const built = () => (_built ??= buildZstdLayers());

/** Counts a provider's reads and their bytes. */
function counting(content: ContentProvider) {
  const reads: { offset?: number; length?: number; bytes: number }[] = [];
  const counted: ContentProvider = {
    info: (digest, options) => content.info(digest, options),
    async read(descriptor, options) {
      const bytes = await content.read(descriptor, options);
      reads.push({ offset: options?.offset, length: options?.length, bytes: bytes.length });
      return bytes;
    },
  };
  return { content: counted, reads };
}

async function streamed(blob: Uint8Array): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const stream = new Blob([blob as Uint8Array<ArrayBuffer>]).stream();
  for await (const entry of layerEntries(stream, pageDecompressors)) {
    if (entry.type === "file") files.set(entry.path, await entry.bytes());
  }
  return files;
}

async function indexOf(
  blob: Uint8Array,
): Promise<{ layer: Descriptor; index: SeekIndex; source: ReturnType<typeof memorySource> }> {
  const source = memorySource();
  const layer = await source.addBlob(blob, _MEDIA);
  const index = (await buildSeekIndex(source.content, layer, {
    decompressors: pageDecompressors,
  }))!;
  return { layer, index, source };
}

test("zstd seek index: a layer of many frames (zstd CLI, a skippable frame among them) has one entry point per frame; each file is one ranged read of the frames that hold it, equal to GNU tar's extraction and a full stream", async () => {
  const { root, framed, pieces, skippable } = built();
  const { layer, index, source } = await indexOf(framed);
  assertEquals(index.compression, "zstd");
  // Every data frame, in order, where the CLI wrote it; the skippable frame is passed over.
  let offset = 0;
  let out = 0;
  const expected = pieces.map((p, k) => {
    const frame = { offset, length: p.frame.length, out, size: p.size };
    offset += p.frame.length + (k === 0 ? skippable.length : 0);
    out += p.size;
    return frame;
  });
  assertEquals(index.frames, expected);
  assert(pieces.length > 15, `${pieces.length} frames`);
  const full = await streamed(framed);
  const files = index.entries.filter((e) => e.type === "file");
  assertEquals(files.length, 61);
  let spanning = 0;
  for (const entry of files) {
    const { content, reads } = counting(source.content);
    const bytes = await readIndexedEntry(
      content,
      layer,
      index,
      entry,
      undefined,
      undefined,
      pageDecompressors,
    );
    assertEquals(bytes, new Uint8Array(readFileSync(join(root, entry.path))), entry.path);
    assertEquals(bytes, full.get(entry.path), entry.path);
    if (entry.size === 0) {
      assertEquals(reads, [], entry.path);
      continue;
    }
    // One read: from the frame holding the first byte through the one holding the last.
    const first = expected.findLast((f) => f.out <= entry.offset)!;
    const last = expected.findLast((f) => f.out < entry.offset + entry.size)!;
    const length = last.offset + last.length - first.offset;
    assertEquals(reads, [{ offset: first.offset, length, bytes: length }], entry.path);
    if (last !== first) spanning++;
  }
  assert(spanning >= 6, `${spanning} files span several frames`);
  // Kept and read back only for its own layer.
  const doc = encodeSeekIndex(index);
  assertEquals(decodeSeekIndex(doc, layer), index);
  assertEquals(decodeSeekIndex(doc, { ...layer, digest: `sha256:${"0".repeat(64)}` }), undefined);
  // A reader from before zstd indexes looked for `checkpoints`: a zstd document has none.
  assertEquals(JSON.parse(new TextDecoder().decode(doc)).checkpoints, undefined);
});

test("zstd seek index: a single-frame layer (the zstd CLI's default) records one frame: it is not seekable below the whole layer, and one file costs one read of all of it", async () => {
  const { root, single, tar } = built();
  const { layer, index, source } = await indexOf(single);
  assertEquals(index.frames, [{ offset: 0, length: single.length, out: 0, size: tar.length }]);
  for (const path of ["d/f1", "d/f43"]) {
    const entry = index.entries.find((e) => e.path === path)!;
    const { content, reads } = counting(source.content);
    const bytes = await readIndexedEntry(
      content,
      layer,
      index,
      entry,
      undefined,
      undefined,
      pageDecompressors,
    );
    assertEquals(bytes, new Uint8Array(readFileSync(join(root, path))), path);
    assertEquals(reads, [{ offset: 0, length: layer.size, bytes: layer.size }], path);
  }
});

test("zstd seek index: through indexedLayers the listing is kept in the blob cache; later a file is one ranged read, checked against its SHA-256 (a changed byte is DigestMismatchError or a typed decode error, never wrong bytes)", async () => {
  const { root, framed } = built();
  const source = memorySource();
  const layer = await source.addBlob(framed, _MEDIA);
  const store = mapStore();
  const options = { decompressors: pageDecompressors, store };
  const first = counting(source.content);
  const listed = await layersFilesystem(indexedLayers(first.content, { layers: [layer] }, options));
  assertEquals(listed.filter((e) => e.type === "file").length, 61);
  assertEquals(first.reads.reduce((n, r) => n + r.bytes, 0), layer.size);
  assertEquals(store.entries.size, 1);

  const later = counting(source.content);
  const layers = indexedLayers(later.content, { layers: [layer] }, options);
  const read = (path: string) =>
    readFile(later.content, { layers: [layer] }, path, {
      decompressors: pageDecompressors,
      layers,
      layerReader: layers.reader,
    });
  assertEquals(await read("d/f13"), new Uint8Array(readFileSync(join(root, "d/f13"))));
  assertEquals(later.reads.length, 1);
  assert(later.reads[0].bytes < layer.size / 4, `${later.reads[0].bytes} of ${layer.size} B`);

  // A byte of the frames holding d/f13 changed after indexing.
  const index = decodeSeekIndex([...store.entries.values()][0], layer)!;
  const entry = index.entries.find((e) => e.path === "d/f13")!;
  const frame = index.frames!.findLast((f) => f.out <= entry.offset)!;
  // A changed byte may land in output outside the file (a frame holds more than the file): then
  // the file's own bytes come back; otherwise a typed error. Never other bytes.
  const expected = new Uint8Array(readFileSync(join(root, "d/f13")));
  for (const at of [frame.offset + 20, frame.offset + frame.length - 10]) {
    const tampered = framed.slice();
    tampered[at] ^= 0x40;
    source.putRaw(layer.digest, tampered);
    const result = await read("d/f13").catch((error) => error);
    if (result instanceof Uint8Array) assertEquals(result, expected);
    else {
      assert(
        result instanceof DigestMismatchError || result instanceof InvalidArgumentError,
        String(result),
      );
    }
  }
  source.putRaw(layer.digest, framed);
  assertEquals(await read("d/f13"), new Uint8Array(readFileSync(join(root, "d/f13"))));
});

test("zstd seek index: a file stored in a raw block (incompressible) with a byte changed after indexing is DigestMismatchError naming its SHA-256", async () => {
  const data = randomBytes(40_000);
  const root = freshDir("zstd-raw-");
  writeFileSync(join(root, "r"), data);
  execFileSync("tar", ["--format=gnu", "-C", root, "-cf", join(root, "l.tar"), "r"]);
  execFileSync("zstd", ["-q", join(root, "l.tar"), "-o", join(root, "l.zst")]);
  const blob = new Uint8Array(readFileSync(join(root, "l.zst")));
  const { layer, index, source } = await indexOf(blob);
  const at = Buffer.from(blob).indexOf(data.subarray(5000, 5032));
  assert(at > 0, "the file's bytes are stored as they are");
  const tampered = blob.slice();
  tampered[at] ^= 1;
  source.putRaw(layer.digest, tampered);
  const entry = index.entries.find((e) => e.path === "r")!;
  const error = await assertRejects(
    () =>
      readIndexedEntry(
        source.content,
        layer,
        index,
        entry,
        undefined,
        undefined,
        pageDecompressors,
      ),
    DigestMismatchError,
  );
  assertEquals(error.expected, await digestOf(data));
});

test("zstd seek index: bytes that are not zstd frames are InvalidArgumentError from the walker", () => {
  const walker = new ZstdFrameWalker("test");
  assertThrows(() => walker.push(new Uint8Array([1, 2, 3, 4])), InvalidArgumentError);
  // A frame cut short: the input ends inside it.
  const cut = new ZstdFrameWalker("test");
  const { single } = built();
  assertEquals(cut.push(single.subarray(0, 100)), { used: 100 });
  assertThrows(() => cut.finish(), InvalidArgumentError);
  // Byte by byte, the walker finds the same frame as in one push.
  const slow = new ZstdFrameWalker("test");
  let found: ReturnType<ZstdFrameWalker["push"]>["frame"] = undefined;
  for (let i = 0; i < single.length && !found; i++) {
    found = slow.push(single.subarray(i, i + 1)).frame;
  }
  assertEquals(found, new ZstdFrameWalker("test").push(single).frame);
  assertEquals(found?.length, single.length);
});

test("zstd seek index: a seekable-format layer (frames by the zstd CLI, the seek table written by the format's rules) is indexed with the table's frames, read from the verified full read: no extra request", async () => {
  const { root, pieces } = built();
  const { blob, tableAt } = seekableZstd(pieces);
  const source = memorySource();
  const layer = await source.addBlob(blob, _MEDIA);
  const { content, reads } = counting(source.content);
  const index = (await buildSeekIndex(content, layer, { decompressors: pageDecompressors }))!;
  assertEquals(reads.reduce((n, r) => n + r.bytes, 0), layer.size);
  assertEquals(index.seekTable, true);
  assertEquals(index.frames?.length, pieces.length);
  const last = index.frames!.at(-1)!;
  assertEquals(last.offset + last.length, tableAt);
  const full = await streamed(blob);
  for (const entry of index.entries.filter((e) => e.type === "file")) {
    const bytes = await readIndexedEntry(
      source.content,
      layer,
      index,
      entry,
      undefined,
      undefined,
      pageDecompressors,
    );
    assertEquals(bytes, new Uint8Array(readFileSync(join(root, entry.path))), entry.path);
    assertEquals(bytes, full.get(entry.path), entry.path);
  }
  assertEquals(decodeSeekIndex(encodeSeekIndex(index), layer), index);
  // Without the table the same frames are found by walking them.
  const walked = await indexOf(blob.subarray(0, tableAt));
  assertEquals(walked.index.frames, index.frames);
  assertEquals(walked.index.seekTable, undefined);
});

test("zstd seek index: a seek table that disagrees with the frames (sizes shifted, a size or count wrong, reserved bits set) is InvalidArgumentError and no index is kept", async () => {
  const { pieces } = built();
  const { blob, tableAt } = seekableZstd(pieces);
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset);
  const changes: Record<string, (table: DataView, end: number) => void> = {
    // Compressed sizes of frames 2 and 3 moved by one byte: the sum still adds up.
    "shifted boundary": (t) => {
      t.setUint32(8 + 2 * 8, t.getUint32(8 + 2 * 8, true) + 1, true);
      t.setUint32(8 + 3 * 8, t.getUint32(8 + 3 * 8, true) - 1, true);
    },
    "decompressed size": (t) => t.setUint32(12 + 5 * 8, t.getUint32(12 + 5 * 8, true) + 1, true),
    "frame count": (t, end) => t.setUint32(end - 9, pieces.length + 1, true),
    "reserved bits": (t, end) => t.setUint8(end - 5, 0x04),
    "skippable frame size": (t) => t.setUint32(4, t.getUint32(4, true) - 8, true),
  };
  for (const [what, change] of Object.entries(changes)) {
    const bad = blob.slice();
    change(view(bad.subarray(tableAt)), bad.length - tableAt);
    const source = memorySource();
    // Added as it is: the digest is of the bad bytes, so only the table's own rules catch it.
    const layer = await source.addBlob(bad, _MEDIA);
    const store = mapStore();
    const layers = indexedLayers(source.content, { layers: [layer] }, {
      decompressors: pageDecompressors,
      store,
    });
    await assertRejects(() => layersFilesystem(layers), InvalidArgumentError, undefined, what);
    assertEquals(store.entries.size, 0, what);
  }
});

test("zstd seek index: ocistore files and cat over a registry warn of a single-frame zstd layer over 4 MiB (each file read costs all of it), not of a many-frame one; cat still prints the file", async () => {
  const root = freshDir("zstd-big-");
  writeFileSync(join(root, "big"), noisyBytes(10 * 1024 * 1024, 9));
  writeFileSync(join(root, "small"), "small\n");
  const work = freshDir("zstd-big-layer-");
  execFileSync("tar", ["--format=gnu", "-C", root, "-cf", join(work, "l.tar"), "big", "small"]);
  execFileSync("zstd", ["-q", join(work, "l.tar"), "-o", join(work, "l.zst")]);
  const tar = new Uint8Array(readFileSync(join(work, "l.tar")));
  const layout = join(work, "layout");
  const { layers: [single, framed] } = await writeLayout(layout, "t", [
    {
      bytes: new Uint8Array(readFileSync(join(work, "l.zst"))),
      mediaType: _MEDIA,
      diffId: await digestOf(tar),
    },
    { bytes: built().framed, mediaType: _MEDIA, diffId: await digestOf(built().tar) },
  ]);
  assert(single.size > 4 * 1024 * 1024, `${single.size} B`);
  const registry = await startRegistry("anonymous", tempDir("zstd-registry-"));
  try {
    await push(`oci:${layout}:t`, registry.host, "zstd/big:1");
    const flags = ["--plain-http", "--cache-dir", tempDir("zstd-cache-")];
    const source = `docker://${registry.host}/zstd/big:1`;
    const image = `${registry.host}/zstd/big:1`;
    for (const argv of [["files", source, image], ["cat", source, image, "small"]]) {
      const run = await cli([...argv, ...flags]);
      assertEquals(run.code, 0, run.stderr);
      const warnings = run.stderr.split("\n").filter((line) => line.includes("warning"));
      assertEquals(warnings.length, 1, run.stderr);
      assert(warnings[0].includes(single.digest) && warnings[0].includes(String(single.size)));
      assert(!run.stderr.includes(framed.digest), run.stderr);
    }
    assertEquals((await cli(["cat", source, image, "small", ...flags])).stdout, "small\n");
  } finally {
    await registry.stop();
  }
});

async function cli(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    isTTY: false,
    host: { os: "linux", architecture: "amd64" },
  });
  return { code, stdout, stderr };
}
