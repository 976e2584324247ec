import { assert, assertEquals, assertNotEquals, assertRejects, fail } from "@std/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { sourceContract } from "./source_contract.ts";
import { paxData, tarBytes, type TarEntrySpec } from "./_tar_builder.ts";
import { openArchive } from "../../src/runtime/open_archive.ts";
import { readBlob } from "../../src/core/content.ts";
import { digestOf } from "../../src/core/digest.ts";
import { InvalidArgumentError, NotFoundError } from "../../src/core/errors.ts";

const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const APP = "docker.io/library/app";
// The manifest containerd 1.6 synthesizes for the docker-archive fixture (skopeo's uncompressed
// layers of the umoci `app` image); reproducible because the fixtures are. `ctr images import` of
// that archive into containerd 1.6.20 lists the same digest for both of its names.
const DOCKER_APP_MANIFEST =
  "sha256:416d6900cb61fb691a58fb0e5bcdf938152b58d7ec7d27b5c79d1178513451fd";

const bytesOf = (path: string) => new Uint8Array(readFileSync(path));
const text = (s: string) => new TextEncoder().encode(s);

const appOnly = async (name = `${APP}:1.0`) => {
  const { images } = await fixtures();
  return { images: [{ name, digest: images.app.digest, size: images.app.size }] };
};
const dockerImages = {
  images: [
    { name: "example.com/app:1.0", digest: DOCKER_APP_MANIFEST, mediaType: DOCKER_MANIFEST },
    { name: `${APP}:latest`, digest: DOCKER_APP_MANIFEST, mediaType: DOCKER_MANIFEST },
  ],
};

sourceContract(
  "OCI archive from a path",
  async () => openArchive((await fixtures()).ociArchive, { baseName: APP }),
  () => appOnly(),
);
sourceContract(
  "gzip-compressed OCI archive from a path",
  async () => openArchive((await fixtures()).ociArchiveGzip, { baseName: APP }),
  () => appOnly(),
);
sourceContract(
  "two-platform OCI archive from a path",
  async () => openArchive((await fixtures()).multiArchive, { baseName: "docker.io/library/multi" }),
  async () => {
    const { multi } = (await fixtures()).images;
    return {
      images: [{ name: "docker.io/library/multi:multi", digest: multi.digest, size: multi.size }],
    };
  },
);
sourceContract(
  "docker-archive from a path",
  async () => openArchive((await fixtures()).dockerArchive),
  dockerImages,
);
sourceContract(
  "Docker 25 hybrid archive from a path",
  async () => openArchive((await fixtures()).hybridArchive),
  () => appOnly(),
);
sourceContract(
  "OCI archive from a Blob",
  async () => openArchive(new Blob([bytesOf((await fixtures()).ociArchive)]), { baseName: APP }),
  () => appOnly(),
);
sourceContract(
  "docker-archive from a Blob",
  async () => openArchive(new Blob([bytesOf((await fixtures()).dockerArchive)])),
  dockerImages,
);

test("a docker-archive gives the layout's config digest but uncompressed layers of other sizes", async () => {
  const { dockerArchive, ociArchive, images } = await fixtures();
  const docker = await openArchive(dockerArchive);
  const oci = await openArchive(ociArchive, { baseName: APP });
  const manifestOf = async (source: typeof docker, name: string) =>
    JSON.parse(
      new TextDecoder().decode(
        await readBlob(source.content, (await source.images.get(name)).target),
      ),
    );
  const fromDocker = await manifestOf(docker, "example.com/app:1.0");
  const fromOci = await manifestOf(oci, `${APP}:1.0`);
  assertEquals(fromDocker.config.digest, images.app.configDigest);
  assertEquals(fromDocker.config.digest, fromOci.config.digest);
  assertEquals(fromDocker.config.mediaType, "application/vnd.docker.container.image.v1+json");
  assertEquals(fromDocker.layers.map((l: { digest: string }) => l.digest), images.app.diffIds);
  assertEquals(fromDocker.layers.map((l: { mediaType: string }) => l.mediaType), [
    DOCKER_LAYER,
    DOCKER_LAYER,
    DOCKER_LAYER,
  ]);
  const size = (m: { layers: { size: number }[] }) => m.layers.reduce((n, l) => n + l.size, 0);
  assertNotEquals(size(fromDocker), size(fromOci));
  const config = execFileSync(
    "skopeo",
    ["inspect", "--config", `docker-archive:${dockerArchive}`],
    { encoding: "utf8" },
  );
  assertEquals(
    JSON.parse(new TextDecoder().decode(await readBlob(docker.content, fromDocker.config))),
    JSON.parse(config),
  );
  await docker.close?.();
  await oci.close?.();
});

