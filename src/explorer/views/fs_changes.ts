/** What one layer changes in the filesystem of the layers below it: added, modified, removed. */
import type { FsDiff } from "../../core/filesystem_diff.ts";
import { bytewise, type FsEntry } from "../../core/image_filesystem.ts";
import { diffLayer } from "../../core/image_layers.ts";
import { h, table } from "../dom.ts";
import type { ViewState } from "../view_state.ts";
import { showing } from "./lazy.ts";
import type { View, ViewLinks } from "./view.ts";
import { fsImage, kept, mergedFilesystem, type Page, pageOf } from "./_fs_load.ts";
import { entryCells, fsSection, pager, pathCell } from "./_fs_render.ts";

/** How a path changed. */
export type ChangeKind = "added" | "modified" | "removed";

/** One changed path: the entry after the change (before it, for a removed path). */
export interface Change {
  /** How it changed. */
  readonly kind: ChangeKind;
  /** The entry. */
  readonly entry: FsEntry;
}

/** What a list of changes shows. */
export interface ChangesModel {
  /** The state loaded. */
  readonly state: ViewState;
  /** The heading. */
  readonly title: string;
  /** How many paths each kind has. */
  readonly counts: Readonly<Record<ChangeKind, number>>;
  /** This page of the changes, sorted by path. */
  readonly page: Page<Change>;
}

/**
 * The changes of a diff with each path's entry, sorted bytewise by path.
 *
 * @param diff The paths.
 * @param before The first filesystem (entries of removed paths).
 * @param after The second (entries of added and modified paths).
 * @returns The changes.
 */
export function changesOf(
  diff: FsDiff,
  before: readonly FsEntry[],
  after: readonly FsEntry[],
): Change[] {
  const beforeByPath = new Map(before.map((e) => [e.path, e]));
  const afterByPath = new Map(after.map((e) => [e.path, e]));
  const changes: Change[] = [
    ...diff.added.map((path) => ({ kind: "added" as const, entry: afterByPath.get(path)! })),
    ...diff.modified.map((path) => ({ kind: "modified" as const, entry: afterByPath.get(path)! })),
    ...diff.removed.map((path) => ({ kind: "removed" as const, entry: beforeByPath.get(path)! })),
  ];
  return changes.sort((a, b) => bytewise(a.entry.path, b.entry.path));
}

/** How many changes of each kind. */
export function countsOf(changes: readonly Change[]): Record<ChangeKind, number> {
  const counts = { added: 0, modified: 0, removed: 0 };
  for (const { kind } of changes) counts[kind]++;
  return counts;
}

/**
 * Draws changes: a marked row per path (`data-change`), page by page.
 *
 * @param id The section's id.
 * @param model The changes.
 * @param links The page's navigation.
 * @returns The section.
 */
export function renderChanges(id: string, model: ChangesModel, links: ViewLinks): HTMLElement {
  const mark = { added: "+", modified: "~", removed: "-" };
  const rows = model.page.items.map(({ kind, entry }) => [
    h("span", { class: `change ${kind}`, "data-change": kind, title: kind }, mark[kind], " ", kind),
    ...entryCells(entry),
    kind === "removed"
      ? h("code", { "data-path": entry.path }, h("del", {}, entry.path))
      : pathCell(entry, model.state, links),
  ]);
  const { added, modified, removed } = model.counts;
  return fsSection(
    id,
    model.title,
    h(
      "p",
      { class: "counts" },
      `${added} added, ${modified} modified, ${removed} removed`,
    ),
    pager(model.page, model.state, links),
    table(
      `${model.page.total} changed paths`,
      ["Change", "Mode", "Owner", "Size", "Layer", "Path"],
      rows,
    ),
    model.page.pages > 1 ? pager(model.page, model.state, links) : null,
  );
}

/** The changes of the state's layer. */
export const changesView: View<ChangesModel> = {
  applies: showing("changes", "layer"),
  async load(context, state) {
    const index = state.layer!;
    const image = await fsImage(context, state.image!);
    const changes = await kept(
      `${image.image.resolved.descriptor.digest}:changes:${index}`,
      async () =>
        changesOf(
          await diffLayer(image.layers, index),
          await mergedFilesystem(image, index),
          await mergedFilesystem(image, index + 1),
        ),
    );
    return {
      state,
      title: `Changes of layer ${index + 1}`,
      counts: countsOf(changes),
      page: pageOf(changes, state.page),
    };
  },
  render: (model, links) => renderChanges("fs-changes", model, links),
};
