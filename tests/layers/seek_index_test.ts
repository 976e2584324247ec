// Seek indexes over a 5,000-file layer made by GNU tar and GNU gzip: every file read through the
// index equals GNU tar's extraction and a full stream; over a loopback registry, after the first
// listing, one file is one ranged request of the span the index names.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import { gunzipSync, gzipSync } from "node:zlib";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "../harness.ts";
import { freshDir, layerFileEntries, noisyBytes as content } from "./_layers.ts";
import { layoutImage, writeLayout } from "./_images.ts";
import { mapStore } from "../adapters/_registry_tools.ts";
import { tarBytes } from "../adapters/_tar_builder.ts";
import { push, startRegistry, tempDir } from "../adapters/_registry.ts";
import { startFaultProxy } from "../adapters/_fault_proxy.ts";
import { main } from "../../src/cli/main.ts";
import { digestOf } from "../../src/core/digest.ts";
import { DigestMismatchError } from "../../src/core/errors.ts";
import { readFile } from "../../src/core/image_file.ts";
import { imageLayers, layersFilesystem } from "../../src/core/image_layers.ts";
import {
  buildSeekIndex,
  decodeSeekIndex,
  encodeSeekIndex,
  indexedLayers,
  readIndexedEntry,
  SEEK_INDEX_MARK_SPACING,
  SEEK_INDEX_SPACING,
} from "../../src/core/seek_index.ts";
import { Inflater } from "../../src/core/inflate.ts";
import { joinBytes } from "../../src/core/estargz.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import { pageDecompressors } from "../../src/explorer/layer_stream.ts";
import type { Descriptor } from "../../src/core/types.ts";

const _FILES = 5000;

/** A GNU tar + gzip -6 layer of 5,000 files (a few of several MiB) in a hand-made OCI layout. */
async function buildLayout(): Promise<{ layout: string; root: string; layer: Descriptor }> {
  const root = freshDir("seek-tree-");
  for (let i = 0; i < _FILES; i++) {
    const dir = join(root, `d${String(i % 50).padStart(2, "0")}`);
    if (i < 50) mkdirSync(dir);
    const size = i % 1000 === 7 ? 5 * 1024 * 1024 + i : (i * 7919) % 3000;
    writeFileSync(join(dir, `f${i}`), content(size, i));
  }
  const work = freshDir("seek-layer-");
  execFileSync("tar", [
    "--format=pax",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--sort=name",
    "-C",
    root,
    "-cf",
    join(work, "layer.tar"),
    ".",
  ]);
  const tar = readFileSync(join(work, "layer.tar"));
  const gz = new Uint8Array(execFileSync("gzip", ["-c", "-6", join(work, "layer.tar")], {
    maxBuffer: 1 << 28,
  }));
  const layout = join(work, "layout");
  const { layers: [layer] } = await writeLayout(layout, "t", [{
    bytes: gz,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    diffId: await digestOf(new Uint8Array(tar)),
  }]);
  return { layout, root, layer };
}

let _built: ReturnType<typeof buildLayout> | undefined;
const built = () => (_built ??= buildLayout());

test(
  "seek index: every file of a 5,000-file GNU tar+gzip layer read through it equals GNU tar's extraction and a full stream",
  async () => {
    const { layout, root, layer } = await built();
    const { content } = await layoutImage(layout, "t");
    // Checkpoints closer than the default, so most files are read from one inside the stream.
    const index = (await buildSeekIndex(content, layer, { spacing: 256 * 1024 }))!;
    assertEquals(index.compression, "gzip");
    const files = index.entries.filter((e) => e.type === "file");
    assertEquals(files.length, _FILES);
    assert(index.checkpoints.length > 40, `${index.checkpoints.length} checkpoints`);
    const streamed = new Map<string, Uint8Array>();
    for await (const entry of layerFileEntries(join(layout, "blobs", ...layer.digest.split(":")))) {
      if (entry.type === "file") streamed.set(entry.path, await entry.bytes());
    }
    for (const entry of files) {
      const bytes = await readIndexedEntry(content, layer, index, entry);
      assertEquals(bytes, new Uint8Array(readFileSync(join(root, entry.path))), entry.path);
      assertEquals(bytes, streamed.get(entry.path), entry.path);
    }
    // The kept document comes back only for its own layer.
    const doc = encodeSeekIndex(index);
    assertEquals(decodeSeekIndex(doc, layer), index);
    assertEquals(decodeSeekIndex(doc, { ...layer, digest: `sha256:${"0".repeat(64)}` }), undefined);
    assertEquals(decodeSeekIndex(doc, { ...layer, size: layer.size + 1 }), undefined);
    // A stall stop, not a verdict: 5,000 ranged reads took 31-42 s on Deno and Bun, and over 60 s on
    // Node, at load 8-18 on 2 cores.
  },
  { timeout: 240_000 },
);

