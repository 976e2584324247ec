// Issue 22: a containerd socket the user may not open is said to be root's, on every runtime. The
// tests run as root, so the CLI is started as nobody (setpriv) against a real daemon's socket.
import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { startContainerd } from "../adapters/_containerd.ts";
import { type CliRun, cliRuntimes, repoRoot } from "./_runtimes.ts";

const NOBODY = 65534;

/** Runs `command` as uid and gid nobody, with no other groups, a home of its own and NO_COLOR. */
function asNobody(home: string, command: string, args: readonly string[]): Promise<CliRun> {
  const drop = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"];
  // HOME and DENO_DIR: a runtime's caches must be writable by the user it runs as.
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    DENO_DIR: join(home, "deno"),
    NO_COLOR: "1",
  };
  return new Promise((resolve) => {
    execFile(
      "setpriv",
      [...drop, command, ...args],
      { cwd: repoRoot(), env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/**
 * Lets everyone pass through each directory above `paths` that refuses it, and read the checkout's
 * own directory (Bun lists it to resolve packages), as a clone made straight into a `mktemp -d`
 * directory (0700) refuses, so nobody can reach the checkout and its runtimes.
 *
 * @returns What puts every mode back.
 */
function openTheWayTo(checkout: string, paths: readonly string[]): () => void {
  const changed = new Map<string, number>();
  const allow = (dir: string, bits: number) => {
    const mode = changed.get(dir) ?? statSync(dir).mode & 0o7777;
    if ((mode & bits) === bits) return;
    chmodSync(dir, mode | bits);
    changed.set(dir, mode);
  };
  for (const path of [checkout, ...paths]) {
    for (let dir = dirname(realpathSync(path)); dir !== dirname(dir); dir = dirname(dir)) {
      allow(dir, 0o001);
    }
  }
  allow(realpathSync(checkout), 0o005);
  return () => changed.forEach((mode, dir) => chmodSync(dir, mode));
}

test("a containerd socket only root may open: one line that says so and exit 2, on every runtime; its group may read it", async () => {
  // setpriv needs root; the tests' containerd runs as root too.
  assertEquals(process.getuid?.(), 0, "the test drops from root to nobody");
  const daemon = await startContainerd();
  const home = mkdtempSync(join(tmpdir(), "ocistore-nobody-"));
  const runtimes = cliRuntimes();
  const restore = openTheWayTo(repoRoot(), runtimes.map(([, command]) => command));
  try {
    chownSync(home, NOBODY, NOBODY);
    // The way to the socket is open to all (mkdtemp made it 0700); the socket itself is
    // containerd's srw-rw---- root:root, so only the socket's own mode refuses nobody.
    chmodSync(dirname(dirname(daemon.socket)), 0o755);
    chmodSync(dirname(daemon.socket), 0o755);
    const source = `containerd:unix://${daemon.socket}`;
    // Deno and Bun from the sources; Node from npm/ when it is built (the node stage builds first).
    for (const [name, command, lead] of runtimes) {
      const refused = await asNobody(home, command, [...lead, "images", source]);
      assertEquals(
        [refused.code, refused.stdout, refused.stderr],
        [
          2,
          "",
          `ocistore: Cannot connect to containerd at "${daemon.socket}": permission denied (the socket is root's; run as root or as a member of its group)\n`,
        ],
        name,
      );
    }
    // The hint's way out: a member of the socket's group lists the (empty) store.
    chownSync(daemon.socket, 0, NOBODY);
    for (const [name, command, lead] of runtimes) {
      const listed = await asNobody(home, command, [...lead, "images", source]);
      assertEquals([listed.code, listed.stdout.split("\n")[0]], [
        0,
        "IMAGE               TAG                 IMAGE ID            SIZE",
      ], `${name}: ${listed.stderr}`);
    }
  } finally {
    restore();
    await daemon.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
