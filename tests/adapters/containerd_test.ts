import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assert, assertEquals, assertGreater, assertRejects, assertThrows } from "@std/assert";
import { namespacesWithImages } from "../../src/adapters/containerd.ts";
import { openContainerd } from "../../src/runtime/open_containerd.ts";
import { type ImageSource, readBlobStream } from "../../src/core/content.ts";
import { InvalidArgumentError, NotFoundError } from "../../src/core/errors.ts";
import type { Files } from "../../src/core/files.ts";
import { nodeFiles } from "../../src/runtime/node_files.ts";
import { fixtures } from "../fixtures.ts";
import { test } from "../harness.ts";
import { sourceContract } from "./source_contract.ts";
import {
  byteOrder,
  type Containerd,
  parseContentLs,
  parseImagesLs,
  run,
  startContainerd,
} from "./_containerd.ts";

const metaPath = "io.containerd.metadata.v1.bolt/meta.db";
let started: Promise<Containerd> | undefined;

/** One daemon for this file: fixtures imported into "default" and "k8s.io"; the last test stops it. */
function containerd(): Promise<Containerd> {
  return started ??= (async () => {
    const daemon = await startContainerd();
    try {
      const f = await fixtures();
      const load = (namespace: string, archive: string, ...flags: string[]) =>
        daemon.ctr(namespace, "images", "import", ...flags, "--no-unpack", archive);
      await load("default", f.ociArchive, "--base-name", "example.com/app", "--digests");
      await load("default", f.multiArchive, "--base-name", "example.com/multi", "--all-platforms");
      await load("default", f.dockerArchive);
      await daemon.ctr(
        "default",
        "images",
        "label",
        "example.com/app:1.0",
        "io.cri-containerd.pinned=pinned",
      );
      await load("k8s.io", f.ociArchive, "--base-name", "example.com/app");
      // The CRI plugin adds its `sha256:<image id>` name on an event; wait for it (a 60 s stall
      // stop, not a verdict: a loaded machine delivers the event late, and the tests need the name).
      const deadline = Date.now() + 60_000;
      while (!(await daemon.ctr("k8s.io", "images", "ls", "-q")).includes("sha256:")) {
        if (Date.now() > deadline) {
          throw new Error("containerd's CRI plugin added no sha256: name in 60 s");
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return daemon;
    } catch (error) {
      await daemon.stop();
      throw error;
    }
  })();
}

/** Our records against `ctr images ls` and `ctr content ls`, read while the daemon runs. */
async function compareWithCtr(daemon: Containerd, source: ImageSource, namespace: string) {
  const printed = parseImagesLs(await daemon.ctr(namespace, "images", "ls"));
  const sizes = parseContentLs(await daemon.ctr(namespace, "content", "ls"));
  const records = await source.images.list();
  assertEquals(records.map((r) => r.name), printed.map((p) => p.name));
  assertEquals(
    records.map(({ name, target, labels }) => ({
      name,
      mediaType: target.mediaType,
      digest: target.digest,
      labels,
    })),
    printed,
  );
  let checked = 0;
  for (const { target } of records) {
    const blob = join(
      daemon.root,
      "io.containerd.content.v1.content/blobs",
      target.digest.replace(":", "/"),
    );
    assertEquals(target.size, statSync(blob).size);
    if (sizes.has(target.digest)) {
      assertEquals(target.size, sizes.get(target.digest));
      checked++;
    }
  }
  assertGreater(checked, 0);
  return records;
}

test("openContainerd() lists what ctr images ls prints, in its order, while containerd runs", async () => {
  const daemon = await containerd();
  const source = await openContainerd(daemon.root);
  const records = await compareWithCtr(daemon, source, "default");
  const names = records.map((r) => r.name);
  assertEquals(names, [...names].sort(byteOrder));
  assert(names.includes("example.com/app:1.0"));
  assert(names.some((n) => n.startsWith("example.com/app@sha256:")), "--digests adds name@digest");
  assert(names.includes("example.com/multi:multi"));
  const pinned = records.find((r) => r.name === "example.com/app:1.0");
  assertEquals(pinned?.labels, { "io.cri-containerd.pinned": "pinned" });
  const manifest = JSON.parse(new TextDecoder().decode(await source.content.read(pinned!.target)));
  assertEquals(manifest.config.digest, (await fixtures()).images["app"].configDigest);
  const multi = records.find((r) => r.name === "example.com/multi:multi");
  assertEquals(multi?.target.mediaType, "application/vnd.oci.image.index.v1+json");
  assertEquals(multi?.target.annotations?.["org.opencontainers.image.ref.name"], "multi");
  for (const record of records) {
    assert(record.createdAt && record.updatedAt && record.createdAt <= record.updatedAt);
    assert(Math.abs(Date.parse(record.createdAt) - Date.now()) < 600_000, record.createdAt);
  }
});

test("openContainerd() reads namespace k8s.io apart from default, with the CRI's names and labels", async () => {
  const daemon = await containerd();
  const cri = await openContainerd(daemon.root, { namespace: "k8s.io" });
  const records = await compareWithCtr(daemon, cri, "k8s.io");
  const id = records.find((r) => r.name.startsWith("sha256:"));
  assert(id, "the CRI plugin names the image by its ID");
  assertEquals(id.labels, { "io.cri-containerd.image": "managed" });
  assertEquals(id.name, (await fixtures()).images["app"].configDigest);
  assertEquals(records.map((r) => r.name).includes("example.com/multi:multi"), false);
  const plain = await openContainerd(daemon.root);
  await assertRejects(() => plain.images.get(id.name), NotFoundError, '"default"');
  assertEquals(
    await (await openContainerd(daemon.root, { namespace: "nobody" })).images.list(),
    [],
  );
});

test("images.get() returns the listed record and rejects an unknown name with NotFoundError", async () => {
  const daemon = await containerd();
  const source = await openContainerd(daemon.root);
  const listed = await source.images.list();
  for (const record of listed) assertEquals(await source.images.get(record.name), record);
  await assertRejects(
    () => source.images.get("example.com/app:2.0"),
    NotFoundError,
    'Cannot get image "example.com/app:2.0" in containerd namespace "default"',
  );
  await assertRejects(() => source.images.get(1 as unknown as string), TypeError);
});

test("openContainerd() sees records written after it was opened", async () => {
  const daemon = await containerd();
  const source = await openContainerd(daemon.root);
  const name = "example.com/multi:multi";
  await daemon.ctr("default", "images", "label", name, "example.com/seen=later");
  try {
    assertEquals((await source.images.get(name)).labels, { "example.com/seen": "later" });
    await compareWithCtr(daemon, source, "default");
  } finally {
    await daemon.ctr("default", "images", "label", name, "example.com/seen=");
  }
  assertEquals((await source.images.get(name)).labels, {});
});

test("images.list() keeps reading consistent snapshots while containerd commits", async () => {
  const daemon = await containerd();
  const source = await openContainerd(daemon.root);
  const names = (await source.images.list()).map((r) => r.name);
  const name = "example.com/multi:multi";
  let writing = true;
  const writer = (async () => {
    try {
      for (let i = 0; i < 30; i++) {
        await daemon.ctr("default", "images", "label", name, `example.com/step=${i}`);
      }
    } finally {
      writing = false;
    }
  })();
  let reads = 0;
  const steps = new Set<string>();
  while (writing) {
    const records = await source.images.list();
    assertEquals(records.map((r) => r.name), names);
    steps.add(records.find((r) => r.name === name)?.labels["example.com/step"] ?? "none");
    reads++;
  }
  await writer;
  await daemon.ctr("default", "images", "label", name, "example.com/step=");
  assertGreater(reads, 5);
  assertGreater(steps.size, 2);
});

test("content reads the target's blob, its size and its gc labels from the namespace", async () => {
  const daemon = await containerd();
  const source = await openContainerd(daemon.root);
  const { target } = await source.images.get("example.com/app:1.0");
  const file = readFileSync(
    join(daemon.root, "io.containerd.content.v1.content/blobs", target.digest.replace(":", "/")),
  );
  const bytes = await source.content.read(target);
  assertEquals(bytes, new Uint8Array(file));
  const info = await source.content.info(target.digest);
  assertEquals(info.size, target.size);
  const manifest = JSON.parse(new TextDecoder().decode(bytes));
  assertEquals(info.labels?.["containerd.io/gc.ref.content.config"], manifest.config.digest);
  assertEquals(await source.content.read(target, { offset: 2, length: 10 }), bytes.slice(2, 12));
  const chunks: Uint8Array[] = [];
  const reader = (await readBlobStream(source.content, target)).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  assertEquals(new Uint8Array(chunks.flatMap((c) => [...c])), bytes);
});

test("content rejects a blob of another namespace with NotFoundError, a bad digest with InvalidArgumentError", async () => {
  const daemon = await containerd();
  const { target } = await (await openContainerd(daemon.root)).images.get(
    "example.com/multi:multi",
  );
  const cri = await openContainerd(daemon.root, { namespace: "k8s.io" });
  await assertRejects(
    () => cri.content.info(target.digest),
    NotFoundError,
    '"k8s.io": no such content',
  );
  await assertRejects(() => cri.content.read(target), NotFoundError);
  await assertRejects(() => cri.content.info("sha256:zz"), InvalidArgumentError, "sha256:zz");
  await assertRejects(
    () => cri.content.read({ ...target, digest: "sha256/../../x" }),
    InvalidArgumentError,
  );
});

test("content reports a blob whose file is gone from the store with NotFoundError", async () => {
  const daemon = await containerd();
  const real = nodeFiles(daemon.root);
  const gone = (path: string) => Promise.reject(new NotFoundError(`no such file "${path}"`));
  const files: Files = {
    ...real,
    read: (path) => path.includes("/blobs/") ? gone(path) : real.read(path),
    stat: (path) => path.includes("/blobs/") ? gone(path) : real.stat(path),
  };
  const source = await openContainerd(files);
  const { target } = await source.images.get("example.com/app:1.0");
  await assertRejects(
    () => source.content.read(target),
    NotFoundError,
    "missing from the content store",
  );
  await assertRejects(() => source.content.info(target.digest), NotFoundError, target.digest);
});

test("openContainerd() rejects a root without meta.db with NotFoundError naming the file", async () => {
  const empty = mkdtempSync(join(tmpdir(), "ocistore-containerd-empty-"));
  try {
    await assertRejects(() => openContainerd(empty), NotFoundError, metaPath);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test("openContainerd() rejects a meta.db with a bad magic or cut short with InvalidArgumentError", async () => {
  const daemon = await containerd();
  const good = readFileSync(join(daemon.root, metaPath));
  const scratch = mkdtempSync(join(tmpdir(), "ocistore-containerd-bad-"));
  try {
    mkdirSync(join(scratch, "io.containerd.metadata.v1.bolt"));
    const badMagic = new Uint8Array(good);
    badMagic[16] = badMagic[4096 + 16] = 0;
    writeFileSync(join(scratch, metaPath), badMagic);
    await assertRejects(() => openContainerd(scratch), InvalidArgumentError, "expected magic");
    writeFileSync(join(scratch, metaPath), good.subarray(0, 3 * 4096));
    await assertRejects(
      () => openContainerd(scratch),
      InvalidArgumentError,
      "not a readable bbolt",
    );
    writeFileSync(join(scratch, metaPath), "not a database");
    await assertRejects(() => openContainerd(scratch), InvalidArgumentError, metaPath);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test("namespacesWithImages() names the namespaces holding images, as ctr namespaces ls shows them", async () => {
  const daemon = await containerd();
  await daemon.ctr("empty", "images", "ls"); // a namespace is only created by a write
  await daemon.ctr("empty", "leases", "create", "--id", "kept");
  const listed =
    (await run("ctr", ["-a", `${daemon.root}/../state/containerd.sock`, "namespaces", "ls", "-q"]))
      .trim().split("\n");
  assert(listed.includes("empty"), listed.join(","));
  assertEquals(await namespacesWithImages(nodeFiles(daemon.root)), ["default", "k8s.io"]);
});

test("openContainerd() rejects an invalid namespace and a root of the wrong type", async () => {
  await assertRejects(
    () => openContainerd("/nonexistent", { namespace: "k8s.io/x" }),
    InvalidArgumentError,
    '"k8s.io/x"',
  );
  await assertRejects(() => openContainerd(42 as unknown as string), TypeError);
});

// Registered before the stop below, so the contract runs against the live daemon.
sourceContract(
  "containerd root",
  async () => openContainerd((await containerd()).root),
  async () => ({
    images: parseImagesLs(await (await containerd()).ctr("default", "images", "ls")).map(
      ({ name, digest, mediaType }) => ({ name, digest, mediaType }),
    ),
  }),
);

test("the containerd test daemon stops and its temp root is removed", async () => {
  if (!started) return;
  const daemon = await started;
  await daemon.stop();
  started = undefined;
  await assertRejects(() => run("ps", ["-p", String(daemon.pid)]));
  assertThrows(() => statSync(daemon.root));
});