test(
  "seek index: a file's span ends at the first block start past it, and each mark is a block start",
  async () => {
    const { layout, layer } = await built();
    const { content } = await layoutImage(layout, "t");
    const gz = new Uint8Array(readFileSync(join(layout, "blobs", ...layer.digest.split(":"))));
    const tar = new Uint8Array(gunzipSync(gz));
    const index = (await buildSeekIndex(content, layer, { spacing: 1024 * 1024 }))!;
    const marks = index.marks!;
    assert(marks.length > 10 * index.checkpoints.length, `${marks.length} marks`);
    // Marks fall between checkpoints, at least the mark spacing after the block start before them.
    const starts = [...index.checkpoints, ...marks].sort((a, b) => a.out - b.out);
    for (let i = 1; i < starts.length; i++) {
      if (marks.includes(starts[i])) {
        assert(starts[i].out - starts[i - 1].out >= SEEK_INDEX_MARK_SPACING, `mark ${i}`);
      }
    }
    // A mark is a block start: given the 32 KiB before it, inflating from its bit gives the tar's
    // bytes from its offset (1 MiB of input: a block over noise can hold more than 64 KiB).
    const resumesAt = (mark: { bit: number; out: number }) => {
      const history = tar.subarray(Math.max(0, mark.out - 32768), mark.out);
      const from = Math.floor(mark.bit / 8);
      const out = new Inflater({ resume: { ...mark, history } }).push(
        gz.subarray(from, from + 1024 * 1024),
      );
      const bytes = joinBytes(...out);
      assert(bytes.length > 0, `nothing inflated from mark at bit ${mark.bit}`);
      assertEquals(bytes, tar.subarray(mark.out, mark.out + bytes.length), `mark at ${mark.out}`);
    };
    for (const mark of marks) resumesAt(mark);

    const asked: { offset: number; length: number }[] = [];
    const counted: typeof content = {
      ...content,
      read(descriptor, options) {
        if (options?.offset !== undefined) {
          asked.push({ offset: options.offset, length: options.length! });
        }
        return content.read(descriptor, options);
      },
    };
    let endsAtMark = 0;
    // Every file is read through the index by the test above; here the big ones and every 20th.
    const files = index.entries.filter((e) => e.type === "file");
    for (const entry of files.filter((e, i) => i % 20 === 0 || e.size > 65536)) {
      asked.length = 0;
      const bytes = await readIndexedEntry(counted, layer, index, entry);
      assertEquals(bytes, tar.subarray(entry.offset, entry.offset + entry.size), entry.path);
      assertEquals(asked.length, 1, entry.path);
      const end = asked[0].offset + asked[0].length;
      const fileEnd = entry.offset + entry.size;
      if (end === layer.size) {
        assert(!starts.some((c) => c.out >= fileEnd && Math.ceil(c.bit / 8) + 2048 < layer.size));
        continue;
      }
      // The span's end is a block start's byte (plus the inflater's margin), at or past the file's
      // end, and the block start before it is before the file's end.
      const at = starts.findIndex((c) => Math.ceil(c.bit / 8) + 2048 === end);
      assert(at > 0, `${entry.path}: the span ends at no block start`);
      assert(starts[at].out >= fileEnd && starts[at - 1].out < fileEnd, entry.path);
      if (marks.includes(starts[at])) endsAtMark++;
    }
    assert(endsAtMark > 200, `${endsAtMark} spans end at a mark`);
  },
  { timeout: 240_000 },
);

test("seek index: a layer whose bytes do not match its digest gets no index", async () => {
  const source = memorySource();
  const layer = await source.addBlob(
    new Uint8Array(2048),
    "application/vnd.oci.image.layer.v1.tar",
  );
  source.putRaw(layer.digest, new Uint8Array(2048).fill(1, 1500));
  const store = mapStore();
  const layers = indexedLayers(source.content, { layers: [layer] }, {
    decompressors: pageDecompressors,
    store,
  });
  await assertRejects(() => layersFilesystem(layers), DigestMismatchError);
  assertEquals(store.entries.size, 0);
});

