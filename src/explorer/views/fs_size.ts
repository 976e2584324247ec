/** The image's files, largest first, with dive's efficiency figures and the bytes a squash reclaims. */
import type { FsEntry } from "../../core/image_filesystem.ts";
import { type Efficiency, imageEfficiency } from "../../core/image_efficiency.ts";
import { h, table } from "../dom.ts";
import type { ViewState } from "../view_state.ts";
import { showing } from "./lazy.ts";
import type { View } from "./view.ts";
import { fsImage, kept, mergedFilesystem, type Page, pageOf } from "./_fs_load.ts";
import { entryCells, fsSection, pager, pathCell, sizeCell } from "./_fs_render.ts";

/** How many of the files that waste most are listed. */
export const WASTEFUL_SHOWN: number = 20;

/** What the view shows. */
export interface SizeModel {
  /** The state loaded. */
  readonly state: ViewState;
  /** dive's figures and the reclaimable bytes (`inefficientFiles` cut to {@link WASTEFUL_SHOWN}). */
  readonly efficiency: Efficiency;
  /** This page of the regular files, largest first (then by path). */
  readonly page: Page<FsEntry>;
}

/**
 * The regular files of a merged filesystem, largest first, equal sizes by path.
 *
 * @param entries The merged filesystem (sorted by path).
 * @returns The files.
 * @example
 * ```ts
 * import { bySize } from "./fs_size.ts";
 * const f = { type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0, layer: 0 } as const;
 * const files = bySize([{ ...f, path: "a", size: 1 }, { ...f, path: "b", size: 9 }]);
 * console.assert(files.map((e) => e.path).join() === "b,a");
 * ```
 */
export function bySize(entries: readonly FsEntry[]): FsEntry[] {
  // A stable sort keeps the bytewise path order among equal sizes.
  return entries.filter((entry) => entry.type === "file").sort((a, b) => b.size - a.size);
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(2)} %` : "—";
}

/** Files by size and efficiency. */
export const sizeView: View<SizeModel> = {
  applies: showing("size"),
  async load(context, state) {
    const image = await fsImage(context, state.image!);
    const digest = image.image.resolved.descriptor.digest;
    const files = await kept(`${digest}:size`, async () => bySize(await mergedFilesystem(image)));
    const efficiency = await kept(`${digest}:efficiency`, async () => {
      const layers = image.layers;
      const all = await imageEfficiency(layers.layers.map((_, i) => layers.entries(i)));
      return { ...all, inefficientFiles: all.inefficientFiles.slice(0, WASTEFUL_SHOWN) };
    });
    return { state, efficiency, page: pageOf(files, state.page) };
  },
  render({ state, efficiency, page }, links) {
    const figure = (id: string, term: string, value: HTMLElement | string, raw: number) => [
      h("dt", {}, term),
      h("dd", { id, "data-value": String(raw) }, value),
    ];
    const wasteful = efficiency.inefficientFiles.map((file) => [
      h("code", { "data-path": file.path }, file.path),
      String(file.count),
      sizeCell(file.wastedBytes),
    ]);
    const rows = page.items.map((entry) => [...entryCells(entry), pathCell(entry, state, links)]);
    return fsSection(
      "fs-size",
      "Files by size",
      h(
        "dl",
        { class: "efficiency" },
        figure(
          "efficiency-score",
          "Efficiency",
          percent(efficiency.efficiency),
          efficiency.efficiency,
        ),
        figure(
          "efficiency-wasted",
          "Wasted bytes (dive)",
          sizeCell(efficiency.wastedBytes),
          efficiency.wastedBytes,
        ),
        figure(
          "efficiency-user-wasted",
          "User wasted",
          percent(efficiency.userWastedPercent),
          efficiency.userWastedPercent,
        ),
        figure(
          "efficiency-reclaimable",
          "Reclaimable by a squash",
          sizeCell(efficiency.reclaimableBytes),
          efficiency.reclaimableBytes,
        ),
      ),
      wasteful.length > 0
        ? h(
          "div",
          { id: "wasteful" },
          table("The files that waste most", ["Path", "Copies", "Wasted (dive)"], wasteful),
        )
        : h("p", {}, "No path is stored twice."),
      pager(page, state, links),
      table(`${page.total} files, largest first`, ["Mode", "Owner", "Size", "Layer", "Path"], rows),
      page.pages > 1 ? pager(page, state, links) : null,
    );
  },
};
