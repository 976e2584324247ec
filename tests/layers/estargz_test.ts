// eStargz layers built by the spec's footer rules (tests/layers/_estargz.ts): listed from their
// TOC with at most two ranged reads, every file read back from its verified chunks; a TOC or a
// chunk that does not match its digest is refused; a layer without the annotation is read whole.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { test } from "../harness.ts";
import { freshDir, noisyBytes } from "./_layers.ts";
import { layoutImage, writeLayout } from "./_images.ts";
import { buildEstargz, estargzFooter, type EstargzSpec, sha256 } from "./_estargz.ts";
import { mapStore } from "../adapters/_registry_tools.ts";
import { push, startRegistry, tempDir } from "../adapters/_registry.ts";
import { startFaultProxy } from "../adapters/_fault_proxy.ts";
import { runCli } from "../cli/_in_process.ts";
import {
  ESTARGZ_TOC_DIGEST,
  estargzTocOffset,
  readEstargzEntry,
  readEstargzToc,
} from "../../src/core/estargz.ts";
import { decodeSeekIndex, indexedLayers } from "../../src/core/seek_index.ts";
import { layersFilesystem } from "../../src/core/image_layers.ts";
import { readFile } from "../../src/core/image_file.ts";
import { tarEntries } from "../../src/core/tar_entries.ts";
import { DigestMismatchError, InvalidArgumentError } from "../../src/core/errors.ts";
import type { ContentProvider } from "../../src/core/content.ts";
import type { Descriptor } from "../../src/core/types.ts";
import { memorySource } from "../../src/adapters/memory.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { pageDecompressors } from "../../src/explorer/layer_stream.ts";

const _GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

/** A small tree: directories, links, an empty file, a stored (level 0) file, big chunked files. */
function specs(files = 40): EstargzSpec[] {
  const out: EstargzSpec[] = [
    { name: "./etc/", type: "dir" },
    { name: "./etc/hostname", data: new TextEncoder().encode("estargz\n") },
    { name: "./etc/empty", data: new Uint8Array(0) },
    { name: "./etc/stored", data: noisyBytes(3000, 1), level: 0 },
    { name: "./bin/", type: "dir" },
    { name: "./bin/big", data: noisyBytes(300_000, 2) },
    { name: "./bin/link", type: "symlink", link: "big" },
    { name: "./bin/hard", type: "hardlink", link: "./bin/big" },
    { name: "./data/", type: "dir" },
  ];
  for (let i = 0; i < files; i++) {
    out.push({ name: `./data/f${i}`, data: noisyBytes((i * 7919) % 5000 + 1, 10 + i) });
  }
  return out;
}

const clean = (name: string) => name.split("/").filter((s) => s !== "" && s !== ".").join("/");

/** Counts a provider's reads and their bytes. */
function counting(content: ContentProvider) {
  const reads: { offset?: number; length?: number; bytes: number }[] = [];
  const counted: ContentProvider = {
    info: (digest, options) => content.info(digest, options),
    read: async (descriptor, options) => {
      const bytes = await content.read(descriptor, options);
      reads.push({ offset: options?.offset, length: options?.length, bytes: bytes.length });
      return bytes;
    },
  };
  return { content: counted, reads };
}

async function served(blob: Uint8Array, annotations?: Record<string, string>) {
  const source = memorySource();
  const added = await source.addBlob(blob, _GZIP);
  const layer: Descriptor = annotations ? { ...added, annotations } : added;
  return { source, layer };
}

test("estargz: the built layer is a plain gzip of one tar whose last entry is stargz.index.json, and its footer names the TOC", async () => {
  const built = buildEstargz(specs(), { chunkSize: 64 * 1024 });
  assertEquals(new Uint8Array(gunzipSync(built.blob)), built.tar);
  const names: string[] = [];
  const stream = new Blob([built.tar.slice()]).stream();
  for await (const entry of tarEntries(stream)) names.push(entry.path);
  assertEquals(names.at(-1), "stargz.index.json");
  assertEquals(names[0], ".no.prefetch.landmark");
  assertEquals(estargzTocOffset(built.blob.subarray(-51)), built.tocOffset);
  assertEquals(estargzTocOffset(estargzFooter(0x1234_5678_9a)), 0x1234_5678_9a);
  // Each byte of the footer is part of the format: any change refuses it.
  for (const at of [0, 3, 10, 12, 14, 20, 32, 38, 45]) {
    const footer = built.blob.slice(-51);
    footer[at] ^= 0x40;
    assertEquals(estargzTocOffset(footer), undefined, `byte ${at}`);
  }
  assertEquals(built.members.get("./bin/big")!.length, 5);
});

