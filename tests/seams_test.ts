// The seams ARCHITECTURE.md shows, each held here where the layering test does not hold it: a
// command, an explorer view and a source are each one file plus one line in a table; layer
// compression is recognised in one place; the core keeps no module state a caller could set.
import { assertEquals } from "@std/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "./harness.ts";
import { repoRoot } from "./fixtures.ts";
import { COMMANDS } from "../src/cli/commands/mod.ts";
import { TRANSPORTS } from "../src/cli/transports.ts";

const ROOT = repoRoot();
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
/** The module files of a folder: not a private helper (`_x.ts`), not the table or type file. */
const modules = (dir: string, not: readonly string[]) =>
  readdirSync(join(ROOT, dir))
    .filter((n) => n.endsWith(".ts") && !n.startsWith("_") && !not.includes(n))
    .map((n) => n.slice(0, -3))
    .sort();

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

test("seams: a command is one file in src/cli/commands and one line in its COMMANDS table", async () => {
  assertEquals(COMMANDS.map((c) => c.name).sort(), modules("src/cli/commands", ["mod.ts"]));
  for (const entry of COMMANDS) assertEquals((await entry.load()).name, entry.name);
});

test("seams: an explorer view is one file in src/explorer/views and one line in its VIEWS table", () => {
  const table = read("src/explorer/views/mod.ts");
  const body = /export const VIEWS[^=]*= \[([^\]]*)\];/.exec(table)?.[1] ?? "";
  // A line of the table is a view imported up front (`storeView`) or on first use (lazy.ts).
  const lines = body.split("\n").map((l) => l.trim()).filter(Boolean);
  const named = lines.map((line) => {
    const lazy = /import\("\.\/(\w+)\.ts"\)/.exec(line)?.[1];
    if (lazy) return lazy;
    const name = /^(\w+),$/.exec(line)?.[1];
    return new RegExp(`^import \\{ ${name} \\} from "\\./(\\w+)\\.ts";$`, "m").exec(table)?.[1] ??
      line;
  });
  assertEquals(named.sort(), modules("src/explorer/views", ["mod.ts", "view.ts", "lazy.ts"]));
});

test("seams: every CLI transport is one entry of TRANSPORTS, and docs/cli.md's SOURCE table names each", () => {
  const table = read("docs/cli.md").split("\n").filter((l) => l.startsWith("| `"));
  for (const name of TRANSPORTS.keys()) {
    const rows = table.filter((row) => row.startsWith(`| \`${name}:`));
    assertEquals(rows.length > 0, true, `docs/cli.md's SOURCE table has no ${name}: row`);
  }
});

test("seams: layer compression is recognised in one place, core/compression.ts compressionOf", () => {
  // gzip's magic (1f 8b) and zstd's (28 b5 2f fd), as bytes compared one by one or as a number.
  const magic = /0x1f\b[^\n]*0x8b|0x28\b[^\n]*0xb5|0xfd2fb528/i;
  // The inflater reads the gzip member header it decodes, the zstd frame walker the frame headers
  // it walks: each parsing its own format, not choosing one.
  const allowed = new Set([
    "src/core/compression.ts",
    "src/core/inflate.ts",
    "src/core/zstd_frames.ts",
  ]);
  const offenders = sources("src").filter((f) => !allowed.has(f)).flatMap((f) =>
    read(f).split("\n").filter((line) => magic.test(line)).map((line) => `${f}: ${line.trim()}`)
  );
  assertEquals(offenders, []);
});

test("seams: the core keeps no module state a caller could set (hashing is the digester option)", () => {
  // A module-level `let` is state; allowed are memos of constants, built on first use.
  const memos = new Set([
    "src/core/_reference_grammar.ts: let grammar", // the compiled reference grammar
    "src/core/inflate.ts: let _fixed", // DEFLATE's fixed Huffman tables
  ]);
  const offenders = sources("src/core").flatMap((f) =>
    read(f).split("\n").filter((line) => /^(?:export )?(?:let|var) /.test(line)).map((line) =>
      `${f}: ${line}`
    )
  ).filter((line) => ![...memos].some((memo) => line.startsWith(memo)));
  assertEquals(offenders, []);
  const setters = sources("src/core").flatMap((f) =>
    [...read(f).matchAll(/^export (?:async )?function (set[A-Z]\w*)/gm)].map((m) => `${f}: ${m[1]}`)
  );
  assertEquals(setters, []);
});

test("seams: a tar header is decoded in one place, core/_tar_header.ts, under the core's reader and the archive index", () => {
  // Header fields read by offset, numbers and checksums: only the decoder does that.
  const decoding = /header\.subarray\(\d|tarNumber\(header|checkTarChecksum\(/;
  const offenders = sources("src").filter((f) => f !== "src/core/_tar_header.ts").flatMap((f) =>
    read(f).split("\n").filter((line) => decoding.test(line)).map((line) => `${f}: ${line.trim()}`)
  );
  assertEquals(offenders, []);
  const users = sources("src").filter((f) => read(f).includes("_tar_header.ts")).sort();
  assertEquals(users, ["src/adapters/archive/_tar.ts", "src/core/tar_entries.ts"]);
});

test("seams: the explorer's modules hold no module-level mutable value and do nothing at import, but main.ts", () => {
  const state =
    /^(?:export )?(?:let|var) |^(?:export )?const \w+(?::[^=]*)? = new (?:Map|Set|Weak|Array)/;
  const effect = /^(?:await |[A-Za-z_$][\w$.]*\()/;
  // Allowed: memos keyed by content (a manifest's digest, an immutable listing), so what they
  // hold is the same whichever source or page state asked; nothing can set them.
  const memos = new Set([
    "src/explorer/views/_fs_load.ts: const _kept = new Map<string, Promise<unknown>>();",
    "src/explorer/views/fs_tree.ts: const _trees = new WeakMap<readonly FsEntry[], FsEntry[]>();",
  ]);
  const offenders = sources("src/explorer").flatMap((f) =>
    read(f).split("\n").filter((line) =>
      state.test(line) || (f !== "src/explorer/main.ts" && effect.test(line))
    ).map((line) => `${f}: ${line}`)
  ).filter((line) => !memos.has(line));
  assertEquals(offenders, []);
});

test("seams: no error message is matched as data in src (callers branch on fields: code, problem, missing, status)", () => {
  const matching =
    /\.message\??\.(?:replace|endsWith|startsWith|includes|match|indexOf|slice)\(|\.test\([\w.]*\.message\)/;
  const offenders = sources("src").flatMap((f) =>
    read(f).split("\n").filter((line) => !/^\s*(?:\*|\/\/)/.test(line) && matching.test(line))
      .map((line) => `${f}: ${line.trim()}`)
  );
  assertEquals(offenders, []);
});