test("a docker-archive record targets the synthesized Docker schema 2 manifest", async () => {
  const docker = await openArchive((await fixtures()).dockerArchive);
  const record = await docker.images.get(`${APP}:latest`);
  assertEquals(record.target, {
    mediaType: DOCKER_MANIFEST,
    digest: DOCKER_APP_MANIFEST,
    size: 731,
  });
  assertEquals(record.labels, {});
  await docker.close?.();
});

// --- archives built byte by byte ---

async function layoutTar(extra: TarEntrySpec[] = [], names?: Record<string, string>) {
  const manifest = text(
    '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}',
  );
  const digest = await digestOf(manifest);
  const index = JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest,
      size: manifest.length,
      annotations: names ?? { "io.containerd.image.name": "docker.io/library/t:1" },
    }],
  });
  return {
    digest,
    manifest,
    entries: [
      { name: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: "index.json", data: index },
      { name: `blobs/sha256/${digest.slice(7)}`, data: manifest },
      ...extra,
    ] as TarEntrySpec[],
  };
}

const open = (bytes: Uint8Array<ArrayBuffer>) => openArchive(new Blob([bytes]));

test("openArchive() reads pax path and size records and GNU long names", async () => {
  const { digest, manifest } = await layoutTar();
  const long = `blobs/sha256/${digest.slice(7)}`;
  const bytes = tarBytes([
    { name: "./oci-layout", data: '{"imageLayoutVersion":"1.0.0"}', gnu: true },
    { name: "././@LongLink", type: "L", data: "index.json\0", gnu: true },
    { name: "truncated-name", data: (await layoutTar()).entries[1].data, gnu: true },
    {
      name: "PaxHeaders/x",
      type: "x",
      data: paxData({ path: long, size: String(manifest.length) }),
    },
    { name: "short", data: manifest, declaredSize: 0 },
  ]);
  // The pax size (not the header's 0) must govern the data length.
  const fixed = tarBytes([
    { name: "./oci-layout", data: '{"imageLayoutVersion":"1.0.0"}', gnu: true },
    { name: "././@LongLink", type: "L", data: "index.json\0", gnu: true },
    { name: "truncated-name", data: (await layoutTar()).entries[1].data, gnu: true },
    {
      name: "PaxHeaders/x",
      type: "x",
      data: paxData({ path: long, size: String(manifest.length) }),
    },
    { name: "short", data: manifest },
  ]);
  for (const archive of [bytes, fixed]) {
    const source = await open(archive);
    const record = await source.images.get("docker.io/library/t:1");
    assertEquals(await source.content.read(record.target), manifest);
  }
});

