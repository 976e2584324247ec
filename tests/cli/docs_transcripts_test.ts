// Every `$ ocistore …` transcript in the docs (README.md, ARCHITECTURE.md, docs/*.md) is run, in
// this process through `runCli`, and its output and exit code compared with what the doc shows, so
// the docs cannot go stale (issue 19 point 7). The sources a transcript names are built here under
// the names the doc uses (the table below); `docker://127.0.0.1:5000/…` is the suite's loopback
// docker-registry filled from examples/layout, whatever port it really has; `containerd:…` a real
// containerd root. What changes from run to run is compared through placeholders (_transcripts.ts).
import { assert, assertEquals } from "@std/assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { fixtures, repoRoot } from "../fixtures.ts";
import { registryOf } from "../adapters/_registry.ts";
import { startContainerd } from "../adapters/_containerd.ts";
import { tarBytes } from "../adapters/_tar_builder.ts";
import { generateLayout } from "../../bench/gen_layout.ts";
import { runCli } from "./_in_process.ts";
import { runCommand } from "./_runtimes.ts";
import { named, OCI_INDEX, testLayout } from "./_layout.ts";
import {
  linkOutLayout,
  singlePlatformExport,
  tagOnlyLayout,
  umociLayout,
  untaggedDockerSave,
} from "./_sources.ts";
import { linesMatch, placeholders, type Transcript, transcriptsOf } from "./_transcripts.ts";

const ROOT = repoRoot();
/** The registry address the docs show; the real one has a free port. */
const DOC_REGISTRY = "127.0.0.1:5000";
/** The checkout path the docs show where a message names it. */
const DOC_CHECKOUT = "/path/to/ocistore";

/** The sources the transcripts name, each built once, on first use. */
const SOURCES: Record<string, () => Promise<string>> = {
  "examples/layout": () => Promise.resolve(join(ROOT, "examples", "layout")),
  // skopeo copy … docker-archive:FILE:example.com/app:1.0 --additional-tag app:latest
  "app.docker.tar": async () => (await fixtures()).dockerArchive,
  // skopeo copy … oci-archive:FILE:1.0 (a tag-only ref name)
  "app.oci.tar": async () => (await fixtures()).ociArchive,
  "tagged-layout": async () => (await tagOnlyLayout()).dir,
  "umoci-layout": async () => (await umociLayout()).dir,
  "untagged.docker.tar": untaggedDockerSave,
  "export": async () => (await singlePlatformExport()).dir,
  "linked": async () => (await linkOutLayout()).dir,
  "damaged": damagedLayout,
  "broken": brokenLayout,
  "cut.tar": () =>
    Promise.resolve(file("cut.tar", tarBytes([{ name: "oci-layout", data: "{}" }]).slice(0, 300))),
  "notes.tar": () => Promise.resolve(file("notes.tar", "notes ".repeat(200))),
  "app.dir": () => Promise.resolve(mkdtempSync(join(tmpdir(), "ocistore-docs-dir-"))),
  "bench1k": async () => {
    const dir = mkdtempSync(join(tmpdir(), "ocistore-docs-bench-"));
    await generateLayout(dir, 1000);
    return dir;
  },
  "containerd-root": containerdRoot,
};

const built = new Map<string, Promise<string>>();
function source(name: string): Promise<string> {
  let path = built.get(name);
  if (!path) built.set(name, path = SOURCES[name]());
  return path;
}

function file(name: string, data: string | Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), "ocistore-docs-file-")), name);
  writeFileSync(path, data);
  return path;
}

/** example.com/a:1 with its layer missing, example.com/b:1 with its layer tampered. */
async function damagedLayout(): Promise<string> {
  const layout = testLayout();
  const a = await layout.image("a");
  const b = await layout.image("b");
  rmSync(join(layout.dir, "blobs/sha256", a.layer.digest.slice(7)));
  writeFileSync(join(layout.dir, "blobs/sha256", b.layer.digest.slice(7)), "tampered");
  layout.write([named(a.manifest, "example.com/a:1"), named(b.manifest, "example.com/b:1")]);
  return layout.dir;
}

/** One good image, one for arm64 only, one whose manifest is gone, a name that does not parse. */
async function brokenLayout(): Promise<string> {
  const layout = testLayout();
  const good = await layout.image("good");
  const gone = await layout.image("gone");
  rmSync(join(layout.dir, "blobs/sha256", gone.manifest.digest.slice(7)));
  const arm = await layout.image("arm", { arch: "arm64" });
  const index = await layout.blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ ...arm.manifest, platform: { os: "linux", architecture: "arm64" } }],
    }),
    OCI_INDEX,
  );
  layout.write([
    named(good.manifest, "example.com/good:1"),
    named(index, "example.com/arm-only:1"),
    named(gone.manifest, "example.com/gone:1"),
    named(good.manifest, "Not::Valid"),
  ]);
  return layout.dir;
}

