/** What changed between two merged filesystems: added, modified and removed paths. */
import { bytewise, type FsEntry } from "./image_filesystem.ts";

/** The paths that differ between two filesystems, each list sorted bytewise (UTF-8). */
export interface FsDiff {
  /** Paths only in the second. */
  readonly added: readonly string[];
  /** Paths in both whose type, size, mode, uid, gid, link target or content differ. */
  readonly modified: readonly string[];
  /** Paths only in the first. */
  readonly removed: readonly string[];
}

/**
 * Says for each pair of entries with equal metadata and size whether their bytes are the same
 * (e.g. by hashing both); `true` means unchanged.
 */
export type SameContent = (
  pairs: readonly (readonly [before: FsEntry, after: FsEntry])[],
) => Promise<readonly boolean[]>;

/**
 * Compares two merged filesystems path by path: a path is modified when its type, size, mode,
 * uid, gid or link target differ, or, for regular files and hard links of equal size, when
 * `sameContent` says their bytes differ (content is only compared when sizes match; without
 * `sameContent`, metadata decides alone). Directories count by their own metadata, never by what
 * they hold. Modification times are ignored, as `diff -r` ignores them.
 *
 * @param before The first filesystem (e.g. the layers below, or the first image).
 * @param after The second.
 * @param sameContent Compares the bytes of candidate pairs in one batch.
 * @returns The added, modified and removed paths.
 * @example
 * ```ts
 * import { diffFilesystems } from "./filesystem_diff.ts";
 * const file = { type: "file", size: 1, mode: 0o644, uid: 0, gid: 0, mtime: 0, layer: 0 } as const;
 * const diff = await diffFilesystems(
 *   [{ ...file, path: "a" }, { ...file, path: "b" }],
 *   [{ ...file, path: "b", mode: 0o600 }, { ...file, path: "c" }],
 * );
 * console.assert(JSON.stringify(diff) === '{"added":["c"],"modified":["b"],"removed":["a"]}');
 * ```
 */
export async function diffFilesystems(
  before: readonly FsEntry[],
  after: readonly FsEntry[],
  sameContent?: SameContent,
): Promise<FsDiff> {
  const old = new Map(before.map((entry) => [entry.path, entry]));
  const added: string[] = [];
  const modified: string[] = [];
  const candidates: [FsEntry, FsEntry][] = [];
  for (const entry of after) {
    const previous = old.get(entry.path);
    old.delete(entry.path);
    if (!previous) added.push(entry.path);
    else if (!sameMetadata(previous, entry)) modified.push(entry.path);
    else if ((entry.type === "file" || entry.type === "hardlink") && entry.size > 0) {
      candidates.push([previous, entry]);
    }
  }
  if (sameContent && candidates.length > 0) {
    const same = await sameContent(candidates);
    candidates.forEach(([, entry], i) => {
      if (!same[i]) modified.push(entry.path);
    });
  }
  return {
    added: added.sort(bytewise),
    modified: modified.sort(bytewise),
    removed: [...old.keys()].sort(bytewise),
  };
}

/** Whether two entries agree on everything but content and time. */
function sameMetadata(a: FsEntry, b: FsEntry): boolean {
  return a.type === b.type && a.size === b.size && a.mode === b.mode && a.uid === b.uid &&
    a.gid === b.gid && a.link === b.link;
}
