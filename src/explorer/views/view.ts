/** What an explorer view is: it loads a model from the open source, then renders it. */
import type { ImageSource } from "../../core/content.ts";
import type { BlobStore } from "../../core/cached_content.ts";
import type { ImageStore } from "../../core/image_store.ts";
import type { Descriptor, ImageRecord, Platform } from "../../core/types.ts";
import type { ResolvedManifest } from "../../core/image.ts";
import type { Child } from "../dom.ts";
import type { ViewState } from "../view_state.ts";

/** What a view's `load` reads from: the open source and its store. */
export interface ViewContext {
  /** The open source (one per source, kept while the page lives). */
  readonly source: ImageSource;
  /** How the source is named on the page (`OCI layout …`, `registry …`). */
  readonly label: string;
  /** What opening the source warned of (tag-only names, as the CLI warns). */
  readonly warnings: readonly string[];
  /**
   * Where layers keep their seek indexes (the page's IndexedDB), so the first listing reads a
   * layer once and a file is then one ranged read; without it, layers are streamed each time.
   */
  readonly indexes?: BlobStore;
  /** The platform the view is seen for: the chosen one, else the host's. */
  readonly platform: Platform;
  /** The source's store for `platform`, synced once (one store per source and platform). */
  store(): Promise<SyncedStore>;
  /** The state's image resolved for `platform`, read once per view (several views show it). */
  image(reference: string): Promise<ResolvedImage>;
}

/** An image record with its manifest and config for the view's platform. */
export interface ResolvedImage {
  /** The record. */
  readonly record: ImageRecord;
  /** The platform's manifest. */
  readonly resolved: ResolvedManifest;
  /** The config's descriptor (its digest is the image ID). */
  readonly config: Descriptor;
}

/** A store after its first sync. */
export interface SyncedStore {
  /** The store. */
  readonly store: ImageStore;
  /** Why some records could not be listed by that sync. */
  readonly failures: readonly string[];
}

/** The page's navigation, handed to `render` (views hold no page state of their own). */
export interface ViewLinks {
  /** A link to another view; `focus` names the element focused once it is drawn. */
  link(
    state: ViewState,
    label: Child,
    attributes?: Record<string, string>,
    focus?: string,
  ): HTMLElement;
  /** Goes to another view. */
  navigate(state: ViewState, focus?: string): void;
}

/** One view: a section of the page, shown when `applies` says so. */
export interface View<Model> {
  /** Whether the view is part of the page for this state. */
  applies(state: ViewState): boolean;
  /** Reads what the view shows (plain data, testable without a DOM). */
  load(context: ViewContext, state: ViewState): Promise<Model>;
  /** Draws the model. */
  render(model: Model, links: ViewLinks): HTMLElement;
}
