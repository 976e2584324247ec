/**
 * zstd layers made by the real `zstd` CLI from a GNU tar: one frame (the CLI's default), many
 * frames (the tar cut into pieces, each compressed on its own and concatenated, a skippable frame
 * among them), and the seekable format (the same frames followed by a seek table written here by
 * the rules of facebook/zstd contrib/seekable_format: a skippable frame, magic 0x184D2A5E, of
 * entries `Compressed_Size`, `Decompressed_Size`, then the footer `Number_Of_Frames`,
 * `Seek_Table_Descriptor` 0, `Seekable_Magic_Number` 0x8F92EAB1, all little-endian).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { concat } from "../core/_inflate.ts";
import { freshDir, noisyBytes } from "./_layers.ts";

/** What {@link buildZstdLayers} made. */
export interface ZstdLayers {
  /** The tree that was archived (to compare files with). */
  readonly root: string;
  /** The GNU tar. */
  readonly tar: Uint8Array;
  /** `zstd` of the whole tar: one frame. */
  readonly single: Uint8Array;
  /** The tar's pieces, each `zstd --no-content-size`, a skippable frame after the first. */
  readonly framed: Uint8Array;
  /** Each piece's frame and decompressed size, in order (the skippable frame left out). */
  readonly pieces: readonly { readonly frame: Uint8Array; readonly size: number }[];
  /** The skippable frame inside `framed`. */
  readonly skippable: Uint8Array;
}

/**
 * A tree of `count` files (every 10th of 150 KiB, so some span several pieces), archived by GNU
 * tar, compressed by `zstd` whole and in `piece`-byte pieces.
 */
export function buildZstdLayers(count: number = 60, piece: number = 64 * 1024): ZstdLayers {
  const root = freshDir("zstd-tree-");
  mkdirSync(join(root, "d"));
  for (let i = 0; i < count; i++) {
    const size = i % 10 === 3 ? 150 * 1024 + i : (i * 7919) % 9000;
    writeFileSync(join(root, "d", `f${i}`), noisyBytes(size, i));
  }
  writeFileSync(join(root, "empty"), "");
  const work = freshDir("zstd-layer-");
  const tarPath = join(work, "layer.tar");
  execFileSync("tar", [
    "--format=gnu",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--sort=name",
    "-C",
    root,
    "-cf",
    tarPath,
    ".",
  ]);
  const tar = new Uint8Array(readFileSync(tarPath));
  execFileSync("zstd", ["-q", "-f", tarPath, "-o", join(work, "single.zst")]);
  const pieces: { frame: Uint8Array; size: number }[] = [];
  for (let at = 0, k = 0; at < tar.length; at += piece, k++) {
    const part = join(work, `p${k}`);
    writeFileSync(part, tar.subarray(at, at + piece));
    execFileSync("zstd", ["-q", "-f", "--no-content-size", part, "-o", `${part}.zst`]);
    pieces.push({
      frame: new Uint8Array(readFileSync(`${part}.zst`)),
      size: Math.min(piece, tar.length - at),
    });
  }
  const note = new TextEncoder().encode("not part of the layer's content");
  const skippable = concat([_le32(0x184d2a53), _le32(note.length), note]);
  const framed = concat([pieces[0].frame, skippable, ...pieces.slice(1).map((p) => p.frame)]);
  return {
    root,
    tar,
    single: new Uint8Array(readFileSync(join(work, "single.zst"))),
    framed,
    pieces,
    skippable,
  };
}

/**
 * The seekable format of `pieces`: the frames, then the seek table (no checksums).
 *
 * @returns The blob, and where the seek table frame starts.
 */
export function seekableZstd(
  pieces: readonly { readonly frame: Uint8Array; readonly size: number }[],
): { blob: Uint8Array; tableAt: number } {
  const entries = pieces.map((p) => concat([_le32(p.frame.length), _le32(p.size)]));
  const footer = concat([_le32(pieces.length), new Uint8Array([0]), _le32(0x8f92eab1)]);
  const body = concat([...entries, footer]);
  const table = concat([_le32(0x184d2a5e), _le32(body.length), body]);
  const frames = concat(pieces.map((p) => p.frame));
  return { blob: concat([frames, table]), tableAt: frames.length };
}

function _le32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}
