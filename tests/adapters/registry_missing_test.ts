// A missing tag or repository is said in words, with the registry's code as a field the page and
// the CLI branch on (against Debian's docker-registry on loopback).
import { assertEquals, assertRejects } from "@std/assert";
import { test } from "../harness.ts";
import { DOCKER_REPO, registryOf } from "./_registry.ts";
import { openRegistry } from "../../src/adapters/registry.ts";
import { NotFoundError } from "../../src/core/errors.ts";
import { runCli } from "../cli/_in_process.ts";

test("registry: a missing tag and a missing repository say what is missing, registryCode and status set", async () => {
  const { host } = await registryOf("anonymous");
  const source = await openRegistry(`${host}/${DOCKER_REPO}`, { plainHttp: true });
  const tag = await assertRejects(() => source.resolve("nope"), NotFoundError);
  assertEquals(
    tag.message,
    `Cannot resolve "${host}/${DOCKER_REPO}:nope": tag nope not found in ${host}/${DOCKER_REPO} (MANIFEST_UNKNOWN)`,
  );
  assertEquals([tag.registryCode, tag.status], ["MANIFEST_UNKNOWN", 404]);
  const digest = `sha256:${"0".repeat(64)}`;
  const byDigest = await assertRejects(() => source.resolve(digest), NotFoundError);
  assertEquals(byDigest.registryCode, "MANIFEST_UNKNOWN");
  assertEquals(
    byDigest.message.endsWith(
      `manifest ${digest} not found in ${host}/${DOCKER_REPO} (MANIFEST_UNKNOWN)`,
    ),
    true,
    byDigest.message,
  );
  const nowhere = await openRegistry(`${host}/ocistore/nothing`, { plainHttp: true });
  // docker-registry answers a manifest of an unknown repository with MANIFEST_UNKNOWN, and its
  // tag list with NAME_UNKNOWN: the words follow the registry's code.
  const repo = await assertRejects(() => nowhere.resolve("1.0"), NotFoundError);
  assertEquals(repo.registryCode, "MANIFEST_UNKNOWN");
  const tags = await assertRejects(() => nowhere.tags(), NotFoundError);
  assertEquals(tags.registryCode, "NAME_UNKNOWN");
  assertEquals(
    tags.message,
    `Cannot list the tags of ${host}/ocistore/nothing: repository ${host}/ocistore/nothing not known to the registry (NAME_UNKNOWN)`,
  );
});

test("cli: a missing tag is one line naming the tag and the repository, exit 3", async () => {
  const { host } = await registryOf("anonymous");
  const { code, stderr } = await runCli([
    "images",
    `docker://${host}/${DOCKER_REPO}:nope`,
    "--plain-http",
    "--no-cache",
  ]);
  assertEquals(code, 3);
  assertEquals(
    stderr,
    `ocistore: Cannot resolve "${host}/${DOCKER_REPO}:nope": tag nope not found in ${host}/${DOCKER_REPO} (MANIFEST_UNKNOWN)\n`,
  );
});
