// The core's streaming tar reader (here, not in tests/core: it drives GNU tar, which a page cannot) against archives GNU tar writes now, checked against `tar -tv`.
import { assertEquals, assertRejects } from "@std/assert";
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chunked } from "../_chunked.ts";
import { test } from "../harness.ts";
import { freshDir } from "./_layers.ts";
import { tarEntries, type TarEntry } from "../../src/core/tar_entries.ts";
import { compressionOf, layerEntries } from "../../src/core/compression.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";
import { pageDecompressors } from "../../src/explorer/layer_stream.ts";

const long = "a-directory-with-a-long-name/".repeat(5) + "and-a-file-named-at-length.txt";

/** A fresh tree holding what layers hold: long and unicode names, links, a fifo, odd modes. */
function tree(): string {
  const root = freshDir("tar-entries-");
  mkdirSync(join(root, "etc"));
  writeFileSync(join(root, "etc", "hosts"), "127.0.0.1 localhost\n");
  writeFileSync(join(root, "etc", "empty"), "");
  writeFileSync(join(root, "etc", "big"), new Uint8Array(70_000).fill(7));
  mkdirSync(join(root, long.slice(0, long.lastIndexOf("/"))), { recursive: true });
  writeFileSync(join(root, long), "long\n");
  writeFileSync(join(root, "naïve-日本語.txt"), "unicode\n");
  symlinkSync("../etc/hosts", join(root, "etc", "hosts-link"));
  linkSync(join(root, "etc", "hosts"), join(root, "etc", "hosts-hard"));
  execFileSync("mkfifo", [join(root, "pipe")]);
  execFileSync("chmod", ["4755", join(root, "etc", "empty")]);
  return root;
}

function gnuTar(root: string, format: string, ...extra: string[]): Uint8Array {
  return new Uint8Array(
    execFileSync("tar", ["-c", `--format=${format}`, "-C", root, ...extra, "."], {
      maxBuffer: 1 << 26,
    }),
  );
}

/** What `tar -tv --numeric-owner` says: type letter, mode, uid/gid, size, path, link. */
function tarTv(archive: Uint8Array): string[][] {
  const dir = freshDir("tar-tv-");
  writeFileSync(join(dir, "a.tar"), archive);
  const out = execFileSync("tar", ["-tvf", join(dir, "a.tar"), "--numeric-owner"], {
    encoding: "utf8",
    env: { LC_ALL: "C.UTF-8" },
  });
  return out.trimEnd().split("\n").map((line) => {
    const m = /^(\S)(\S{9}) (\d+)\/(\d+)\s+(\d+) \S+ \S+ (.*)$/.exec(line)!;
    let [name, link] = [m[6], ""];
    for (const arrow of [" -> ", " link to "]) {
      if (name.includes(arrow)) [name, link] = name.split(arrow);
      if (arrow === " link to ") link = link.replace(/^\.\//, "");
    }
    return [
      m[1],
      m[2],
      `${m[3]}/${m[4]}`,
      m[5],
      name.replace(/^\.\//, "").replace(/\/$/, ""),
      link,
    ];
  }).filter((row) => row[4] !== "." && row[4] !== "");
}

const letter: Record<TarEntry["type"], string> = {
  file: "-",
  dir: "d",
  symlink: "l",
  hardlink: "h",
  char: "c",
  block: "b",
  fifo: "p",
};

function rwx(mode: number): string {
  const bits = "rwxrwxrwx".split("").map((c, i) => (mode & (1 << (8 - i)) ? c : "-"));
  if (mode & 0o4000) bits[2] = bits[2] === "x" ? "s" : "S";
  return bits.join("");
}

async function ours(stream: ReadableStream<Uint8Array>): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const e of tarEntries(stream)) {
    if (e.path === "") continue;
    rows.push([
      letter[e.type],
      rwx(e.mode),
      `${e.uid}/${e.gid}`,
      String(e.size),
      e.path,
      e.type === "hardlink" ? e.link!.replace(/^\.\//, "") : e.link ?? "",
    ]);
  }
  return rows;
}

for (const format of ["gnu", "pax", "ustar"]) {
  test(`tarEntries() lists a GNU tar --format=${format} archive as tar -tv does`, async () => {
    const root = tree();
    // ustar cannot hold the long name's full length; leave it out there.
    const extra = format === "ustar" ? [`--exclude=./${long.split("/")[0]}`] : [];
    const archive = gnuTar(root, format, ...extra);
    const expected = tarTv(archive);
    assertEquals(expected.length >= 8, true);
    assertEquals(await ours(chunked(archive, 777)), expected);
  });
}

test("tarEntries() reads each file's bytes as GNU tar stored them", async () => {
  const root = tree();
  const seen = new Map<string, Uint8Array>();
  for await (const e of tarEntries(chunked(gnuTar(root, "pax"), 333))) {
    if (e.type === "file") seen.set(e.path, await e.bytes());
  }
  assertEquals(seen.get("etc/big"), new Uint8Array(readFileSync(join(root, "etc", "big"))));
  assertEquals(new TextDecoder().decode(seen.get("naïve-日本語.txt")), "unicode\n");
  assertEquals(new TextDecoder().decode(seen.get(long)), "long\n");
});

test("tarEntries() readChunks() hands a file's data piece by piece, never joined, and the next entry follows", async () => {
  const root = tree();
  const pieces = new Map<string, number[]>();
  const seen = new Map<string, Uint8Array>();
  for await (const e of tarEntries(chunked(gnuTar(root, "gnu"), 4096))) {
    if (e.type !== "file") continue;
    const parts: Uint8Array[] = [];
    await e.readChunks((chunk) => parts.push(chunk.slice()));
    pieces.set(e.path, parts.map((p) => p.length));
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (whole.set(p, at), at + p.length), 0);
    seen.set(e.path, whole);
    await assertRejects(() => e.bytes(), InvalidArgumentError, "already read");
  }
  assertEquals(seen.get("etc/big"), new Uint8Array(readFileSync(join(root, "etc", "big"))));
  assertEquals(new TextDecoder().decode(seen.get(long)), "long\n");
  // 70,000 bytes from 4,096-byte stream chunks: at least 17 pieces, none bigger than a chunk.
  const big = pieces.get("etc/big")!;
  assertEquals(big.length >= 17 && big.every((n) => n <= 4096), true, `pieces: ${big}`);
});

