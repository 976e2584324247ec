// Issue 14 item 7: a containerd namespace without images names the namespaces that have some.
import { assertEquals, assertMatch } from "@std/assert";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { startContainerd } from "../adapters/_containerd.ts";
import { cliRuntimes, runCommand } from "./_runtimes.ts";

test("7. a containerd namespace without images warns and names the namespaces that have some, on Deno, Bun and Node", async () => {
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
    const results = await Promise.all(
      cliRuntimes().flatMap(([, command, prefix]) => [
        runCommand(command, [...prefix, "images", `containerd:${daemon.root}`]),
        runCommand(command, [
          ...prefix,
          "images",
          `containerd:${daemon.root}?namespace=default`,
          "-q",
        ]),
      ]),
    );
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
