import { assert, assertEquals, assertMatch } from "@std/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { fixtures } from "../fixtures.ts";
import { named, testLayout } from "./_layout.ts";
import { cliRuntimes, repoRoot, runCommand } from "./_runtimes.ts";
import {
  linkOutLayout,
  singlePlatformExport,
  tagOnlyLayout,
  umociLayout,
  untaggedDockerSave,
} from "./_sources.ts";

const ROOT = repoRoot();
const runtimes = cliRuntimes;
const run = runCommand;

test("the CLI prints byte-identical output with the same exit code on Deno, Bun and Node", async () => {
  const f = await fixtures();
  const commands = [
    ["images"],
    ["images", "oci:examples/layout", "--digests", "--pinned", "--no-trunc"],
    ["images", `docker-archive:${f.dockerArchive}`, "-o", "json"],
    ["inspect", "examples/layout", "example.com/ocistore/app:2.1", "-o", "json"],
    ["platforms", "examples/layout", "example.com/ocistore/multi:1.0"],
    ["verify", `oci:${f.layout}`],
    ["inspect", "examples/layout", "nope"],
  ];
  const list = runtimes();
  assert(list.length >= 2);
  // One process per runtime and command, all at once: startup dominates.
  const results = await Promise.all(
    list.map(([, command, prefix]) =>
      Promise.all(commands.map((args) => run(command, [...prefix, ...args])))
    ),
  );
  for (const [i, args] of commands.entries()) {
    const [first, ...others] = results.map((r) => r[i]);
    for (const [j, other] of others.entries()) {
      assertEquals(
        [other.code, other.stdout, other.stderr],
        [first.code, first.stdout, first.stderr],
        `${list[j + 1][0]} versus ${list[0][0]}: ocistore ${args.join(" ")}`,
      );
    }
  }
  assertEquals(results[0].map((r) => r.code), [0, 0, 0, 0, 0, 0, 3]);
});

/** One command line of issue 14 and what every runtime must answer. */
interface Expectation {
  readonly args: string[];
  readonly code: number;
  readonly stdout?: RegExp;
  readonly stderr?: RegExp;
}

/** Runs each expectation on every runtime at once; checks it and that all runtimes agree. */
async function expectOnEveryRuntime(expectations: readonly Expectation[]) {
  const list = runtimes();
  assert(list.length >= 2);
  const results = await Promise.all(
    list.map(([, command, prefix]) =>
      Promise.all(expectations.map(({ args }) => run(command, [...prefix, ...args])))
    ),
  );
  for (const [r, [name]] of list.entries()) {
    for (const [i, expected] of expectations.entries()) {
      const got = results[r][i];
      const what = `${name}: ocistore ${expected.args.join(" ")}\n${got.stdout}${got.stderr}`;
      assertEquals(got.code, expected.code, what);
      if (expected.stdout) assertMatch(got.stdout, expected.stdout, what);
      if (expected.stderr) assertMatch(got.stderr, expected.stderr, what);
      assertEquals([got.stdout, got.stderr], [results[0][i].stdout, results[0][i].stderr], what);
    }
  }
}

test("issue 14's CLI items behave the same on Deno, Bun and Node", async () => {
  const f = await fixtures();
  const umoci = await umociLayout();
  const untagged = await untaggedDockerSave();
  const tagOnly = await tagOnlyLayout();
  const exported = await singlePlatformExport();
  const linked = await linkOutLayout();
  const dir = mkdtempSync(join(tmpdir(), "ocistore-bin-"));
  writeFileSync(join(dir, "text.tar"), "hello ".repeat(200));
  writeFileSync(join(dir, "short.tar"), new Uint8Array(300).fill(48));
  const many = testLayout();
  const images = [];
  for (let i = 0; i < 24; i++) images.push(await many.image(`image ${i}`));
  many.write(images.map((image, i) => named(image.manifest, `example.com/img${i}:1`)));
  const first = images.map((i) => i.config.digest.slice(7, 8));
  const shared = first.find((c, i) => first.indexOf(c) !== i)!;
  await expectOnEveryRuntime([
    // 1
    { args: ["verify", umoci.dir], code: 1, stdout: /\(2 references\) checked: 0 missing, 1 / },
    { args: ["verify", untagged], code: 1, stdout: /^mismatch .*untagged entry/m },
    // 2
    {
      args: ["images", tagOnly.dir],
      code: 0,
      stdout: /import-\d{4}-\d\d-\d\d +v1 /,
      stderr: /^ocistore: warning: 3 entries have tag-only names; listed as import-/,
    },
    { args: ["inspect", tagOnly.dir, tagOnly.ids[0].slice(7, 19)], code: 0, stdout: /:v1"/ },
    { args: ["images", tagOnly.dir, "--base-name", "Bad/Name"], code: 2, stderr: /--base-name/ },
    // 3
    {
      args: [
        "platforms",
        "examples/layout",
        "example.com/ocistore/multi:1.0",
        "--platform",
        "linux/s390x",
      ],
      code: 0,
      stdout: /^linux\/arm64\/v8 +[0-9a-f]{13} +\S+ +false$/m,
    },
    // 4
    { args: ["verify", exported.dir], code: 0, stdout: /all verified; 2 absent by design/ },
    { args: ["verify", exported.dir, "--platform", "linux/arm64"], code: 1, stdout: /^missing /m },
    // 5
    { args: ["verify", linked.dir], code: 1, stdout: /^invalid .*\n.*\(4 references\) checked/ },
    // 6
    {
      args: ["images", `oci:${tagOnly.dir}:v2`, "-q"],
      code: 0,
      stdout: new RegExp(tagOnly.ids[1]),
    },
    {
      args: ["images", `docker-archive:${f.dockerArchive}:@0`],
      code: 0,
      stdout: /example\.com\/app/,
    },
    {
      args: ["images", `oci-archive:${f.dockerArchive}`],
      code: 2,
      stderr: /found a docker save archive/,
    },
    // 8
    { args: ["images", join(dir, "text.tar")], code: 2, stderr: /not a tar archive/ },
    { args: ["images", join(dir, "short.tar")], code: 2, stderr: /truncated/ },
    { args: ["images", join(dir, "none")], code: 2, stderr: /no such file or directory/ },
    { args: ["images", `oci:${join(dir, "none")}`], code: 2, stderr: /no such directory/ },
    // 9
    { args: ["inspect", many.dir, shared], code: 3, stderr: /found \d+: [0-9a-f]{64}, / },
    // 10
    { args: ["images", "-o=json"], code: 0, stdout: /^\{\n {2}"images": \[/ },
    { args: ["--help"], code: 0, stdout: /--version +print the version/ },
    { args: ["resolve", "examples/layout"], code: 2, stderr: /resolve takes SOURCE REF/ },
    // 11
    { args: ["inspect", "examples/layout", "ab6f1"], code: 0, stdout: /^\{\n {2}"info"/ },
  ]);
});

test("8. Deno without read permission says which permission is missing", async () => {
  const deno = join(ROOT, "node_modules/.bin/deno");
  const result = await run(deno, ["run", "--allow-env", "src/cli/bin.ts", "images"]);
  assertEquals(result.code, 2, result.stderr);
  assertMatch(result.stderr, /^ocistore: Cannot open the example images: .*--allow-read/);
});
