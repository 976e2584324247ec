/** An image's merged filesystem from its layers' entries, by the OCI image-spec layer rules. */
import type { TarEntry } from "./tar_entries.ts";

/** One path of the merged filesystem (a hard link keeps `hardlink`, its size is its target's) and its layer. */
export interface FsEntry extends Omit<TarEntry, "name"> {
  /** The index of the layer the entry came from (0 is the base layer). */
  readonly layer: number;
}

interface _Node {
  entry: FsEntry;
  readonly children: Map<string, _Node>;
}

const _WHITEOUT = ".wh.";
const _OPAQUE = ".wh..wh..opq";

function _implicitDir(path: string, layer: number): FsEntry {
  // A parent directory no entry names: what containerd and umoci create for it.
  return { path, type: "dir", size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, layer };
}

/**
 * Merges layers bottom to top: `.wh.NAME` removes NAME (and what is below it) from lower layers,
 * `.wh..wh..opq` hides a directory's lower contents, a later entry replaces an earlier one (a
 * non-directory replacing a directory drops its contents), parents no entry names are implied,
 * and hard links take their target's size. Memory grows with the number of paths only.
 *
 * @param layers Each layer's entries, base layer first (e.g. from `layerEntries`).
 * @returns The merged entries sorted by path.
 * @example
 * ```ts
 * import { imageFilesystem } from "./image_filesystem.ts";
 * const file = { type: "file", size: 1, mode: 0o644, uid: 0, gid: 0, mtime: 0 } as const;
 * async function* base() { yield { ...file, path: "etc/a", name: "etc/a" }; }
 * async function* top() { yield { ...file, path: "etc/.wh.a", name: "etc/.wh.a" }; }
 * const merged = await imageFilesystem([base(), top()]);
 * console.assert(merged.map((e) => e.path).join() === "etc");
 * ```
 */
export async function imageFilesystem(
  layers: Iterable<AsyncIterable<TarEntry>> | AsyncIterable<AsyncIterable<TarEntry>>,
): Promise<FsEntry[]> {
  const root: _Node = { entry: _implicitDir("", -1), children: new Map() };
  let layer = 0;
  for await (const entries of layers) {
    for await (const entry of entries) _apply(root, entry, layer);
    layer++;
  }
  const out: FsEntry[] = [];
  const walk = (node: _Node) => {
    for (const child of node.children.values()) {
      out.push(child.entry);
      walk(child);
    }
  };
  walk(root);
  out.sort((a, b) => bytewise(a.path, b.path));
  const byPath = new Map(out.map((e) => [e.path, e]));
  return out.map((e) => {
    if (e.type !== "hardlink") return e;
    const target = byPath.get(e.link!);
    return target ? { ...e, size: target.size } : e;
  });
}

function _apply(root: _Node, entry: TarEntry, layer: number): void {
  if (entry.path === "") return;
  const segments = entry.path.split("/");
  const base = segments.pop()!;
  const parent = _ensureDir(root, segments, layer);
  if (base === _OPAQUE) {
    for (const [name, child] of parent.children) {
      if (child.entry.layer < layer) parent.children.delete(name);
    }
    return;
  }
  if (base.startsWith(_WHITEOUT)) {
    const hidden = parent.children.get(base.slice(_WHITEOUT.length));
    if (hidden && hidden.entry.layer < layer) parent.children.delete(base.slice(_WHITEOUT.length));
    return;
  }
  // Only the metadata: an entry with data (`bytes()`) would keep its layer's reader alive.
  const { path, type, size, mode, uid, gid, link, mtime } = entry;
  const existing = parent.children.get(base);
  const merged: FsEntry = {
    path,
    type,
    size,
    mode,
    uid,
    gid,
    ...(link !== undefined ? { link } : {}),
    mtime,
    layer,
  };
  if (existing && existing.entry.type === "dir" && entry.type === "dir") existing.entry = merged;
  else parent.children.set(base, { entry: merged, children: new Map() });
}

function _ensureDir(root: _Node, segments: readonly string[], layer: number): _Node {
  let node = root;
  let path = "";
  for (const segment of segments) {
    path = path === "" ? segment : `${path}/${segment}`;
    let child = node.children.get(segment);
    if (!child || child.entry.type !== "dir") {
      child = { entry: _implicitDir(path, layer), children: new Map() };
      node.children.set(segment, child);
    }
    node = child;
  }
  return node;
}

/**
 * Orders paths by their UTF-8 bytes, as `LC_ALL=C sort` and Go do.
 *
 * @param a One path.
 * @param b Another.
 * @returns Negative, zero or positive, as `Array.prototype.sort` expects.
 * @example
 * ```ts
 * import { bytewise } from "./image_filesystem.ts";
 * console.assert(["é", "z", "a"].sort(bytewise).join() === "a,z,é");
 * console.assert(["😀", "\uFFFD"].sort(bytewise)[0] === "\uFFFD"); // U+1F600 is 4 bytes from F0

 * ```
 */
export function bytewise(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 units order as UTF-8 bytes do (code point order), except a surrogate (a code point
    // from U+10000) against a unit from U+E000, which is the smaller code point.
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate && (xSurrogate ? y : x) >= 0xe000) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
