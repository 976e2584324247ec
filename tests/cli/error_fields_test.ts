// The CLI words its messages from errors' fields, never by matching their text.
import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { runCli as cli } from "./_in_process.ts";

test("a --base-name that is no reference says what is wrong with it, from the parse error's problem", async () => {
  const f = await fixtures();
  const refused = await cli(["images", f.ociArchive, "--base-name", "Example.com/App"]);
  assertEquals(refused.code, 2);
  assertEquals(
    refused.stderr,
    'ocistore: invalid --base-name "Example.com/App": expected a repository name such as ' +
      "example.com/team/app, found repository name must be lowercase (see 'ocistore images --help')\n",
  );
});

test("a docker-archive selector that is a digest or no reference says which", async () => {
  const f = await fixtures();
  const digest = `app@sha256:${"a".repeat(64)}`;
  const found = async (ref: string) => {
    const result = await cli(["images", `docker-archive:${f.dockerArchive}:${ref}`]);
    assertEquals(result.code, 2, result.stderr);
    return result.stderr.trimEnd().split("found ").pop()?.replace(/ \(see .*\)$/, "");
  };
  assertEquals(await found(digest), "a digest");
  assertEquals(await found("Not A Ref"), "no reference");
});
