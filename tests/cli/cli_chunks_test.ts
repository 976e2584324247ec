// What the bundled CLI loads for `images oci:DIR` (issue 23): bin.js, the images command and the
// layout transport, with every chunk they import statically; read from esbuild's metafile of the
// same build `npm run setup` makes, so a static import that drags in a registry, a socket or a
// filesystem shows up here rather than as start-up time.
import { assert, assertEquals } from "@std/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { test } from "../harness.ts";
import { repoRoot } from "./_runtimes.ts";

interface _BuildCli {
  cliBuildOptions(root: string, outdir: string): esbuild.BuildOptions;
}

/** The source modules and external imports of `entries`' chunks and their static imports. */
async function loadedFor(entries: readonly string[]) {
  const root = repoRoot();
  const { cliBuildOptions } = await import(
    pathToFileURL(join(root, "scripts/build_cli.mjs")).href
  ) as _BuildCli;
  const outdir = mkdtempSync(join(tmpdir(), "ocistore-cli-chunks-"));
  try {
    const { metafile } = await esbuild.build({
      ...cliBuildOptions(root, outdir),
      absWorkingDir: root,
      metafile: true,
      write: false,
    });
    const outputs = metafile!.outputs;
    const byEntry = new Map<string, string>();
    for (const [file, output] of Object.entries(outputs)) {
      if (output.entryPoint) byEntry.set(output.entryPoint, file);
    }
    const start = entries.map((entry) => {
      const file = byEntry.get(entry);
      assert(file, `no chunk has ${entry} as its entry`);
      return file;
    });
    const chunks = new Set<string>();
    const modules = new Set<string>();
    const external = new Set<string>();
    while (start.length > 0) {
      const file = start.pop()!;
      if (chunks.has(file)) continue;
      chunks.add(file);
      for (const input of Object.keys(outputs[file].inputs)) modules.add(input);
      for (const { path, kind, external: outside } of outputs[file].imports) {
        if (kind !== "import-statement") continue;
        if (outside) external.add(path);
        else start.push(path);
      }
    }
    return { modules: [...modules].sort(), external: [...external].sort() };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

test("the bundled CLI loads no registry, containerd, proxy, archive or layer code for `images oci:DIR`", async () => {
  const { modules, external } = await loadedFor([
    "src/cli/bin.ts",
    "src/cli/commands/images.ts",
    "src/runtime/open_oci_layout.ts",
  ]);
  // What the run needs is there: the chunks were followed to the layout adapter.
  for (const needed of ["src/cli/commands/images.ts", "src/adapters/oci_layout.ts"]) {
    assert(modules.includes(needed), `${needed} missing from ${modules.join(", ")}`);
  }
  const unwanted = modules.filter((m) =>
    /registry|containerd|proxy\/|archive|tar|layers\/|filesystem|gzip|inflate|zstd|serve|grpc/
      .test(m)
  );
  assertEquals(unwanted, []);
  // A credential helper's child process and the blob cache's directory are docker:// only.
  assertEquals(external.filter((m) => m === "node:child_process" || m === "node:os"), []);
});

test("the bundled CLI loads the registry access only for a `docker://` source", async () => {
  const { modules } = await loadedFor(["src/cli/bin.ts", "src/cli/commands/images.ts"]);
  assertEquals(modules.filter((m) => m.startsWith("src/cli/registry")), []);
  const withRegistry = await loadedFor(["src/cli/registry_access.ts"]);
  assert(withRegistry.modules.includes("src/cli/registry_login.ts"));
});
