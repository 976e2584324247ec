// The CLI over docker:// against Debian's docker-registry: the same images as the OCI layout they
// were pushed from, a warm cache with no request by digest, tags, logins from --creds, --authfile
// and a credential helper, and the plain-http rules.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { chmodSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "../harness.ts";
import {
  DOCKER_REPO,
  DOCKER_TAGS,
  EXAMPLE_LAYOUT,
  PUSHED,
  registryOf,
  tempDir,
  USER,
} from "../adapters/_registry.ts";
import { startFaultProxy } from "../adapters/_fault_proxy.ts";
import { main } from "../../src/cli/main.ts";

const HOST = { os: "linux", architecture: "amd64" };

async function cli(argv: string[], env: Record<string, string> = {}, isTTY = false) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
    isTTY,
    host: HOST,
  });
  return { code, stdout, stderr };
}

interface JsonImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: string;
}

test("cli: images docker://… equals images oci:… of the same images, repository by repository", async () => {
  const registry = await registryOf("anonymous");
  const layout = await cli(["images", `oci:${EXAMPLE_LAYOUT}`, "-o", "json"]);
  assertEquals(layout.code, 0);
  const fromLayout = JSON.parse(layout.stdout).images as JsonImage[];
  for (const repo of Object.keys(PUSHED)) {
    const remote = await cli(
      ["images", `docker://${registry.host}/${repo}`, "--plain-http", "--no-cache", "-o", "json"],
    );
    assertEquals([remote.code, remote.stderr], [0, ""]);
    const images = (JSON.parse(remote.stdout).images as JsonImage[]).map((image) => ({
      ...image,
      repoTags: image.repoTags.map((t) => t.replace(registry.host, "example.com")),
      repoDigests: image.repoDigests.map((t) => t.replace(registry.host, "example.com")),
    }));
    const expected = fromLayout.filter((i) => i.repoTags.some((t) => t.includes(`/${repo}:`)));
    assertEquals(images.length, 1);
    assertEquals(images, expected);
  }
  const table = await cli([
    "images",
    `docker://${registry.host}/ocistore/app`,
    "--plain-http",
    "--no-cache",
  ]);
  const layoutTable = await cli(["images", `oci:${EXAMPLE_LAYOUT}`]);
  // The IMAGE column is as wide as the longest name, so rows are compared word by word.
  const words = (text: string) =>
    text.split("\n").slice(1).filter(Boolean).map((r) => r.split(/\s+/).join(" "));
  const rows = words(table.stdout.replaceAll(`${registry.host}/`, "example.com/"));
  assertEquals(
    rows,
    words(layoutTable.stdout).filter((r) => r.startsWith("example.com/ocistore/app ")),
  );
});

test("cli: a second images of the same tags makes no request by digest (cache under $XDG_CACHE_HOME/ocistore)", async () => {
  const registry = await registryOf("anonymous");
  const proxy = await startFaultProxy(registry.url);
  try {
    const cacheHome = tempDir("ocistore-xdg-");
    const argv = [
      "images",
      `docker://${proxy.host}/ocistore/multi:1.0`,
      "--plain-http",
      "-o",
      "json",
    ];
    const first = await cli(argv, { XDG_CACHE_HOME: cacheHome });
    assertEquals(first.code, 0);
    const byDigest = () => proxy.seen.filter((s) => /\/(manifests|blobs)\/sha256:/.test(s.path));
    assertEquals(byDigest().length, 3, "index, manifest and config");
    assert(readdirSync(join(cacheHome, "ocistore", "blobs", "sha256")).length === 3);
    const start = proxy.seen.length;
    const second = await cli(argv, { XDG_CACHE_HOME: cacheHome });
    assertEquals(second, first);
    assertEquals(proxy.seen.slice(start).map((s) => s.method), ["HEAD"]);

    const elsewhere = tempDir("ocistore-cache-dir-");
    const noCache = await cli([...argv, "--no-cache"], { XDG_CACHE_HOME: elsewhere });
    assertEquals(noCache.stdout, first.stdout);
    assertEquals(existsSync(join(elsewhere, "ocistore")), false);
    const dir = join(elsewhere, "explicit");
    assertEquals((await cli([...argv, "--cache-dir", dir])).stdout, first.stdout);
    assert(existsSync(join(dir, "blobs", "sha256")));
  } finally {
    await proxy.close();
  }
});

