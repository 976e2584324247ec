/**
 * One file of the image's merged filesystem: text, an image (PNG, JPEG, GIF, WebP) or a hex dump,
 * read with the core's `readFile` (links followed). A streamed layer is verified before its bytes
 * show; a layer with a seek index (built from a verified read) gives the file by one ranged read.
 */
import { readFile } from "../../core/image_file.ts";
import { h } from "../dom.ts";
import { pageDecompressors } from "../layer_stream.ts";
import type { ViewState } from "../view_state.ts";
import { showing } from "./lazy.ts";
import type { View } from "./view.ts";
import { cachingLayers, fsImage, type Page, pageOf } from "./_fs_load.ts";
import { fsSection, pager, sizeCell } from "./_fs_render.ts";

/** Lines of text on one page. */
export const TEXT_PAGE_LINES: number = 2000;
/** Rows of 16 bytes on one page of a hex dump. */
export const HEX_PAGE_ROWS: number = 1024;

/** How a file is shown. */
export type FileKind = "text" | "image" | "hex";

/** What the viewer shows. */
export interface FileModel {
  /** The state loaded. */
  readonly state: ViewState;
  /** The path asked for. */
  readonly path: string;
  /** The file's bytes. */
  readonly bytes: Uint8Array;
  /** How it is shown. */
  readonly kind: FileKind;
  /** An image's media type (`image/png`…). */
  readonly mediaType?: string;
  /** This page of the lines of a text, or of the rows of a hex dump (none for an image). */
  readonly page: Page<string>;
}

const _SIGNATURES: readonly [string, readonly (number | undefined)[]][] = [
  ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["image/jpeg", [0xff, 0xd8, 0xff]],
  ["image/gif", [0x47, 0x49, 0x46, 0x38]],
  // RIFF....WEBP
  [
    "image/webp",
    [0x52, 0x49, 0x46, 0x46, undefined, undefined, undefined, undefined, 0x57, 0x45, 0x42, 0x50],
  ],
];

/**
 * How bytes are best shown: an image by its signature, text when they are UTF-8 without NUL,
 * else a hex dump.
 *
 * @param bytes The file.
 * @returns The kind, and an image's media type.
 * @example
 * ```ts
 * import { fileKind } from "./fs_file.ts";
 * console.assert(fileKind(new TextEncoder().encode("héllo\n")).kind === "text");
 * console.assert(fileKind(new Uint8Array([0, 1, 2])).kind === "hex");
 * ```
 */
export function fileKind(bytes: Uint8Array): { kind: FileKind; mediaType?: string } {
  for (const [mediaType, signature] of _SIGNATURES) {
    if (
      bytes.length >= signature.length &&
      signature.every((byte, i) => byte === undefined || bytes[i] === byte)
    ) return { kind: "image", mediaType };
  }
  if (bytes.includes(0)) return { kind: "hex" };
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return { kind: "text" };
  } catch {
    return { kind: "hex" };
  }
}

/**
 * Rows of a hex dump as `hexdump -C -v` prints them (offset, 16 bytes in two groups, the
 * printable ASCII), without its last line (the end offset).
 *
 * @param bytes The bytes.
 * @param firstRow The first row (16 bytes each).
 * @param count How many rows at most.
 * @returns The rows.
 * @example
 * ```ts
 * import { hexRows } from "./fs_file.ts";
 * const [row] = hexRows(new TextEncoder().encode("abc"), 0, 1);
 * console.assert(row === "00000000  61 62 63" + " ".repeat(42) + "|abc|");
 * ```
 */
export function hexRows(bytes: Uint8Array, firstRow: number, count: number): string[] {
  const rows: string[] = [];
  const end = Math.min(bytes.length, (firstRow + count) * 16);
  for (let offset = firstRow * 16; offset < end; offset += 16) {
    const row = bytes.subarray(offset, Math.min(offset + 16, end));
    let hex = "";
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      hex += i < row.length ? `${row[i].toString(16).padStart(2, "0")} ` : "   ";
      if (i === 7) hex += " ";
      if (i < row.length) {
        ascii += row[i] >= 0x20 && row[i] < 0x7f ? String.fromCharCode(row[i]) : ".";
      }
    }
    rows.push(`${offset.toString(16).padStart(8, "0")}  ${hex} |${ascii}|`);
  }
  return rows;
}

/** The file viewer. */
export const fileView: View<FileModel> = {
  applies: showing("file", "path"),
  async load(context, state) {
    const path = state.path!;
    const image = await fsImage(context, state.image!);
    const bytes = await readFile(
      cachingLayers(context.source.content),
      image.image.resolved.manifest,
      path,
      {
        decompressors: pageDecompressors,
        layers: image.layers,
        ...(image.reader ? { layerReader: image.reader } : {}),
      },
    );
    const detected = fileKind(bytes);
    const kind = state.format === "hex" ? "hex" : detected.kind;
    let page: Page<string>;
    if (kind === "text") {
      const lines = new TextDecoder().decode(bytes).split("\n");
      if (lines.at(-1) === "") lines.pop();
      page = pageOf(lines, state.page, TEXT_PAGE_LINES);
    } else if (kind === "hex") {
      // Only this page's rows are formatted: a 100 MB file is not dumped whole.
      const rows = Math.ceil(bytes.length / 16);
      const pages = Math.max(1, Math.ceil(rows / HEX_PAGE_ROWS));
      const shown = Math.min(Math.max(1, state.page ?? 1), pages);
      const items = hexRows(bytes, (shown - 1) * HEX_PAGE_ROWS, HEX_PAGE_ROWS);
      page = { items, page: shown, pages, total: rows, first: (shown - 1) * HEX_PAGE_ROWS };
    } else {
      page = pageOf([], 1);
    }
    return {
      state,
      path,
      bytes,
      kind,
      ...(detected.mediaType && kind === "image" ? { mediaType: detected.mediaType } : {}),
      page,
    };
  },
  render(model, links) {
    const { state, kind, page } = model;
    const other = kind === "hex"
      ? links.link({ ...state, format: undefined, page: undefined }, "Show as detected")
      : links.link({ ...state, format: "hex", page: undefined }, "Show as hex");
    let body: HTMLElement;
    if (kind === "image") {
      const url = URL.createObjectURL(
        new Blob([model.bytes as Uint8Array<ArrayBuffer>], { type: model.mediaType }),
      );
      body = h("p", {}, h("img", { id: "file-image", src: url, alt: model.path }));
    } else {
      body = h(
        "pre",
        { id: kind === "text" ? "file-text" : "file-hex", tabindex: 0 },
        h("code", {}, page.items.join("\n")),
      );
    }
    return fsSection(
      "fs-file",
      `/${model.path.replace(/^\/+/, "")}`,
      h(
        "p",
        { "data-kind": kind },
        sizeCell(model.bytes.length),
        ` · ${kind === "image" ? model.mediaType : kind} · `,
        other,
      ),
      kind !== "image" && page.pages > 1 ? pager(page, state, links) : null,
      body,
      kind !== "image" && page.pages > 1 ? pager(page, state, links) : null,
    );
  },
};
