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
  const imported = [...table.matchAll(/^import \{ \w+ \} from "\.\/(\w+)\.ts";$/gm)].map((m) =>
    m[1]
  );
  assertEquals(imported.sort(), modules("src/explorer/views", ["mod.ts", "view.ts"]));
  const listed = /export const VIEWS[^=]*= \[([^\]]*)\]/.exec(table)?.[1].split(",").map((s) =>
    s.trim()
  ).filter(Boolean);
  assertEquals(listed?.length, imported.length, "every view imported is listed in VIEWS");
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
  // The inflater reads the gzip member header it decodes: parsing its own format, not choosing one.
  const allowed = new Set(["src/core/compression.ts", "src/core/inflate.ts"]);
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
