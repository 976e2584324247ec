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
}

/**
 * Reads the view from a query string (`?layout=URL&base=NAME&image=REF&platform=P&layer=N`).
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
  return {
    ...(source ? { source } : {}),
    ...(params.get("image") ? { image: params.get("image")! } : {}),
    ...(params.get("platform") ? { platform: params.get("platform")! } : {}),
    ...(layer !== undefined ? { layer } : {}),
    ...(source && source.kind !== "registry" && params.get("base")
      ? { baseName: params.get("base")! }
      : {}),
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
  const text = params.toString();
  return text ? `?${text}` : "";
}
