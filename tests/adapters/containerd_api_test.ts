import { assert, assertEquals, assertRejects } from "@std/assert";
import { ImageStore } from "../../src/core/image_store.ts";
import type { ImageChange } from "../../src/core/image_store.ts";
import { NotFoundError } from "../../src/core/errors.ts";
import { followContainerd, openContainerdApi } from "../../src/adapters/containerd_api.ts";
import { type ProtoField, protoFields } from "../../src/adapters/containerd_api/_proto.ts";
import { connectContainerd } from "../../src/runtime/containerd_grpc.ts";
import { type CriImage, toCriImage } from "../../src/cli/cri_image.ts";
import { fixtures } from "../fixtures.ts";
import { test } from "../harness.ts";
import { type Containerd, startContainerd } from "./_containerd.ts";

const decoder = new TextDecoder();
const text = (f: ProtoField) => decoder.decode(f.bytes);

/** The CRI's own answer: runtime.v1.ImageService/ListImages over the same socket (cri-api's api.proto: Image id 1, repo_tags 2, repo_digests 3, size 4, uid 5 {value 1}, username 6, pinned 8). */
async function criImages(socket: string): Promise<CriImage[]> {
  const client = await connectContainerd(socket);
  try {
    const bytes = await client.unary("/runtime.v1.ImageService/ListImages", new Uint8Array(), {
      namespace: "k8s.io",
    });
    return protoFields(bytes, "ListImagesResponse").filter((f) => f.number === 1).map((f) => {
      const repoTags: string[] = [];
      const repoDigests: string[] = [];
      const image: { -readonly [K in keyof CriImage]: CriImage[K] } = {
        id: "",
        repoTags,
        repoDigests,
        size: 0,
        username: "",
        pinned: false,
      };
      for (const field of protoFields(f.bytes!, "Image")) {
        if (field.number === 1) image.id = text(field);
        else if (field.number === 2) repoTags.push(text(field));
        else if (field.number === 3) repoDigests.push(text(field));
        else if (field.number === 4) image.size = Number(field.varint);
        else if (field.number === 5) {
          const value = protoFields(field.bytes!, "Int64Value").find((v) => v.number === 1);
          image.uid = String(value?.varint ?? 0n);
        } else if (field.number === 6) image.username = text(field);
        else if (field.number === 8) image.pinned = field.varint === 1n;
      }
      return image;
    });
  } finally {
    client.close?.();
  }
}

const byId = (images: readonly CriImage[]) =>
  [...images].map((i) => ({
    ...i,
    repoTags: [...i.repoTags].sort(),
    repoDigests: [...i.repoDigests].sort(),
  }))
    .sort((a, b) => a.id < b.id ? -1 : 1);

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let started: Promise<Containerd> | undefined;
function containerd(): Promise<Containerd> {
  return started ??= (async () => {
    const daemon = await startContainerd();
    const f = await fixtures();
    const load = (archive: string, ...flags: string[]) =>
      daemon.ctr("k8s.io", "images", "import", ...flags, "--no-unpack", archive);
    await load(f.ociArchive, "--base-name", "example.com/app", "--digests");
    await load(f.multiArchive, "--base-name", "example.com/multi", "--all-platforms");
    // One ID under two tag-only names (base:tag). Not the docker archive: its ID is the same with
    // other sizes, and which size wins depends on the order the CRI saw the names in.
    await load(f.ociArchive, "--base-name", "example.com/again");
    await daemon.ctr(
      "k8s.io",
      "images",
      "label",
      "example.com/app:1.0",
      "io.cri-containerd.pinned=pinned",
    );
    // The CRI plugin names each image sha256:<id> on its event; wait until it has.
    await waitFor(
      "the CRI's id names",
      async () => (await daemon.ctr("k8s.io", "images", "ls", "-q")).includes("sha256:"),
    );
    return daemon;
  })();
}

