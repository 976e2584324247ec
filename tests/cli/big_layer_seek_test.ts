// Issue 24's "Done when", in the CLI: once `ocistore files` has listed a 300 MB gzip layer over a
// loopback registry (one verified full read, its seek index kept in the blob cache), `ocistore cat`
// of any one file costs at most two requests for the layer and at most 8 MiB, counted by a proxy
// between the CLI and Debian's docker-registry.
//
// Registered under Deno only: the suite runs each file under Deno, Bun and Node, and this one
// writes a 300 MB layer, pushes it and reads it whole (about 40 s on a loaded machine); what it
// checks (the index, the ranges asked) is the same core code on every runtime, and the smaller
// seek index tests (tests/layers/seek_index_test.ts, CLI included) run under all three.
import { assert, assertEquals } from "@std/assert";
import { runtimeName, test } from "../harness.ts";
import { runCli } from "./_in_process.ts";
import {
  assertBytes,
  BIG_LAYER_BYTES,
  bigFileBytes,
  bigLayer,
  widestFile,
} from "../layers/_big_layer.ts";
import { countingProxy } from "../adapters/_counting_proxy.ts";
import { push, startRegistry, tempDir } from "../adapters/_registry.ts";
import { encodeSeekIndex, seekIndexStore } from "../../src/core/seek_index.ts";
import { diskBlobStore } from "../../src/runtime/disk_blob_store.ts";

const _MiB = 1024 * 1024;

if (runtimeName() === "deno") {
  test(
    "seek index acceptance (CLI): after ocistore files listed a 300 MB gzip layer, ocistore cat of any one file is at most 2 requests and 8 MiB",
    async () => {
      const big = bigLayer();
      assert(big.layer.size >= BIG_LAYER_BYTES, `${big.layer.size} B`);
      const registry = await startRegistry("anonymous", tempDir("big-registry-"));
      const proxy = await countingProxy(registry.host);
      try {
        await push(`oci:${big.layout}:big`, registry.host, "seek/big:1");
        const cacheDir = tempDir("big-cache-");
        const flags = ["--plain-http", "--cache-dir", cacheDir];
        const run = (command: string, ...rest: string[]) =>
          runCli([
            command,
            `docker://${proxy.host}/seek/big:1`,
            `${proxy.host}/seek/big:1`,
            ...rest,
            ...flags,
          ]);
        const layerReads = (from: number) =>
          proxy.seen.slice(from).filter((s) => s.path.endsWith(`/blobs/${big.layer.digest}`));

        const listed = await run("files", "-o", "json");
        assertEquals(listed.code, 0, listed.stderr);
        const paths = JSON.parse(listed.stdout).files.filter((f: { type: string }) =>
          f.type === "file"
        )
          .map((f: { path: string }) => f.path);
        assertEquals(paths, big.files.map((f) => f.path).sort());
        // The first listing: the whole layer, once.
        assertEquals(layerReads(0).map((s) => [s.method, s.range, s.bytes]), [[
          "GET",
          undefined,
          big.layer.size,
        ]]);

        const index = (await seekIndexStore(diskBlobStore(cacheDir)).get(big.layer))!;
        assert(index, "the listing kept no seek index in the cache");
        const share = encodeSeekIndex(index).length / big.layer.size;
        const widest = widestFile(big, index);
        console.log(
          `     index ${encodeSeekIndex(index).length} B = ${
            (share * 100).toFixed(2)
          }% of the ${big.layer.size} B layer, ${index.checkpoints.length} checkpoints, ${index.marks?.length} marks; widest file read ${widest.span} B (${widest.file.path})`,
        );
        // Any one file: the widest span over every file is within the bound, then the reads prove it.
        assert(widest.span <= 8 * _MiB, `${widest.file.path} needs ${widest.span} B`);
        const text = big.files.find((f) => !f.random)!;
        for (const file of [widest.file, text, big.files.at(-1)!]) {
          const start = proxy.seen.length;
          const cat = await run("cat", file.path, "-o", "json");
          assertEquals(cat.code, 0, cat.stderr);
          const bytes = Uint8Array.from(
            atob(JSON.parse(cat.stdout).base64),
            (c) => c.charCodeAt(0),
          );
          assertBytes(bytes, bigFileBytes(file), file.path);
          const reads = layerReads(start);
          const sent = proxy.seen.slice(start).reduce((n, s) => n + s.bytes, 0);
          assert(
            reads.length >= 1 && reads.length <= 2,
            `${reads.length} layer requests for ${file.path}`,
          );
          assert(reads.every((s) => s.status === 206 && s.range !== undefined), file.path);
          assert(sent <= 8 * _MiB, `${sent} B for ${file.path}`);
          if (file === widest.file) {
            assertEquals(reads.reduce((n, s) => n + s.bytes, 0), widest.span);
          }
        }
      } finally {
        await proxy.close();
        await registry.stop();
      }
    },
    { timeout: 600_000 },
  );
}
