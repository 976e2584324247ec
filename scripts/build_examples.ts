/**
 * Regenerates `examples/layout/`, the small OCI layout the CLI shows when no SOURCE is given:
 * `hello` (one layer), `app` (three layers, full config, two tags) and `multi` (an index over
 * linux/amd64 and linux/arm64/v8). Byte-reproducible: run as root with umoci 0.4.7, e.g.
 * `deno run -A scripts/build_examples.ts`; the blobs come out identical every time.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildImage, initLayout, relaxModes, run, writePlatformIndex } from "./_umoci.ts";

/** The names the example images carry (full references, so no base name is needed). */
export const EXAMPLE_NAMES: readonly string[] = [
  "example.com/ocistore/hello:1.0",
  "example.com/ocistore/app:2.1",
  "example.com/ocistore/app:latest",
  "example.com/ocistore/multi:1.0",
];

/**
 * Builds the example layout into `layout` (replacing it).
 *
 * @param layout The directory to write.
 */
export function buildExamples(layout: string): void {
  const work = mkdtempSync(join(tmpdir(), "ocistore-examples-"));
  const staging = join(work, "layout");
  initLayout(staging);
  const [hello, app, appLatest, multi] = EXAMPLE_NAMES;
  buildImage(staging, hello, {
    architecture: "amd64",
    layers: [{
      createdBy: "COPY hello.txt /",
      files: { "hello.txt": "Hello from an ocistore example image.\n" },
    }],
    cmd: ["cat", "/hello.txt"],
  }, work);
  buildImage(staging, app, {
    architecture: "amd64",
    layers: [
      {
        createdBy: "/bin/sh -c #(nop) ADD etc /etc",
        files: { "etc/os-release": 'NAME="ocistore example"\n', "etc/hostname": "app\n" },
      },
      {
        createdBy: "/bin/sh -c #(nop) COPY app /usr/local/bin/app",
        files: {
          "usr/local/bin/app": { bytes: '#!/bin/sh\necho "app $*"\n', executable: true },
          "usr/local/bin/serve": { link: "app" },
        },
      },
      {
        createdBy: "/bin/sh -c #(nop) COPY data /srv/data",
        files: { "srv/data/index.html": "<h1>ocistore</h1>\n".repeat(32) },
      },
    ],
    env: ["PATH=/usr/local/bin:/usr/bin:/bin", "APP_PORT=8080"],
    entrypoint: ["/usr/local/bin/app"],
    cmd: ["serve"],
    workingDir: "/srv/data",
    user: "1000:1000",
    labels: {
      "org.opencontainers.image.title": "ocistore example app",
      "org.opencontainers.image.version": "2.1",
    },
    exposedPorts: ["8080/tcp"],
    volumes: ["/srv/data"],
    stopSignal: "SIGTERM",
    author: "ocistore",
  }, work);
  run("umoci", ["tag", "--image", `${staging}:${app}`, appLatest]);
  for (const architecture of ["amd64", "arm64"]) {
    buildImage(staging, `multi-${architecture}`, {
      architecture,
      layers: [{ createdBy: "COPY arch /etc/arch", files: { "etc/arch": `${architecture}\n` } }],
      cmd: ["cat", "/etc/arch"],
    }, work);
  }
  run("umoci", ["gc", "--layout", staging]);
  writePlatformIndex(staging, multi, [
    { tag: "multi-amd64", platform: { architecture: "amd64", os: "linux" } },
    { tag: "multi-arm64", platform: { architecture: "arm64", os: "linux", variant: "v8" } },
  ]);
  relaxModes(staging);
  rmSync(layout, { recursive: true, force: true });
  cpSync(staging, layout, { recursive: true });
  rmSync(work, { recursive: true, force: true });
}

const _entry = process.argv[1];
if (_entry && fileURLToPath(import.meta.url) === _entry) {
  const out = join(dirname(fileURLToPath(import.meta.url)), "..", "examples", "layout");
  buildExamples(out);
  console.log(`examples written to ${out}`);
}