test("cli: tags lists every tag in byte order, or skopeo's JSON; tags of a layout is a usage error", async () => {
  const registry = await registryOf("anonymous");
  const source = `docker://${registry.host}/${DOCKER_REPO}`;
  const plain = await cli(["tags", source, "--plain-http"]);
  assertEquals(plain, {
    code: 0,
    stdout: [...DOCKER_TAGS].sort().map((t) => `${t}\n`).join(""),
    stderr: "",
  });
  const json = await cli(["tags", source, "--plain-http", "-o", "json"]);
  assertEquals(JSON.parse(json.stdout), {
    Repository: `${registry.host}/${DOCKER_REPO}`,
    Tags: [...DOCKER_TAGS].sort(),
  });
  const layout = await cli(["tags", `oci:${EXAMPLE_LAYOUT}`]);
  assertEquals(layout.code, 2);
  assertStringIncludes(layout.stderr, "docker://");
  const missing = await cli(["tags", `docker://${registry.host}/ocistore/nothing`, "--plain-http"]);
  assertEquals(missing.code, 3);
  assertStringIncludes(missing.stderr, "NAME_UNKNOWN");
});

test("cli: logins come from --creds, --registry-token, --authfile auths and a docker-credential helper", async () => {
  const registry = await registryOf("basic");
  const source = `docker://${registry.host}/ocistore/hello`;
  const base = ["tags", source, "--plain-http"];
  const denied = await cli(base, { HOME: tempDir("ocistore-home-") });
  assertEquals(denied.code, 1);
  assertMatch(denied.stderr, /user name and password/);
  assertEquals(
    (await cli([...base, "--creds", `${USER.username}:${USER.password}`])).stdout,
    "1.0\n",
  );
  assertEquals((await cli([...base, "--creds", "nocolon"])).code, 2);

  const dir = tempDir("ocistore-auth-");
  const authfile = join(dir, "auth.json");
  const auth = btoa(`${USER.username}:${USER.password}`);
  writeFileSync(authfile, JSON.stringify({ auths: { [registry.host]: { auth } } }));
  assertEquals((await cli([...base, "--authfile", authfile])).stdout, "1.0\n");
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }),
  );
  assertEquals((await cli(base, { DOCKER_CONFIG: dir })).stdout, "1.0\n");

  // A credential helper, as `docker login` configures one: it reads the server on stdin.
  const helper = join(dir, "docker-credential-ocistoretest");
  writeFileSync(
    helper,
    [
      "#!/bin/sh",
      "read server",
      `[ "$1" = get ] && [ "$server" = "${registry.host}" ] || { echo "credentials not found in native keychain"; exit 1; }`,
      `echo '{"ServerURL":"'"$server"'","Username":"${USER.username}","Secret":"${USER.password}"}'`,
      "",
    ].join("\n"),
  );
  chmodSync(helper, 0o755);
  const helperConfig = join(dir, "helper.json");
  writeFileSync(helperConfig, JSON.stringify({ credHelpers: { [registry.host]: "ocistoretest" } }));
  const env = { PATH: `${dir}:${process.env.PATH ?? ""}` };
  assertEquals((await cli([...base, "--authfile", helperConfig], env)).stdout, "1.0\n");
  writeFileSync(helperConfig, JSON.stringify({ credsStore: "ocistoretest" }));
  assertEquals((await cli([...base, "--authfile", helperConfig], env)).stdout, "1.0\n");

  const token = await registryOf("token");
  const withToken = await cli([
    "tags",
    `docker://${token.host}/ocistore/hello`,
    "--plain-http",
    "--registry-token",
    "not-a-token",
  ]);
  assertEquals(withToken.code, 1);
  assertStringIncludes(withToken.stderr, "refused the registry token");
});

test("cli: --plain-http is for loopback hosts; --insecure-registry names the host to reach over plain HTTP", async () => {
  const registry = await registryOf("anonymous");
  const far = await cli(["images", "docker://registry.example.com/team/app", "--plain-http"]);
  assertEquals(far.code, 2);
  assertStringIncludes(far.stderr, "--insecure-registry registry.example.com");
  const insecure = await cli([
    "tags",
    `docker://${registry.host}/ocistore/hello`,
    "--insecure-registry",
    registry.host,
  ]);
  assertEquals(insecure, { code: 0, stdout: "1.0\n", stderr: "" });
  const bad = await cli(["images", "docker:/x"]);
  assertEquals(bad.code, 2);
});

test("cli: a terminal sees a progress line while the registry is read; --quiet and a pipe see none", async () => {
  const registry = await registryOf("anonymous");
  const argv = ["images", `docker://${registry.host}/${DOCKER_REPO}`, "--plain-http", "--no-cache"];
  const terminal = await cli(argv, {}, true);
  assertEquals(terminal.code, 0);
  assertStringIncludes(terminal.stderr, "fetching from the registry: 1 requests");
  assert(terminal.stderr.endsWith("\r\x1b[2K"), "the line is cleared before the table");
  const quiet = await cli([...argv, "--quiet"], {}, true);
  assertEquals([quiet.code, quiet.stderr], [0, ""]);
  const piped = await cli(argv);
  assertEquals([piped.stderr, piped.stdout], ["", terminal.stdout]);
});