test("openArchive() rejects hostile tar entries with InvalidArgumentError", async () => {
  const cases: [string, TarEntrySpec[], string][] = [
    ["a .. name", [{ name: "../evil", data: "x" }], '".."'],
    ["an absolute name", [{ name: "/etc/passwd", data: "x" }], "absolute"],
    ["a symlink out of the archive", [{
      name: "blobs/link",
      type: "2",
      linkname: "../../../etc/passwd",
    }], "leads out"],
    [
      "an absolute symlink",
      [{ name: "blobs/link", type: "2", linkname: "/etc/passwd" }],
      "leads out",
    ],
    [
      "a hard link out of the archive",
      [{ name: "blobs/hard", type: "1", linkname: "../x" }],
      '".."',
    ],
    ["a pax path with ..", [{ name: "p", type: "x", data: paxData({ path: "a/../../b" }) }, {
      name: "f",
      data: "x",
    }], '".."'],
    ["a GNU long name with ..", [{ name: "././@LongLink", type: "L", data: "../up\0" }, {
      name: "f",
      data: "x",
    }], '".."'],
    ["a bad checksum", [{ name: "f", data: "x", badChecksum: true }], "checksum"],
    [
      "an oversized pax header",
      [{ name: "p", type: "x", data: new Uint8Array(1024 * 1024 + 1) }],
      "too large",
    ],
    ["a truncated entry", [{ name: "f", data: "x", declaredSize: 4096 }], "truncated"],
    ["a malformed pax record", [{ name: "p", type: "x", data: "99 path=x\n" }, {
      name: "f",
      data: "x",
    }], "pax"],
    // The index refuses sparse files as the layer reader does, naming the entry.
    [
      "a GNU sparse file",
      [{ name: "blobs/holes", type: "S", data: "x" }],
      '"blobs/holes" is a sparse file',
    ],
    ["a pax sparse file", [{
      name: "p",
      type: "x",
      data: paxData({ "GNU.sparse.major": "1", "GNU.sparse.minor": "0" }),
    }, { name: "blobs/holes", data: "x" }], '"blobs/holes" is a sparse file'],
  ];
  for (const [what, hostile, message] of cases) {
    const { entries } = await layoutTar();
    await assertRejects(
      () => open(tarBytes([...entries, ...hostile])),
      InvalidArgumentError,
      message,
      what,
    );
  }
});

test("openArchive() follows links inside the archive", async () => {
  const { entries, digest, manifest } = await layoutTar();
  const path = `blobs/sha256/${digest.slice(7)}`;
  const moved = entries.map((e) => e.name === path ? { ...e, name: "real/manifest" } : e);
  const source = await open(
    tarBytes([...moved, { name: path, type: "2", linkname: "../../real/manifest" }]),
  );
  const record = await source.images.get("docker.io/library/t:1");
  assertEquals(await source.content.read(record.target), manifest);
  const hard = entries.map((e) => e.name === path ? { ...e, name: "real/manifest" } : e);
  const viaHardLink = await open(
    tarBytes([...hard, { name: path, type: "1", linkname: "real/manifest" }]),
  );
  assertEquals(await viaHardLink.content.read(record.target), manifest);
});

test("openArchive() rejects truncated and corrupt archives", async () => {
  const { ociArchive, ociArchiveGzip } = await fixtures();
  const tar = bytesOf(ociArchive);
  await assertRejects(
    () => open(tar.slice(0, Math.floor(tar.length / 2) + 100)),
    InvalidArgumentError,
  );
  const gzip = bytesOf(ociArchiveGzip);
  await assertRejects(() => open(gzip.slice(0, gzip.length - 20)), InvalidArgumentError, "gzip");
});

test("openArchive() rejects an archive that is neither an OCI layout nor a docker save", async () => {
  await assertRejects(
    () => open(tarBytes([{ name: "hello.txt", data: "hi" }])),
    InvalidArgumentError,
    "found neither",
  );
  await assertRejects(() => open(tarBytes([])), InvalidArgumentError);
  await assertRejects(() => openArchive(join(tmpdir(), "no-such-archive.tar")), NotFoundError);
});

test("an OCI archive without index.json is NotFoundError naming the file", async () => {
  const { entries } = await layoutTar();
  await assertRejects(
    () => open(tarBytes(entries.filter((e) => e.name !== "index.json"))),
    NotFoundError,
    "index.json is missing",
  );
});

// --- docker save archives built byte by byte (Docker <= 24 layout: <v1id>/layer.tar) ---

