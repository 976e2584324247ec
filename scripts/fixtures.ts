/**
 * Builds the real-tool fixtures for the disk-source tests: umoci images (multi-layer with a full
 * config, busybox-static, a two-platform index) in an OCI layout, and skopeo copies of them to
 * `oci-archive:` (plain and gzip), `docker-archive:` and `dir:`, plus a Docker-25-style hybrid
 * archive (OCI layout and `manifest.json` in one tar). Usage: `fixtures.ts OUT_DIR`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { gzipSync } from "node:zlib";
import {
  buildImage,
  entryOf,
  FIXED_TIME,
  type ImageSpec,
  initLayout,
  readIndex,
  relaxModes,
  run,
  writeIndex,
  writePlatformIndex,
} from "./_umoci.ts";

/** Bumped whenever the fixtures change, so cached builds are rebuilt. */
export const FIXTURES_VERSION = 1;

/** What `fixtures.json` in the output directory records of one image. */
export interface FixtureImage {
  /** The `org.opencontainers.image.ref.name` of its layout entry. */
  readonly tag: string;
  /** Its layout entry: manifest (or index) media type, digest and size. */
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  /** Config digest (the image ID) of the linux/amd64 manifest. */
  readonly configDigest: string;
  /** Uncompressed layer digests of the linux/amd64 manifest. */
  readonly diffIds: readonly string[];
}

/** The manifest of a fixture build (`fixtures.json`); paths are relative to the output directory. */
export interface FixturesManifest {
  readonly version: number;
  /** OCI layout with tags `app`, `example.com/team/app:1.0` (same image), `busybox`, `multi`. */
  readonly layout: string;
  /** `skopeo copy oci:layout:app oci-archive:FILE:1.0`. */
  readonly ociArchive: string;
  /** The same tar, gzip-compressed. */
  readonly ociArchiveGzip: string;
  /** `skopeo copy --all oci:layout:multi oci-archive:FILE:multi`. */
  readonly multiArchive: string;
  /** `skopeo copy oci:layout:app docker-archive:FILE:example.com/app:1.0 --additional-tag app:latest`. */
  readonly dockerArchive: string;
  /** `skopeo copy oci:layout:app dir:DIR`. */
  readonly dir: string;
  /** Docker-25-style archive: an OCI layout of `app` named `docker.io/library/app:1.0` plus `manifest.json`. */
  readonly hybridArchive: string;
  /** Per layout tag. */
  readonly images: Readonly<Record<string, FixtureImage>>;
}

const _appSpec: ImageSpec = {
  architecture: "amd64",
  layers: [
    {
      createdBy: "/bin/sh -c #(nop) ADD etc",
      files: {
        "etc/os-release": 'NAME="ocistore fixture"\nID=fixture\n',
        "etc/hostname": "app\n",
      },
    },
    {
      createdBy: "/bin/sh -c #(nop) COPY app",
      files: {
        "usr/local/bin/app": { bytes: '#!/bin/sh\necho app "$@"\n', executable: true },
        "usr/local/bin/app-alias": { link: "app" },
      },
    },
    {
      createdBy: "/bin/sh -c #(nop) COPY data",
      files: { "srv/data/greeting.txt": "hello from the third layer\n".repeat(64) },
    },
  ],
  env: ["PATH=/usr/local/bin:/usr/bin:/bin", "APP_MODE=fixture"],
  entrypoint: ["/usr/local/bin/app"],
  cmd: ["--serve"],
  workingDir: "/srv/data",
  user: "1000:1000",
  labels: { "org.opencontainers.image.title": "app", "com.example.fixture": "true" },
  exposedPorts: ["8080/tcp", "9090/udp"],
  volumes: ["/srv/data"],
  stopSignal: "SIGTERM",
  author: "ocistore fixtures",
};

/**
 * Builds every fixture into `outDir` (replacing what is there) and writes `fixtures.json` last.
 *
 * @param outDir The output directory.
 * @returns When everything is written.
 * @throws {Error} When umoci, skopeo or tar fails or is missing.
 */