test("seek index: a single-frame zstd layer is indexed with its one frame and lists as a full stream does", async () => {
  const root = freshDir("seek-zstd-");
  writeFileSync(join(root, "a"), "alpha\n");
  writeFileSync(join(root, "b"), content(100_000, 3));
  execFileSync("tar", ["--format=pax", "-C", root, "-cf", join(root, "layer.tar"), "a", "b"]);
  execFileSync("zstd", ["-q", join(root, "layer.tar"), "-o", join(root, "layer.zst")]);
  const zst = new Uint8Array(readFileSync(join(root, "layer.zst")));
  const source = memorySource();
  const layer = await source.addBlob(zst, "application/vnd.oci.image.layer.v1.tar+zstd");
  const store = mapStore();
  const options = { decompressors: pageDecompressors };
  const layers = indexedLayers(source.content, { layers: [layer] }, { ...options, store });
  const listed = await layersFilesystem(layers);
  assertEquals(
    listed,
    await layersFilesystem(imageLayers(source.content, { layers: [layer] }, options)),
  );
  assertEquals(listed.map((e) => e.path), ["a", "b"]);
  const index = decodeSeekIndex([...store.entries.values()][0], layer)!;
  assertEquals(index.frames?.map((f) => [f.offset, f.length]), [[0, zst.length]]);
  assertEquals(await layers.index(0), index);
});

test("seek index: after the first listing, one file over a loopback registry is one ranged request of at most 8 MiB", async () => {
  const { layout, root, layer } = await built();
  const registry = await startRegistry("anonymous", tempDir("seek-registry-"));
  try {
    await push(`oci:${layout}:t`, registry.host, "seek/layer:1");
    const { manifest } = await layoutImage(layout, "t");
    const sent: { range: string | null; bytes: number }[] = [];
    const counted: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes("/blobs/")) {
        const body = new Uint8Array(await response.arrayBuffer());
        sent.push({ range: new Headers(init?.headers).get("range"), bytes: body.length });
        return new Response(body, { status: response.status, headers: response.headers });
      }
      return response;
    };
    const open = () =>
      openRegistry(`${registry.host}/seek/layer:1`, { plainHttp: true, fetch: counted });
    const store = mapStore();
    const first = await open();
    const listed = await layersFilesystem(
      indexedLayers(first.content, manifest, { decompressors: pageDecompressors, store }),
    );
    assertEquals(listed.filter((e) => e.type === "file").length, _FILES);
    assertEquals(sent.reduce((n, s) => n + s.bytes, 0), layer.size);
    const [kept] = store.entries.values();
    // 3.8%: about 1.4% in checkpoints (32 KiB of base64 history per 4 MiB of output), 0.9% in the
    // files' SHA-256 (44 B each), the rest entries.
    assert(kept.length < layer.size / 25, `index ${kept.length} B for a ${layer.size} B layer`);

    // A later run: the index comes from the cache, the listing from the index.
    const later = indexedLayers((await open()).content, manifest, {
      decompressors: pageDecompressors,
      store,
    });
    const index = decodeSeekIndex(kept, layer)!;
    for (const path of ["d07/f1007", "d13/f13", "d07/f4007"]) {
      sent.length = 0;
      const bytes = await readFile(first.content, manifest, path, {
        decompressors: pageDecompressors,
        layers: later,
        layerReader: later.reader,
      });
      assertEquals(bytes, new Uint8Array(readFileSync(join(root, path))), path);
      assert(sent.length <= 2, `${sent.length} requests for ${path}`);
      const entry = index.entries.find((e) => e.path === path)!;
      const from = index.checkpoints.findLast((c) => c.out <= entry.offset);
      const to = [...index.checkpoints, ...index.marks!].sort((a, b) => a.out - b.out)
        .find((c) => c.out >= entry.offset + entry.size);
      const start = from ? Math.floor(from.bit / 8) : 0;
      const end = to ? Math.min(layer.size, Math.ceil(to.bit / 8) + 2048) : layer.size;
      assertEquals(sent, [{ range: `bytes=${start}-${end - 1}`, bytes: end - start }], path);
      assert(
        end - start <= 4 * 1024 * 1024 + entry.size + 65536 * 2,
        `${end - start} B for ${path}`,
      );
      if (entry.size < SEEK_INDEX_SPACING) assert(end - start <= 8 * 1024 * 1024);
    }
  } finally {
    await registry.stop();
  }
});

