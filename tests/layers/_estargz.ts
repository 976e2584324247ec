/**
 * eStargz layers built in the test by the rules of stargz-snapshotter's docs/estargz.md: each
 * non-empty regular file's data starts a gzip member (big files one member per chunk), tar
 * headers ride in whichever member is open, the TOC (`stargz.index.json` in a tar of its own) is
 * one member, and the 51-byte footer is an empty member whose extra field "SG" names the TOC's
 * offset as 16 hex digits followed by "STARGZ".
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { tarHeader } from "../adapters/_tar_builder.ts";
import { concat } from "../core/_inflate.ts";

/** One entry of a built layer. */
export interface EstargzSpec {
  /** The name as stored. */
  readonly name: string;
  /** TOC type; default `reg`. */
  readonly type?: "reg" | "dir" | "symlink" | "hardlink";
  /** A regular file's content. */
  readonly data?: Uint8Array;
  /** A link's target. */
  readonly link?: string;
  /** gzip level of the file's members (0 stores the bytes: a flipped byte stays inflatable). */
  readonly level?: number;
}

/** A built layer: the blob, its TOC JSON and digest, the uncompressed tar, and where things are. */
export interface BuiltEstargz {
  readonly blob: Uint8Array;
  readonly toc: Uint8Array;
  readonly tocDigest: string;
  readonly tar: Uint8Array;
  readonly tocOffset: number;
  /** Per file name, where each of its members starts in the blob. */
  readonly members: Map<string, number[]>;
}

const _FLAGS = { reg: "0", dir: "5", symlink: "2", hardlink: "1" } as const;
const _MODES = { reg: 0o100644, dir: 0o40644, symlink: 0o120644, hardlink: 0o100644 } as const;

/** SHA-256 as `sha256:<hex>`. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

const pad = (n: number) => new Uint8Array((512 - (n % 512)) % 512);

/** The 51-byte footer naming `tocOffset`. */
export function estargzFooter(tocOffset: number): Uint8Array {
  const extra = new TextEncoder().encode(`${tocOffset.toString(16).padStart(16, "0")}STARGZ`);
  return concat([
    // gzip header: magic, deflate, FLG = FEXTRA, MTIME 0, XFL 0, OS 255 (unknown).
    Uint8Array.of(0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255),
    Uint8Array.of(26, 0, 0x53, 0x47, 22, 0), // XLEN 26; SI1 'S', SI2 'G'; LEN 22
    extra,
    Uint8Array.of(1, 0, 0, 0xff, 0xff), // BFINAL 1, BTYPE 0 (stored), LEN 0, NLEN ~0
    new Uint8Array(8), // CRC-32 and ISIZE of nothing
  ]);
}

/**
 * Builds the layer: a `.no.prefetch.landmark` first (no prioritized files), then `entries`,
 * regular files cut into `chunkSize` chunks.
 */
export function buildEstargz(
  entries: readonly EstargzSpec[],
  options: { chunkSize?: number } = {},
): BuiltEstargz {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const blob: Uint8Array[] = [];
  const tar: Uint8Array[] = [];
  let at = 0;
  let open: Uint8Array[] = [];
  // The open member's gzip level: a file's own for its chunks and the headers after its last one.
  let level = 6;
  const close = () => {
    if (open.length === 0) return;
    const raw = concat(open);
    tar.push(raw);
    const gz = new Uint8Array(gzipSync(raw, { level }));
    blob.push(gz);
    at += gz.length;
    open = [];
    level = 6;
  };
  const toc: Record<string, unknown>[] = [];
  const members = new Map<string, number[]>();
  const all: EstargzSpec[] = [
    { name: ".no.prefetch.landmark", data: Uint8Array.of(0xf) },
    ...entries,
  ];
  for (const entry of all) {
    const type = entry.type ?? "reg";
    const data = entry.data ?? new Uint8Array(0);
    const size = type === "reg" ? data.length : 0;
    open.push(
      tarHeader({ name: entry.name, type: _FLAGS[type], linkname: entry.link, data }, size),
    );
    const common = {
      name: entry.name,
      type,
      modtime: "1970-01-01T00:00:00Z",
      mode: _MODES[type],
      uid: 0,
      gid: 0,
      ...(entry.link !== undefined ? { linkName: entry.link } : {}),
    };
    if (type !== "reg" || size === 0) {
      toc.push(type === "reg" ? { ...common, size: 0, digest: sha256(data) } : common);
      continue;
    }
    const starts: number[] = [];
    for (let from = 0; from < size; from += chunkSize) {
      close();
      level = entry.level ?? 6;
      starts.push(at);
      const chunk = data.subarray(from, from + chunkSize);
      open.push(chunk);
      const last = from + chunkSize >= size;
      const position = {
        offset: at,
        ...(from > 0 ? { chunkOffset: from } : {}),
        chunkSize: last ? 0 : chunk.length,
        chunkDigest: sha256(chunk),
      };
      toc.push(
        from === 0
          ? { ...common, size, digest: sha256(data), ...position }
          : { name: entry.name, type: "chunk", ...position },
      );
    }
    // The last chunk's member stays open: the padding and the next headers ride in it.
    open.push(pad(size));
    members.set(entry.name, starts);
  }
  close();
  const tocOffset = at;
  const json = new TextEncoder().encode(JSON.stringify({ version: 1, entries: toc }, null, "\t"));
  open.push(
    tarHeader({ name: "stargz.index.json", data: json }, json.length),
    json,
    pad(json.length),
  );
  open.push(new Uint8Array(1024));
  close();
  blob.push(estargzFooter(tocOffset));
  return {
    blob: concat(blob),
    toc: json,
    tocDigest: sha256(json),
    tar: concat(tar),
    tocOffset,
    members,
  };
}