test("estargz: the TOC is one tail read (two when it is bigger than the tail); every file read back equals its source, one read each", async () => {
  const entries = specs();
  const built = buildEstargz(entries);
  const { source, layer } = await served(built.blob, { [ESTARGZ_TOC_DIGEST]: built.tocDigest });
  const one = counting(source.content);
  const toc = (await readEstargzToc(one.content, layer))!;
  assertEquals(one.reads, [{ offset: 0, length: layer.size, bytes: layer.size }]);
  assertEquals(toc.toc, built.tocDigest);

  const small = counting(source.content);
  const tail = 256;
  assertEquals(await readEstargzToc(small.content, layer, { tail }), toc);
  assertEquals(small.reads, [
    { offset: layer.size - tail, length: tail, bytes: tail },
    {
      offset: built.tocOffset,
      length: layer.size - tail - built.tocOffset,
      bytes: layer.size - tail - built.tocOffset,
    },
  ]);

  // The landmark and the TOC are the format's own entries, not files of the layer.
  assertEquals(toc.entries.map((e) => e.name), entries.map((e) => e.name));
  const byPath = new Map(toc.entries.map((e) => [e.path, e]));
  assertEquals(byPath.get("bin/link")?.link, "big");
  assertEquals(byPath.get("bin/hard")?.link, "bin/big");
  assertEquals(byPath.get("etc")?.mode, 0o644);
  assertEquals(byPath.get("etc")?.type, "dir");
  assertEquals(byPath.get("bin/big")?.chunks?.length, 5);
  // An entry whose chunks do not cover it is refused: no zeros stand in for unverified bytes.
  const big = byPath.get("bin/big")!;
  await assertRejects(
    () => readEstargzEntry(source.content, layer, { ...big, chunks: big.chunks!.slice(1) }),
    InvalidArgumentError,
  );
  for (const spec of entries.filter((e) => (e.type ?? "reg") === "reg")) {
    const entry = byPath.get(clean(spec.name))!;
    const reads = counting(source.content);
    const bytes = await readEstargzEntry(reads.content, layer, entry);
    assertEquals(bytes, spec.data, spec.name);
    assertEquals(reads.reads.length, spec.data!.length > 0 ? 1 : 0, spec.name);
  }
});

test("estargz: a TOC that does not match the annotation is refused with DigestMismatchError, and nothing is kept", async () => {
  const built = buildEstargz(specs(5));
  const other = sha256(new TextEncoder().encode("another TOC"));
  const { source, layer } = await served(built.blob, { [ESTARGZ_TOC_DIGEST]: other });
  const error = await assertRejects(
    () => readEstargzToc(source.content, layer),
    DigestMismatchError,
  );
  assertEquals([error.expected, error.actual], [other, built.tocDigest]);
  const store = mapStore();
  const layers = indexedLayers(source.content, { layers: [layer] }, {
    decompressors: pageDecompressors,
    store,
  });
  await assertRejects(() => layersFilesystem(layers), DigestMismatchError);
  assertEquals(store.entries.size, 0);
});