test("seek index: ocistore files then cat over a registry: the second cat costs one blob request, the second files none", async () => {
  const { layout, root, layer } = await built();
  const registry = await startRegistry("anonymous", tempDir("seek-cli-registry-"));
  const proxy = await startFaultProxy(registry.url);
  try {
    await push(`oci:${layout}:t`, registry.host, "seek/cli:1");
    const cacheDir = tempDir("seek-cli-cache-");
    const source = `docker://${proxy.host}/seek/cli:1`;
    const image = `${proxy.host}/seek/cli:1`;
    const flags = ["--plain-http", "--cache-dir", cacheDir];
    const layerGets = (from: number) =>
      proxy.seen.slice(from).filter((s) => s.path.endsWith(`/blobs/${layer.digest}`));
    const files = await cli(["files", source, image, "d13", ...flags]);
    assertEquals(files.code, 0, files.stderr);
    assertEquals(files.stdout.trim().split("\n").length, 1 + 1 + _FILES / 50);
    assertEquals(layerGets(0).length, 1);
    let start = proxy.seen.length;
    assertEquals(await cli(["files", source, image, "d13", ...flags]), files);
    assertEquals(layerGets(start), []);
    for (const path of ["d07/f4007", "d13/f13"]) {
      start = proxy.seen.length;
      const cat = await cli(["cat", source, image, path, "-o", "json", ...flags]);
      assertEquals(cat.code, 0, cat.stderr);
      const expected = new Uint8Array(readFileSync(join(root, path)));
      assertEquals(JSON.parse(cat.stdout).size, expected.length);
      assertEquals(
        Uint8Array.from(atob(JSON.parse(cat.stdout).base64), (c) => c.charCodeAt(0)),
        expected,
      );
      assertEquals(layerGets(start).map((s) => s.method), ["GET"], path);
    }
  } finally {
    await proxy.close();
    await registry.stop();
  }
});

for (const compression of ["none", "gzip -0"] as const) {
  test(`seek index (${compression}): a ranged read is checked against the file's SHA-256 from the verified full read; a byte changed after indexing gives DigestMismatchError and nothing kept changes`, async () => {
    const files = { a: content(1000, 1), b: content(20_000, 2), c: new Uint8Array(0) };
    const tar = tarBytes(Object.entries(files).map(([name, data]) => ({ name, data })));
    const blob = compression === "none" ? tar : new Uint8Array(gzipSync(tar, { level: 0 }));
    const source = memorySource();
    const mediaType = `application/vnd.oci.image.layer.v1.tar${
      compression === "none" ? "" : "+gzip"
    }`;
    const layer = await source.addBlob(blob, mediaType);
    const store = mapStore();
    const options = { decompressors: pageDecompressors, store };
    await layersFilesystem(indexedLayers(source.content, { layers: [layer] }, options));
    const [kept] = store.entries.values();
    const index = decodeSeekIndex(kept, layer)!;
    for (const [name, data] of Object.entries(files)) {
      assertEquals(index.entries.find((e) => e.path === name)?.digest, await digestOf(data), name);
    }
    // A v1 (no digests) or v2 (no block marks) document is refused: the index is built again.
    for (const old of ["v1", "v2"]) {
      const doc = new TextDecoder().decode(kept).replace("seek-index.v3", `seek-index.${old}`);
      assertEquals(decodeSeekIndex(new TextEncoder().encode(doc), layer), undefined, old);
    }

    // Stored blocks (gzip -0) keep b's bytes as they are: flip one inside them.
    const at = Buffer.from(blob).indexOf(Buffer.from(files.b.subarray(5000, 5032)));
    assert(at > 0);
    const tampered = blob.slice();
    tampered[at + 7] ^= 1;
    source.putRaw(layer.digest, tampered);
    const later = indexedLayers(source.content, { layers: [layer] }, options);
    const read = (path: string) =>
      readFile(source.content, { layers: [layer] }, path, {
        decompressors: pageDecompressors,
        layers: later,
        layerReader: later.reader,
      });
    await layersFilesystem(later);
    const error = await assertRejects(() => read("b"), DigestMismatchError);
    const expected = await digestOf(files.b);
    assertEquals(error.expected, expected);
    assert(error.message.includes(`"b"`) && error.message.includes(expected), error.message);
    const changed = files.b.slice();
    changed[5007] ^= 1;
    assertEquals(error.actual, await digestOf(changed));
    assertEquals(await read("a"), files.a);
    assertEquals([...store.entries.values()], [kept]);
    source.putRaw(layer.digest, blob);
    assertEquals(await read("b"), files.b);
  });
}

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