async function dockerTar(
  repoTags: string[] | null,
  layer: Uint8Array<ArrayBuffer>,
  config: object,
) {
  const configBytes = text(JSON.stringify(config));
  const configName = `${(await digestOf(configBytes)).slice(7)}.json`;
  return tarBytes([
    { name: configName, data: configBytes },
    { name: "v1id/layer.tar", data: layer },
    { name: "v1id/VERSION", data: "1.0" },
    { name: "v2id/layer.tar", type: "2", linkname: "../v1id/layer.tar" },
    {
      name: "manifest.json",
      data: JSON.stringify([{
        Config: configName,
        RepoTags: repoTags,
        Layers: ["v1id/layer.tar", "v2id/layer.tar"],
      }]),
    },
  ]);
}

test("a docker save archive without tags has no names unless digestRefs names it", async () => {
  const layer = tarBytes([{ name: "hello.txt", data: "hi" }]);
  const archive = await dockerTar(null, layer, {
    architecture: "arm64",
    variant: "v8",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [] },
  });
  assertEquals(await (await open(archive)).images.list(), []);
  const named = await openArchive(new Blob([archive]), {
    baseName: "registry.test/x",
    digestRefs: true,
  });
  const [record] = await named.images.list();
  assert(record.name.startsWith("registry.test/x@sha256:"));
  const manifest = JSON.parse(
    new TextDecoder().decode(await readBlob(named.content, record.target)),
  );
  assertEquals(manifest.layers.length, 2);
  assertEquals(manifest.layers[0].digest, await digestOf(layer));
  assertEquals(manifest.layers[1], manifest.layers[0]);
  assertEquals(manifest.layers[0].mediaType, DOCKER_LAYER);
});

test("a docker save archive types gzip layers by sniffing and normalizes RepoTags", async () => {
  const { gzipSync } = await import("node:zlib");
  const layer = new Uint8Array(gzipSync(tarBytes([{ name: "a", data: "a" }])));
  const archive = await dockerTar(["busybox", "ghcr.io/o/r:v1"], layer, {
    architecture: "amd64",
    os: "linux",
  });
  const source = await open(archive);
  const records = await source.images.list();
  assertEquals(records.map((r) => r.name), ["docker.io/library/busybox:latest", "ghcr.io/o/r:v1"]);
  const manifest = JSON.parse(
    new TextDecoder().decode(await readBlob(source.content, records[0].target)),
  );
  assertEquals(manifest.layers[0].mediaType, DOCKER_LAYER_GZIP);
  assertEquals(manifest.layers[0].digest, await digestOf(layer));
  await assertRejects(
    async () => open(await dockerTar(["Not A Ref"], layer, {})),
    InvalidArgumentError,
    "RepoTag",
  );
});

test("a docker save archive naming a missing layer is rejected", async () => {
  const archive = tarBytes([
    { name: "c.json", data: "{}" },
    {
      name: "manifest.json",
      data: JSON.stringify([{ Config: "c.json", RepoTags: ["a:1"], Layers: ["missing.tar"] }]),
    },
  ]);
  await assertRejects(() => open(archive), InvalidArgumentError, "missing.tar");
  const notJson = tarBytes([{ name: "manifest.json", data: "[" }]);
  await assertRejects(() => open(notJson), InvalidArgumentError, "manifest.json is not JSON");
});

test("the OCI archive from a path and from a Blob list the same records", async () => {
  const { ociArchive } = await fixtures();
  const fromPath = await openArchive(ociArchive, { baseName: APP });
  const fromBlob = await openArchive(new Blob([bytesOf(ociArchive)]), { baseName: APP });
  assertEquals(await fromPath.images.list(), await fromBlob.images.list());
  await fromPath.close?.();
  const dir = mkdtempSync(join(tmpdir(), "archive-"));
  writeFileSync(join(dir, "copy.tar"), bytesOf(ociArchive));
  const copy = await openArchive(join(dir, "copy.tar"), { baseName: APP });
  assertEquals((await copy.images.list()).length, 1);
  await copy.close?.();
  if ((await fromBlob.images.list()).length !== 1) fail("expected one record");
});
