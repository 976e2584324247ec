/**
 * What the explorer shows, kept in the page URL's query so a link or a reload reopens it; an archive
 * file is the exception (a page cannot keep a file across reloads, so it is chosen again).
 */

/** Where the images come from. */
export type SourceState =
  | { readonly kind: "layout"; readonly url: string }
  | { readonly kind: "archive"; readonly name: string }
  | { readonly kind: "registry"; readonly reference: string };

/** The whole view. */
export interface ViewState {
  /** The open source, if any. */
  readonly source?: SourceState;
  /** The image shown in detail (a reference of the store's table). */
  readonly image?: string;
  /** The platform of a multi-platform image, `os/arch[/variant]`. */
  readonly platform?: string;
  /** The index of the layer whose files are listed. */
  readonly layer?: number;
  /** The repository for tag-only names of a layout or archive (the CLI's `--base-name`). */
  readonly baseName?: string;
  /** Which filesystem view of the image is shown (views/fs_*.ts). */
  readonly show?: FsViewName;
  /** A path of the image: the subtree shown, or the file viewed. */
  readonly path?: string;
  /** The text a path search looks for. */
  readonly query?: string;
  /** The second image of a diff (a reference of the same source). */
  readonly other?: string;
  /** The page of a long list, from 1. */
  readonly page?: number;
  /** `hex` shows a file's bytes as a hex dump whatever they are. */
  readonly format?: "hex";
}

/** The filesystem views of an image. */
export type FsViewName = "tree" | "changes" | "diff" | "size" | "search" | "file";

const FS_VIEWS: readonly string[] = ["tree", "changes", "diff", "size", "search", "file"];

/**
 * Reads the view from a query string
 * (`?layout=URL&base=NAME&image=REF&platform=P&layer=N&show=V&path=P&q=T&other=REF&page=N&as=hex`).
 *
 * @param search The URL's query, with or without `?`.
 * @returns The view; unknown or malformed parameters are ignored.
 */
export function parseViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const layout = params.get("layout");
  const archive = params.get("archive");
  const registry = params.get("registry");
  const source: SourceState | undefined = layout
    ? { kind: "layout", url: layout }
    : registry
    ? { kind: "registry", reference: registry }
    : archive
    ? { kind: "archive", name: archive }
    : undefined;
  const layerText = params.get("layer");
  const layer = layerText !== null && /^\d+$/.test(layerText) ? Number(layerText) : undefined;
  const show = params.get("show");
  const pageText = params.get("page");
  const page = pageText !== null && /^[1-9]\d*$/.test(pageText) ? Number(pageText) : undefined;
  return {
    ...(source ? { source } : {}),
    ...(params.get("image") ? { image: params.get("image")! } : {}),
    ...(params.get("platform") ? { platform: params.get("platform")! } : {}),
    ...(layer !== undefined ? { layer } : {}),
    ...(source && source.kind !== "registry" && params.get("base")
      ? { baseName: params.get("base")! }
      : {}),
    ...(show && FS_VIEWS.includes(show) ? { show: show as FsViewName } : {}),
    ...(params.get("path") ? { path: params.get("path")! } : {}),
    ...(params.get("q") ? { query: params.get("q")! } : {}),
    ...(params.get("other") ? { other: params.get("other")! } : {}),
    ...(page !== undefined ? { page } : {}),
    ...(params.get("as") === "hex" ? { format: "hex" as const } : {}),
  };
}

/**
 * The query string of a view, the inverse of {@link parseViewState}.
 *
 * @param state The view.
 * @returns `?…`, or the empty string for the empty view.
 */
export function formatViewState(state: ViewState): string {
  const params = new URLSearchParams();
  const source = state.source;
  if (source?.kind === "layout") params.set("layout", source.url);
  if (source?.kind === "archive") params.set("archive", source.name);
  if (source?.kind === "registry") params.set("registry", source.reference);
  if (state.baseName) params.set("base", state.baseName);
  if (state.image) params.set("image", state.image);
  if (state.platform) params.set("platform", state.platform);
  if (state.layer !== undefined) params.set("layer", String(state.layer));
  if (state.show) params.set("show", state.show);
  if (state.path) params.set("path", state.path);
  if (state.query) params.set("q", state.query);
  if (state.other) params.set("other", state.other);
  if (state.page !== undefined) params.set("page", String(state.page));
  if (state.format) params.set("as", state.format);
  const text = params.toString();
  return text ? `?${text}` : "";
}