test("estargz: a chunk whose bytes were changed is refused with DigestMismatchError naming the file", async () => {
  const built = buildEstargz(specs(5));
  const { source, layer } = await served(built.blob, { [ESTARGZ_TOC_DIGEST]: built.tocDigest });
  const toc = (await readEstargzToc(source.content, layer))!;
  // The file's member holds stored blocks (gzip -0): a flipped byte still inflates, to other bytes.
  const [start] = built.members.get("./etc/stored")!;
  const tampered = built.blob.slice();
  tampered[start + 100] ^= 1;
  source.putRaw(layer.digest, tampered);
  const entry = toc.entries.find((e) => e.path === "etc/stored")!;
  const error = await assertRejects(
    () => readEstargzEntry(source.content, layer, entry),
    DigestMismatchError,
  );
  assert(error.message.includes('"etc/stored"'), error.message);
  assertEquals(error.expected, entry.chunks![0].digest);
  // Through indexedLayers: the listing comes from the (intact) TOC, the read from the chunk.
  const layers = indexedLayers(source.content, { layers: [layer] }, {
    decompressors: pageDecompressors,
  });
  assertEquals((await layersFilesystem(layers)).length, 14);
  const read = await assertRejects(
    () =>
      readFile(source.content, { layers: [layer] }, "etc/stored", {
        decompressors: pageDecompressors,
        layers,
        layerReader: layers.reader,
      }),
    DigestMismatchError,
  );
  assert(read.message.includes("its chunk at 0"), read.message);
});

test("estargz: a layer with the footer but no annotation is read whole once (nothing to check its TOC against) and listed without the format's entries", async () => {
  const entries = specs(10);
  const built = buildEstargz(entries);
  const { source, layer } = await served(built.blob);
  const { content, reads } = counting(source.content);
  const store = mapStore();
  const layers = indexedLayers(content, { layers: [layer] }, {
    decompressors: pageDecompressors,
    store,
  });
  const listed = await layersFilesystem(layers);
  assertEquals(reads.reduce((n, r) => n + r.bytes, 0), layer.size);
  const paths = [...new Set(entries.map((e) => clean(e.name)))].sort();
  assertEquals(listed.map((e) => e.path).sort(), paths);
  const [kept] = store.entries.values();
  assertEquals(decodeSeekIndex(kept, layer)?.compression, "gzip");
  for (const spec of entries.filter((e) => e.data)) {
    const bytes = await readFile(content, { layers: [layer] }, clean(spec.name), {
      decompressors: pageDecompressors,
      layers,
      layerReader: layers.reader,
    });
    assertEquals(bytes, spec.data, spec.name);
  }
});

test("estargz: an annotated gzip layer without the footer is read whole, as any gzip layer", async () => {
  const built = buildEstargz(specs(3));
  const plain = built.blob.subarray(0, built.blob.length - 51);
  const { source, layer } = await served(plain, { [ESTARGZ_TOC_DIGEST]: built.tocDigest });
  const store = mapStore();
  const layers = indexedLayers(source.content, { layers: [layer] }, {
    decompressors: pageDecompressors,
    store,
  });
  const listed = await layersFilesystem(layers);
  // Without the footer nothing says the layer is eStargz: its own entries are listed as files.
  assert(listed.some((e) => e.path === "stargz.index.json"));
  const [kept] = store.entries.values();
  assertEquals(decodeSeekIndex(kept, layer)?.compression, "gzip");
});