test("layerEntries() reads gzip, zstd and plain layers through the decompressors handed in", async () => {
  const root = tree();
  const plain = gnuTar(root, "pax");
  const dir = freshDir("tar-z-");
  writeFileSync(join(dir, "l.tar"), plain);
  const gzip = new Uint8Array(
    execFileSync("gzip", ["-c", join(dir, "l.tar")], { maxBuffer: 1 << 26 }),
  );
  const zstd = new Uint8Array(
    execFileSync("zstd", ["-q", "-c", join(dir, "l.tar")], { maxBuffer: 1 << 26 }),
  );
  assertEquals([compressionOf(gzip), compressionOf(zstd), compressionOf(plain)], [
    "gzip",
    "zstd",
    "none",
  ]);
  const expected = tarTv(plain);
  for (const bytes of [gzip, zstd, plain]) {
    const rows: string[] = [];
    for await (const e of layerEntries(chunked(bytes, 3001), pageDecompressors)) {
      if (e.path !== "") rows.push(e.path);
    }
    assertEquals(rows, expected.map((r) => r[4]));
  }
  await assertRejects(
    async () => {
      for await (const _ of layerEntries(chunked(zstd, 777), {})) { /* drain */ }
    },
    InvalidArgumentError,
    "no zstd decompressor was given",
  );
});

async function drain(bytes: Uint8Array): Promise<void> {
  for await (const _ of tarEntries(chunked(bytes, 777), "test.tar")) { /* drain */ }
}

test("tarEntries() refuses sparse files, `..` names and bad checksums, saying which; `/` is the root", async () => {
  const root = freshDir("tar-bad-");
  execFileSync("truncate", ["-s", "10M", join(root, "sparse")]);
  writeFileSync(join(root, "x"), "x");
  const sparse = new Uint8Array(
    execFileSync("tar", ["-c", "--sparse", "--format=gnu", "-C", root, "sparse"], {
      maxBuffer: 1 << 26,
    }),
  );
  await assertRejects(() => drain(sparse), InvalidArgumentError, "is a sparse file");
  const sparsePax = new Uint8Array(
    execFileSync("tar", ["-c", "--sparse", "--format=pax", "-C", root, "sparse"], {
      maxBuffer: 1 << 26,
    }),
  );
  await assertRejects(() => drain(sparsePax), InvalidArgumentError, "sparse file");
  const absolute = new Uint8Array(
    execFileSync("tar", ["-c", "-P", "--format=gnu", join(root, "x")]),
  );
  // A layer is rooted at `/`: GNU tar -P keeps the slash, the entry is the same path below the root.
  const paths = [];
  for await (const e of tarEntries(chunked(absolute, 777))) paths.push([e.path, e.name]);
  assertEquals(paths, [[join(root, "x").slice(1), join(root, "x")]]);
  const dotdot = new Uint8Array(
    execFileSync("tar", [
      "-c",
      "-P",
      "--format=gnu",
      "-C",
      root,
      "../" + root.split("/").pop() + "/x",
    ]),
  );
  await assertRejects(() => drain(dotdot), InvalidArgumentError, 'contains ".."');
  const broken = new Uint8Array(execFileSync("tar", ["-c", "--format=gnu", "-C", root, "x"]));
  broken[3] ^= 1;
  await assertRejects(() => drain(broken), InvalidArgumentError, "not a tar archive");
  await assertRejects(() => drain(new Uint8Array(0)), InvalidArgumentError, "empty");
  const cut = new Uint8Array(
    execFileSync("tar", ["-c", "--format=gnu", "-C", root, "sparse"], { maxBuffer: 1 << 26 }),
  );
  await assertRejects(() => drain(cut.subarray(0, 4096)), InvalidArgumentError, "truncated");
});
