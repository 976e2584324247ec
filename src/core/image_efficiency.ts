/** How much of an image's bytes its layers waste: dive's figures, and the bytes a squash would reclaim. */
import { bytewise, imageFilesystem } from "./image_filesystem.ts";
import type { TarEntry } from "./tar_entries.ts";

/** One path stored more than once across the layers (dive's "inefficiency"). */
export interface InefficientFile {
  /** The path, relative. */
  readonly path: string;
  /** How many layers hold it (a whiteout counts as one). */
  readonly count: number;
  /** dive's figure: the sum of every copy's size, the surviving one included. */
  readonly wastedBytes: number;
}

/** An image's efficiency, as `dive` computes it, plus {@link Efficiency.reclaimableBytes}. */
export interface Efficiency {
  /** dive's score: the smallest size of each path summed, over every size seen summed (1 when nothing). */
  readonly efficiency: number;
  /** dive's wasted bytes: the summed sizes of every path stored more than once (surviving copies included). */
  readonly wastedBytes: number;
  /**
   * dive's `wastedBytes / userSizeBytes`, the user size being every layer but the first; as in Go,
   * `NaN` (0/0) or `Infinity` for a one-layer image.
   */
  readonly userWastedPercent: number;
  /** The bytes stored in the layers that the merged filesystem does not show: what squashing saves. */
  readonly reclaimableBytes: number;
  /** The sum of the entry sizes of every layer (dive's `SizeBytes`). */
  readonly sizeBytes: number;
  /** The same without the first layer (dive's `UserSizeByes`). */
  readonly userSizeBytes: number;
  /** The paths stored more than once, largest `wastedBytes` first, then by path. */
  readonly inefficientFiles: readonly InefficientFile[];
}

const _WHITEOUT = ".wh.";
const _META = ".wh..wh.";

interface _Seen {
  cumulative: number;
  minimum: number;
  count: number;
}

/**
 * Measures an image the way `dive` does (its `filetree.Efficiency` and `image.Analyze`): in each
 * layer, every leaf of that layer's tree (an entry with no entry below it in the same layer) adds
 * its size to its path; a whiteout adds the size of what it removes when that was a directory in
 * the layers below, and 0 when it was a file; the score is the sum of each path's smallest size
 * over the sum of all sizes. Paths seen twice or more are the inefficient files, and their summed
 * sizes are the wasted bytes. Like dive, opaque whiteouts are skipped (dive#391), and the wasted
 * bytes count the copy that survives (dive#684); {@link Efficiency.reclaimableBytes} does not.
 * Where dive gives up on a whiteout of a path no lower layer has (and skips the rest of that
 * layer), this counts it as 0 and goes on.
 *
 * @param layers Each layer's entries, base layer first (e.g. from `layerEntries`); read once.
 * @returns dive's efficiency, wasted bytes, user-wasted percent and inefficient files, and the
 *   reclaimable bytes.
 * @example
 * ```ts
 * import { imageEfficiency } from "./image_efficiency.ts";
 * const file = { type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 } as const;
 * async function* base() { yield { ...file, path: "a", name: "a", size: 100 }; }
 * async function* top() { yield { ...file, path: "a", name: "a", size: 100 }; }
 * const result = await imageEfficiency([base(), top()]);
 * console.assert(result.efficiency === 0.5 && result.wastedBytes === 200);
 * console.assert(result.reclaimableBytes === 100 && result.userWastedPercent === 2);
 * ```
 */
export async function imageEfficiency(
  layers: Iterable<AsyncIterable<TarEntry>> | AsyncIterable<AsyncIterable<TarEntry>>,
): Promise<Efficiency> {
  const seen = new Map<string, _Seen>();
  // dive's stack of the layers below: explicit entries only; a file over a directory keeps what
  // the directory held, as dive's tree does.
  const stack = new Map<string, { size: number; dir: boolean }>();
  const kept: TarEntry[][] = [];
  let sizeBytes = 0;
  let userSizeBytes = 0;
  let stored = 0;
  let index = 0;
  for await (const entries of layers) {
    const layer = new Map<string, TarEntry>();
    const all: TarEntry[] = [];
    let layerSize = 0;
    for await (const entry of entries) {
      const { path, name: _, ...rest } = entry;
      all.push({ path, name: path, ...rest });
      layerSize += entry.size;
      if (entry.type === "file") stored += entry.size;
      if (path === "" || path.split("/").some((segment) => segment.startsWith(_META))) continue;
      layer.set(path, entry);
    }
    kept.push(all);
    sizeBytes += layerSize;
    if (index > 0) userSizeBytes += layerSize;
    const parents = new Set<string>();
    for (const path of layer.keys()) {
      for (let at = path.indexOf("/"); at >= 0; at = path.indexOf("/", at + 1)) {
        parents.add(path.slice(0, at));
      }
    }
    for (const [path, entry] of layer) {
      if (parents.has(path)) continue;
      const target = _unwhiteout(path);
      let size = entry.size;
      if (target !== path) {
        size = 0;
        if (stack.get(target)?.dir) {
          for (const [below, info] of stack) {
            if (below === target || below.startsWith(`${target}/`)) size += info.size;
          }
        }
      }
      const data = seen.get(target) ?? { cumulative: 0, minimum: -1, count: 0 };
      seen.set(target, data);
      data.cumulative += size;
      if (data.minimum < 0 || size < data.minimum) data.minimum = size;
      data.count++;
    }
    for (const [path, entry] of layer) {
      const target = _unwhiteout(path);
      if (target === path) {
        stack.set(path, { size: entry.size, dir: entry.type === "dir" });
        continue;
      }
      for (const below of [...stack.keys()]) {
        if (below === target || below.startsWith(`${target}/`)) stack.delete(below);
      }
    }
    index++;
  }
  let minimum = 0;
  let discovered = 0;
  const inefficientFiles: InefficientFile[] = [];
  for (const [path, data] of seen) {
    minimum += data.minimum;
    discovered += data.cumulative;
    if (data.count >= 2) {
      inefficientFiles.push({ path, count: data.count, wastedBytes: data.cumulative });
    }
  }
  inefficientFiles.sort((a, b) => b.wastedBytes - a.wastedBytes || bytewise(a.path, b.path));
  const wastedBytes = inefficientFiles.reduce((sum, file) => sum + file.wastedBytes, 0);
  const merged = await imageFilesystem(kept.map(_replay));
  const shown = merged.reduce((sum, entry) => sum + (entry.type === "file" ? entry.size : 0), 0);
  return {
    efficiency: discovered === 0 ? 1 : minimum / discovered,
    wastedBytes,
    userWastedPercent: wastedBytes / userSizeBytes,
    reclaimableBytes: stored - shown,
    sizeBytes,
    userSizeBytes,
    inefficientFiles,
  };
}

/** The path a whiteout removes, or the path itself. */
function _unwhiteout(path: string): string {
  const at = path.lastIndexOf("/") + 1;
  return path.startsWith(_WHITEOUT, at)
    ? path.slice(0, at) + path.slice(at + _WHITEOUT.length)
    : path;
}

async function* _replay(entries: readonly TarEntry[]): AsyncGenerator<TarEntry> {
  yield* entries;
}