/** A containerd root whose images are in namespace "default" (ctr images import of app.oci.tar). */
async function containerdRoot(): Promise<string> {
  const f = await fixtures();
  const daemon = await startContainerd();
  try {
    await daemon.ctr("default", "images", "import", "--base-name", "example.com/app", f.ociArchive);
  } finally {
    await daemon.stop({ keep: true });
  }
  return daemon.root;
}

/** The words of a command with the doc's names replaced by the real paths and address. */
async function realArgv(argv: readonly string[], registry?: string): Promise<string[]> {
  const out: string[] = [];
  for (let word of argv) {
    if (registry) word = word.replace(`docker://${DOC_REGISTRY}/`, `docker://${registry}/`);
    for (const name of Object.keys(SOURCES)) {
      const at = new RegExp(`(^|:)${name.replace(/[.]/g, "\\.")}(?=$|[:?])`);
      if (at.test(word)) word = word.replace(at, `$1${await source(name)}`);
    }
    out.push(word);
  }
  return out;
}

/** Output with the real paths and address put back as the doc names them, then placeholders. */
async function asDocumented(text: string, registry?: string): Promise<string> {
  const names = [...built.keys()];
  const paths = await Promise.all(names.map((name) => source(name)));
  const byLength = names.map((name, i) => [paths[i], name]).sort((a, b) =>
    b[0].length - a[0].length
  );
  for (const [path, name] of byLength) text = text.replaceAll(path, name);
  if (registry) text = text.replaceAll(registry, DOC_REGISTRY);
  return placeholders(text.replaceAll(ROOT, DOC_CHECKOUT));
}

async function check(transcript: Transcript): Promise<void> {
  const usesRegistry = transcript.commands.some((c) =>
    c.argv.some((w) => w.startsWith(`docker://${DOC_REGISTRY}/`))
  );
  const registry = usesRegistry ? (await registryOf("anonymous")).host : undefined;
  // A port of another length shifts the columns, so those tables are compared word by word.
  const columns = (line: string) => (usesRegistry ? line.replace(/ {2,}/g, "  ") : line);
  for (const command of transcript.commands) {
    const [program, ...args] = command.argv;
    const run = program === "deno"
      ? await runCommand(join(ROOT, "node_modules/.bin/deno"), args)
        .then((r) => ({ ...r, output: r.stdout + r.stderr }))
      : await runCli(await realArgv(args, registry));
    const text = (await asDocumented(run.output, registry)).replace(/\n$/, "");
    const printed = text === "" ? [] : text.split("\n");
    const expected = command.output.map((line) => placeholders(line));
    const label = `${transcript.where} $ ${command.argv.join(" ")}`;
    assert(
      linesMatch(expected.map(columns), printed.map(columns)),
      `${label} printed:\n${printed.join("\n")}\n--- the doc shows:\n${expected.join("\n")}`,
    );
    assertEquals(run.code, command.code, `${label}: exit code`);
  }
}

const DOCS = [
  ...readdirSync(ROOT).filter((n) => n.endsWith(".md")),
  ...readdirSync(join(ROOT, "docs")).filter((n) => n.endsWith(".md")).map((n) => `docs/${n}`),
];
const TEXTS = new Map(DOCS.map((doc) => [doc, readFileSync(join(ROOT, doc), "utf8")]));
const TRANSCRIPTS = DOCS.flatMap((doc) => transcriptsOf(doc, TEXTS.get(doc)!));

test("docs: every console block is a transcript of ocistore (or deno) commands, checked or saying why not", () => {
  assert(TRANSCRIPTS.length > 0, "no ```console block found in the docs");
  for (const t of TRANSCRIPTS) {
    assert(t.commands.length > 0, `${t.where}: an empty console block`);
    for (const c of t.commands) {
      assert(
        c.argv[0] === "ocistore" || (c.argv[0] === "deno" && c.argv[1] === "run"),
        `${t.where}: "$ ${c.argv.join(" ")}" is neither ocistore nor deno run`,
      );
    }
  }
  // A `$ ocistore` line outside a console block would go unchecked.
  for (const [doc, text] of TEXTS) {
    const lines = text.split("\n").filter((line) => line.startsWith("$ ocistore ")).length;
    const inBlocks = TRANSCRIPTS.filter((t) => t.where.startsWith(`${doc}:`))
      .flatMap((t) => t.commands).filter((c) => c.argv[0] === "ocistore").length;
    assertEquals(lines, inBlocks, `${doc}: every "$ ocistore" line is in a console block`);
  }
});

for (const transcript of TRANSCRIPTS) {
  if (transcript.notChecked) continue;
  const first = transcript.commands[0]?.argv.join(" ") ?? "";
  test(`docs: ${transcript.where} $ ${first}`, () => check(transcript), { timeout: 120_000 });
}