export function buildFixtures(outDir: string): Promise<void> {
  try {
    _build(outDir);
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

function _build(outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const work = join(outDir, "work");
  const layout = join(outDir, "layout");
  initLayout(layout);

  buildImage(layout, "app", _appSpec, work);
  buildImage(layout, "busybox", {
    architecture: "amd64",
    layers: [{
      createdBy: "/bin/sh -c #(nop) ADD busybox",
      files: {
        "bin/busybox": { bytes: readFileSync("/bin/busybox"), executable: true },
        ...Object.fromEntries(
          ["sh", "ls", "cat", "echo", "env"].map((a) => [`bin/${a}`, { link: "busybox" }]),
        ),
      },
    }],
    cmd: ["/bin/sh"],
    env: ["PATH=/bin"],
  }, work);
  for (const [tag, architecture] of [["multi-amd64", "amd64"], ["multi-arm64", "arm64"]]) {
    buildImage(layout, tag, {
      architecture,
      layers: [{ createdBy: `ADD ${architecture}`, files: { "etc/arch": `${architecture}\n` } }],
      cmd: ["/bin/true"],
    }, work);
  }
  run("umoci", ["tag", "--image", `${layout}:app`, "example.com/team/app:1.0"]);
  run("umoci", ["gc", "--layout", layout]);
  writePlatformIndex(layout, "multi", [
    { tag: "multi-amd64", platform: { architecture: "amd64", os: "linux" } },
    { tag: "multi-arm64", platform: { architecture: "arm64", os: "linux", variant: "v8" } },
  ]);
  relaxModes(layout);
  rmSync(work, { recursive: true, force: true });

  const skopeo = (...args: string[]) => run("skopeo", ["copy", "--quiet", ...args]);
  skopeo(`oci:${layout}:app`, `oci-archive:${join(outDir, "app.oci.tar")}:1.0`);
  writeFileSync(
    join(outDir, "app.oci.tar.gz"),
    gzipSync(readFileSync(join(outDir, "app.oci.tar")), { level: 6 }),
  );
  skopeo("--all", `oci:${layout}:multi`, `oci-archive:${join(outDir, "multi.oci.tar")}:multi`);
  skopeo(
    "--additional-tag",
    "app:latest",
    `oci:${layout}:app`,
    `docker-archive:${join(outDir, "app.docker.tar")}:example.com/app:1.0`,
  );
  skopeo(`oci:${layout}:app`, `dir:${join(outDir, "app.dir")}`);
  buildHybrid(layout, outDir);

  const images: Record<string, FixtureImage> = {};
  for (const entry of readIndex(layout).manifests) {
    const tag = entry.annotations?.["org.opencontainers.image.ref.name"] ?? "";
    const manifest = _manifestFor(layout, entry.digest);
    const config = _blobJson(layout, manifest.config.digest);
    images[tag] = {
      tag,
      mediaType: entry.mediaType,
      digest: entry.digest,
      size: entry.size,
      configDigest: manifest.config.digest,
      diffIds: config.rootfs.diff_ids,
    };
  }
  const manifest: FixturesManifest = {
    version: FIXTURES_VERSION,
    layout: "layout",
    ociArchive: "app.oci.tar",
    ociArchiveGzip: "app.oci.tar.gz",
    multiArchive: "multi.oci.tar",
    dockerArchive: "app.docker.tar",
    dir: "app.dir",
    hybridArchive: "app.hybrid.tar",
    images,
  };
  writeFileSync(join(outDir, "fixtures.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/**
 * The layout of Docker 25+ `docker save`: `oci-layout`, `index.json` with the full name in
 * `io.containerd.image.name` and the tag in `org.opencontainers.image.ref.name`, blobs, and a
 * legacy `manifest.json` + `repositories` pointing into `blobs/sha256/`.
 */
function buildHybrid(layout: string, outDir: string): void {
  const root = join(outDir, "hybrid");
  rmSync(root, { recursive: true, force: true });
  run("skopeo", ["copy", "--quiet", `oci:${layout}:app`, `oci:${root}:1.0`]);
  const entry = entryOf(root, "1.0");
  writeIndex(root, [{
    ...entry,
    annotations: {
      "io.containerd.image.name": "docker.io/library/app:1.0",
      "org.opencontainers.image.ref.name": "1.0",
    },
  }]);
  const manifest = _manifestFor(root, entry.digest);
  const path = (digest: string) => `blobs/sha256/${digest.slice("sha256:".length)}`;
  const layers: string[] = manifest.layers.map((l: { digest: string }) => path(l.digest));
  writeFileSync(
    join(root, "manifest.json"),
    JSON.stringify([{
      Config: path(manifest.config.digest),
      RepoTags: ["app:1.0"],
      Layers: layers,
    }]),
  );
  const top = layers.at(-1)!.split("/").at(-1);
  writeFileSync(join(root, "repositories"), JSON.stringify({ app: { "1.0": top } }));
  relaxModes(root);
  run("find", [root, "-exec", "touch", "-h", "-d", FIXED_TIME, "{}", "+"]);
  tarDir(root, join(outDir, "app.hybrid.tar"));
  rmSync(root, { recursive: true, force: true });
}

/** Tars a directory's contents reproducibly (sorted names, fixed owner and mtime). */
export function tarDir(dir: string, file: string): void {
  execFileSync("tar", [
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    `--mtime=${FIXED_TIME}`,
    "--format=posix",
    "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
    "-cf",
    file,
    "-C",
    dir,
    ".",
  ]);
}

// deno-lint-ignore no-explicit-any
function _blobJson(layout: string, digest: string): any {
  return JSON.parse(readFileSync(join(layout, "blobs/sha256", digest.slice(7)), "utf8"));
}

// deno-lint-ignore no-explicit-any
function _manifestFor(layout: string, digest: string): any {
  const document = _blobJson(layout, digest);
  if (!Array.isArray(document.manifests)) return document;
  const amd64 = document.manifests.find((m: { platform?: { architecture?: string } }) =>
    m.platform?.architecture === "amd64"
  );
  return _manifestFor(layout, amd64.digest);
}

const _isMain = (() => {
  const entry = process.argv[1];
  return entry !== undefined && existsSync(entry) &&
    resolve(entry) === resolve(new URL(import.meta.url).pathname);
})();
if (_isMain) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: fixtures.ts OUT_DIR");
    process.exit(2);
  }
  buildFixtures(out).then(() => console.log(`fixtures written to ${out}`));
}
