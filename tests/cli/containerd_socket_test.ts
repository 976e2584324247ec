// Issue 22: containerd:unix://SOCKET everywhere a SOURCE goes, and `ocistore watch`.
import { spawn } from "node:child_process";
import process from "node:process";
import { assert, assertEquals, assertMatch } from "@std/assert";
import { main } from "../../src/cli/main.ts";
import type { CliIO } from "../../src/cli/context.ts";
import { runtimeName, test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { type Containerd, startContainerd } from "../adapters/_containerd.ts";
import { cliRuntimes, repoRoot } from "./_runtimes.ts";

let started: Promise<Containerd> | undefined;
function containerd(): Promise<Containerd> {
  return started ??= (async () => {
    const daemon = await startContainerd();
    const f = await fixtures();
    const flags = ["--base-name", "example.com/app", "--no-unpack"];
    await daemon.ctr("default", "images", "import", ...flags, f.ociArchive);
    return daemon;
  })();
}

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

test("images over containerd:unix:// equals images over the root, and CONTAINERD_ADDRESS/NAMESPACE are read as ctr reads them", async () => {
  const daemon = await containerd();
  const socket = await cli(["images", `containerd:unix://${daemon.socket}?namespace=default`]);
  assertEquals([socket.code, socket.stderr], [0, ""]);
  assertMatch(socket.stdout, /example\.com\/app/);
  const fromEnv = await cli(["images", "containerd:unix://"], {
    CONTAINERD_ADDRESS: `unix://${daemon.socket}`,
    CONTAINERD_NAMESPACE: "default",
  });
  assertEquals([fromEnv.code, fromEnv.stdout], [0, socket.stdout]);
  // The root read behind the running daemon: the same answer, and a word about the socket.
  const root = await cli(["images", `containerd:${daemon.root}?namespace=default`], {
    CONTAINERD_ADDRESS: daemon.socket,
  });
  assertEquals([root.code, root.stdout], [0, socket.stdout]);
  assertMatch(
    root.stderr,
    /containerd is running on ".*": .*containerd:unix:\/\/.* is the reliable way/,
  );
});

test("containerd:unix://: an empty namespace names those with images; a missing socket names the path and ctr -a", async () => {
  const daemon = await containerd();
  const empty = await cli(["images", `containerd:unix://${daemon.socket}`]);
  assertEquals(empty.code, 0, empty.stderr);
  assertMatch(
    empty.stderr,
    /^ocistore: warning: containerd namespace "k8s\.io" has no images; "default" has some \(containerd:unix:\/\/.*\?namespace=default\)\n$/,
  );
  const missing = await cli(["images", `containerd:unix://${daemon.socket}.gone`]);
  assertEquals(missing.code, 2);
  assert(missing.stderr.includes(`${daemon.socket}.gone`), missing.stderr);
  assert(missing.stderr.includes("ctr -a"), missing.stderr);
});

test("ocistore watch prints one JSON line per change and ends cleanly on SIGINT", async () => {
  const daemon = await containerd();
  const [, command, prefix] = cliRuntimes().find(([name]) => name === runtimeName()) ??
    cliRuntimes()[0];
  const child = spawn(
    command,
    [...prefix, "watch", `containerd:unix://${daemon.socket}?namespace=default`],
    { cwd: repoRoot(), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code))
  );
  try {
    const [record] = (await daemon.ctr("default", "images", "ls", "-q")).trim().split("\n");
    // Tags until the watcher is subscribed and prints (at most a minute: not speed-sensitive).
    const deadline = Date.now() + 60_000;
    let i = 0;
    while (!stdout.includes("example.com/watched:")) {
      assert(Date.now() < deadline, `no line in 60 s; stderr: ${stderr}`);
      await daemon.ctr("default", "images", "tag", record, `example.com/watched:${i++}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await daemon.ctr("default", "images", "rm", "example.com/watched:0");
    while (!stdout.includes('"reference":"example.com/watched:0","previous":"sha256:')) {
      assert(Date.now() < deadline, `no removal in 60 s: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // process.kill, not child.kill: Deno reports a child killed as soon as the signal is sent.
    process.kill(child.pid!, "SIGINT");
    assertEquals(await exited, 0, stderr);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
    const last = lines[lines.length - 1];
    assertEquals(last.reference, "example.com/watched:0");
    assertEquals(last.current, null);
    assertMatch(last.previous, /^sha256:[0-9a-f]{64}$/);
    for (const line of lines) assertEquals(Object.keys(line), ["reference", "previous", "current"]);
  } finally {
    child.kill("SIGKILL");
    await daemon.stop();
  }
  // The daemon's start and the watcher's first line each have a 60 s stall stop of their own.
}, { timeout: 240_000 });