test("the store over containerd's socket equals the CRI's own ListImages on the same daemon", async () => {
  const daemon = await containerd();
  const client = await connectContainerd(`unix://${daemon.socket}`);
  try {
    const store = new ImageStore(openContainerdApi(client, { namespace: "k8s.io" }));
    const result = await store.sync();
    assertEquals(result.failures, []);
    const cri = await criImages(daemon.socket);
    // containerd 1.6's CRI never reports pinned (the pinned label came with 1.7); ours does.
    const ours = store.list().map(toCriImage);
    assertEquals(byId(ours.map((i) => ({ ...i, pinned: false }))), byId(cri));
    assert(cri.length >= 2, `the CRI lists ${cri.length} images`);
    assertEquals(cri.filter((i) => i.pinned), []);
    assertEquals(
      ours.filter((i) => i.pinned).map((i) => i.repoTags.includes("example.com/app:1.0")),
      [true],
    );
    assert(
      cri.some((i) => i.repoDigests.length > 1 || i.repoTags.length > 1),
      "one image, many names",
    );
  } finally {
    client.close?.();
  }
});

test("containerd's socket: a missing image is NotFoundError, a missing socket names ctr -a", async () => {
  const daemon = await containerd();
  const client = await connectContainerd(daemon.socket);
  try {
    const source = openContainerdApi(client, { namespace: "k8s.io" });
    await assertRejects(
      () => source.images.get("example.com/none:1"),
      NotFoundError,
      "example.com/none:1",
    );
    const [record] = await source.images.list();
    const info = await source.content.info(record.target.digest);
    assertEquals(info.size, record.target.size);
    const part = await source.content.read(record.target, { offset: 1, length: 5 });
    const whole = await source.content.read(record.target);
    assertEquals(whole.length, record.target.size);
    assertEquals(part, whole.slice(1, 6));
  } finally {
    client.close?.();
  }
  await assertRejects(() => connectContainerd(`${daemon.socket}.none`), NotFoundError, "ctr -a");
});

test("a following store sees tag, label change, untag and delete in order", async () => {
  const daemon = await containerd();
  const client = await connectContainerd(daemon.socket);
  const stop = new AbortController();
  try {
    const store = new ImageStore(openContainerdApi(client, { namespace: "k8s.io" }));
    await store.sync();
    const plain = store.list().find((i) => !i.pinned && i.references.some((r) => r.includes(":")));
    assert(plain, "an unpinned image");
    const from = plain.references.find((r) => !r.startsWith("sha256:"))!;
    const changes: ImageChange[] = [];
    store.onChange((change) => changes.push(change));
    const events: string[] = [];
    const following = followContainerd(client, store, {
      namespace: "k8s.io",
      signal: stop.signal,
      onEvent: (e) => events.push(`${e.topic} ${e.name}`),
    });
    // Subscribe is live once an event goes through: re-tag until one does.
    await waitFor("the subscription", async () => {
      await daemon.ctr(
        "k8s.io",
        "images",
        "tag",
        "--force",
        "example.com/app:1.0",
        "example.com/probe:1",
      );
      return events.length > 0;
    });
    events.length = 0;
    changes.length = 0;
    const ctr = (...args: string[]) => daemon.ctr("k8s.io", "images", ...args);
    await ctr("tag", from, "example.com/follow:1");
    await ctr("label", "example.com/follow:1", "io.cri-containerd.pinned=pinned");
    await ctr("rm", "example.com/probe:1");
    await ctr("rm", "example.com/follow:1");
    await waitFor("four events", () => events.length >= 4);
    assertEquals(events, [
      "/images/create example.com/follow:1",
      "/images/update example.com/follow:1",
      "/images/delete example.com/probe:1",
      "/images/delete example.com/follow:1",
    ]);
    assertEquals(changes.map((c) => `${c.type} ${c.reference}`), [
      "added example.com/follow:1",
      "updated example.com/follow:1",
      "removed example.com/probe:1",
      "removed example.com/follow:1",
    ]);
    stop.abort();
    await following;
  } finally {
    stop.abort();
    client.close?.();
    await daemon.stop();
  }
});