test("estargz: over a loopback registry the listing is one ranged request, each file one more, and a later listing none", async () => {
  const entries = specs(200);
  const built = buildEstargz(entries);
  const layout = join(freshDir("estargz-layout-"), "layout");
  await writeLayout(layout, "t", [{
    bytes: built.blob,
    mediaType: _GZIP,
    diffId: sha256(built.tar),
    annotations: { [ESTARGZ_TOC_DIGEST]: built.tocDigest },
  }]);
  const { manifest } = await layoutImage(layout, "t");
  const [layer] = manifest.layers;
  assertEquals(layer.annotations?.[ESTARGZ_TOC_DIGEST], built.tocDigest);
  const registry = await startRegistry("anonymous", tempDir("estargz-registry-"));
  try {
    await push(`oci:${layout}:t`, registry.host, "estargz/layer:1");
    const sent: { range: string | null; bytes: number }[] = [];
    const counted: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (!url.includes("/blobs/")) return response;
      const body = new Uint8Array(await response.arrayBuffer());
      sent.push({ range: new Headers(init?.headers).get("range"), bytes: body.length });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const { content } = await openRegistry(`${registry.host}/estargz/layer:1`, {
      plainHttp: true,
      fetch: counted,
    });
    const store = mapStore();
    const options = { decompressors: pageDecompressors, store };
    const layers = indexedLayers(content, manifest, options);
    const listed = await layersFilesystem(layers);
    const paths = [...new Set(entries.map((e) => clean(e.name)))].sort();
    assertEquals(listed.map((e) => e.path).sort(), paths);
    // One ranged request of the layer's last 512 KiB: footer and TOC, not the whole layer.
    const tail = 512 * 1024;
    assert(layer.size > tail, `${layer.size} B`);
    assertEquals(sent, [{ range: `bytes=${layer.size - tail}-${layer.size - 1}`, bytes: tail }]);
    const [kept] = store.entries.values();
    assertEquals(decodeSeekIndex(kept, layer)?.compression, "estargz");
    // The kept document gives back the TOC's entries, chunks and digests, for its annotation only.
    assertEquals(
      decodeSeekIndex(kept, layer)?.entries,
      (await readEstargzToc(content, layer))?.entries,
    );
    assertEquals(decodeSeekIndex(kept, { ...layer, annotations: {} }), undefined);

    sent.length = 0;
    const later = indexedLayers(content, manifest, options);
    assertEquals(await layersFilesystem(later), listed);
    assertEquals(sent, []);
    for (const spec of entries.filter((e) => e.data && e.data.length > 0)) {
      sent.length = 0;
      const bytes = await readFile(content, manifest, clean(spec.name), {
        decompressors: pageDecompressors,
        layers: later,
        layerReader: later.reader,
      });
      assertEquals(bytes, spec.data, spec.name);
      assertEquals(sent.length, 1, spec.name);
      // The file's members, with the next entries' headers riding in the last: a few KiB more.
      assert(sent[0].bytes < spec.data!.length + 8192, `${sent[0].bytes} B for ${spec.name}`);
    }
  } finally {
    await registry.stop();
  }
});

test("estargz: ocistore files then cat over a registry: the listing is one layer request (its tail), each cat one more, and the bytes are the file's", async () => {
  const entries = specs(20);
  const built = buildEstargz(entries);
  const layout = join(freshDir("estargz-cli-layout-"), "layout");
  const { layers: [layer] } = await writeLayout(layout, "t", [{
    bytes: built.blob,
    mediaType: _GZIP,
    diffId: sha256(built.tar),
    annotations: { [ESTARGZ_TOC_DIGEST]: built.tocDigest },
  }]);
  const registry = await startRegistry("anonymous", tempDir("estargz-cli-registry-"));
  const proxy = await startFaultProxy(registry.url);
  try {
    await push(`oci:${layout}:t`, registry.host, "estargz/cli:1");
    // The pushed manifest keeps the annotation: the CLI finds the TOC digest where the spec puts it.
    const pushed = await fetch(`${registry.url}/v2/estargz/cli/manifests/1`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    const [pushedLayer] = (await pushed.json()).layers;
    assertEquals(pushedLayer.annotations?.[ESTARGZ_TOC_DIGEST], built.tocDigest);
    const source = `docker://${proxy.host}/estargz/cli:1`;
    const image = `${proxy.host}/estargz/cli:1`;
    const flags = ["--plain-http", "--cache-dir", tempDir("estargz-cli-cache-")];
    const layerGets = (from: number) =>
      proxy.seen.slice(from).filter((s) => s.path.endsWith(`/blobs/${layer.digest}`));
    const files = await runCli(["files", source, image, "-o", "json", ...flags]);
    assertEquals(files.code, 0, files.stderr);
    const listed = JSON.parse(files.stdout).files.map((f: { path: string }) => f.path).sort();
    assertEquals(listed, [...new Set(entries.map((e) => clean(e.name)))].sort());
    assertEquals(layerGets(0).map((s) => s.method), ["GET"]);
    for (const spec of entries.filter((e) => e.data && e.data.length > 0).slice(0, 5)) {
      const start = proxy.seen.length;
      const cat = await runCli(["cat", source, image, clean(spec.name), "-o", "json", ...flags]);
      assertEquals(cat.code, 0, cat.stderr);
      const base64 = JSON.parse(cat.stdout).base64;
      assertEquals(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)), spec.data, spec.name);
      assertEquals(layerGets(start).map((s) => s.method), ["GET"], spec.name);
    }
  } finally {
    await proxy.close();
    await registry.stop();
  }
});
