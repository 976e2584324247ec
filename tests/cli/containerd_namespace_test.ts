// Issue 14 item 7: a containerd namespace without images names the namespaces that have some.
import { assertEquals, assertMatch } from "@std/assert";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { startContainerd } from "../adapters/_containerd.ts";

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) dir = dirname(dir);
  return dir;
}

function run(command: string, args: string[], cwd: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, NO_COLOR: "1" } }, (error, o, e) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout: String(o), stderr: String(e) });
    });
  });
}

test("7. a containerd namespace without images warns and names the namespaces that have some, on Deno, Bun and Node", async () => {
  const root = repoRoot();
  const f = await fixtures();
  const daemon = await startContainerd();
  try {
    await daemon.ctr(
      "default",
      "images",
      "import",
      "--base-name",
      "example.com/app",
      "--no-unpack",
      f.ociArchive,
    );
  } finally {
    await daemon.stop({ keep: true });
  }
  try {
    const runtimes: [string, string[]][] = [
      [join(root, "node_modules/.bin/deno"), ["run", "-A", "src/cli/bin.ts"]],
      [join(root, "node_modules/.bin/bun"), ["src/cli/bin.ts"]],
    ];
    const built = join(root, "npm/esm/src/cli/bin.js");
    if (existsSync(built)) runtimes.push([process.execPath, [built]]);
    const results = await Promise.all(runtimes.flatMap(([command, prefix]) => [
      run(command, [...prefix, "images", `containerd:${daemon.root}`], root),
      run(
        command,
        [...prefix, "images", `containerd:${daemon.root}?namespace=default`, "-q"],
        root,
      ),
    ]));
    for (let i = 0; i < results.length; i += 2) {
      const [empty, named] = [results[i], results[i + 1]];
      assertEquals(empty.code, 0, empty.stderr);
      assertMatch(
        empty.stderr,
        /^ocistore: warning: containerd namespace "k8s\.io" has no images; "default" has some \(containerd:.*\?namespace=default\)\n$/,
      );
      assertEquals([named.code, named.stderr], [0, ""]);
      assertMatch(named.stdout, /^sha256:[0-9a-f]{64}\n$/);
    }
  } finally {
    daemon.remove();
  }
});
