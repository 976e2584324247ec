/**
 * The explorer page: hands the page's `fetch`, `File`s and IndexedDB to the library and draws the
 * views of `views/mod.ts` that apply to the URL's query (see view_state.ts), so links and reloads
 * reopen a view. Everything the page remembers lives in the closure of {@link startExplorer}.
 */
import type { ContentProvider, ImageSource } from "../core/content.ts";
import { DEFAULT_DOCUMENT_LIMIT } from "../core/documents.ts";
import { formatPlatform, parsePlatform } from "../core/platform.ts";
import type { Platform } from "../core/types.ts";
import { parseNormalizedReference } from "../core/normalize.ts";
import { isLoopbackHost } from "../core/host_address.ts";
import type { NamingOptions } from "../adapters/oci_layout.ts";
import type { RegistrySource } from "../adapters/registry.ts";
import { importBaseName, tagOnlyNamesWarning } from "../core/import_naming.ts";
import type { CorsDiagnosis } from "./cors_diagnosis.ts";
import { registryFetch, routeLine } from "./registry_fetch.ts";
import { type RememberingImages, rememberingImages } from "./remembered_images.ts";
import { h } from "./dom.ts";
import { formatViewState, parseViewState, type SourceState, type ViewState } from "./view_state.ts";
import { type CacheCounts, explorerCache } from "./explorer_cache.ts";
import { VIEWS } from "./views/mod.ts";
import type { ResolvedImage, SyncedStore, ViewContext, ViewLinks } from "./views/view.ts";
import { resolveImage } from "./views/image.ts";
import { syncedStore } from "./synced_store.ts";

/** The platform a view is seen for unless one is chosen, as the CLI on an amd64 Linux host. */
export const HOST: Platform = { os: "linux", architecture: "amd64" };

/** One opened source and its stores, one per platform asked for. */
interface Opened {
  readonly source: ImageSource;
  readonly stores: Map<string, Promise<SyncedStore>>;
  /** What opening it warned of. */
  readonly warnings: readonly string[];
  /** The remembering records of a registry source, to tell when a view was opened offline. */
  readonly remembering?: RememberingImages;
  /** Where a registry source's requests go, said while they are waiting. */
  readonly base?: URL;
}

/** How a source is named on the page. */
export function describeSource(source: SourceState): string {
  if (source.kind === "layout") return `OCI layout ${source.url}`;
  if (source.kind === "archive") return `archive ${source.name}`;
  return `registry ${source.reference}`;
}

/**
 * `http://HOST/REPO[:TAG]` asks for plain HTTP, as does a loopback registry; https otherwise.
 * Which host is asked is the adapter's rule (see {@link RegistrySource.base}).
 */
export function registryAccess(text: string): { reference: string; plainHttp: boolean } {
  const scheme = /^(https?):\/\//i.exec(text.trim());
  const reference = text.trim().slice(scheme ? scheme[0].length : 0);
  const domain = parseNormalizedReference(reference).domain;
  return {
    reference,
    plainHttp: scheme ? scheme[1].toLowerCase() === "http" : isLoopbackHost(domain),
  };
}

/** "1 blob", "2 blobs". */
export function blobs(count: number): string {
  return `${count} blob${count === 1 ? "" : "s"}`;
}

/** `make()`'s promise kept under `key`; a failed one is forgotten, so the next ask tries again. */
function once<T>(kept: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let found = kept.get(key);
  if (!found) {
    kept.set(key, found = make());
    found.catch(() => kept.delete(key));
  }
  return found;
}

/**
 * Whole reads of documents (manifests, indexes, configs) kept for the page's life: moving between
 * views of one source reads none twice. Layers are left to the IndexedDB cache, not memory.
 */
function memoized(content: ContentProvider): ContentProvider {
  const reads = new Map<string, Promise<Uint8Array>>();
  return {
    info: (digest, options) => content.info(digest, options),
    ...(content.stream ? { stream: content.stream.bind(content) } : {}),
    read(descriptor, options) {
      if (
        options?.offset !== undefined || options?.length !== undefined ||
        descriptor.size > DEFAULT_DOCUMENT_LIMIT
      ) {
        return content.read(descriptor, options);
      }
      return once(reads, `${descriptor.digest}:${descriptor.size}`, () => content.read(descriptor));
    },
  };
}

/**
 * `message` with the rejected fetch's bare words at its end ("Failed to fetch") replaced by
 * `reason`, the words the page found out.
 *
 * @example
 * ```ts
 * import { withReason } from "./app.ts";
 * const error = new Error("Cannot list tags: Failed to fetch", { cause: new TypeError("Failed to fetch") });
 * console.assert(withReason(error.message, error, "no answer") === "Cannot list tags: no answer");
 * ```
 */
export function withReason(message: string, error: unknown, reason: string): string {
  let cause = error;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  const bare = `: ${(cause as Error)?.message}`;
  return message.endsWith(bare)
    ? `${message.slice(0, -bare.length)}: ${reason}`
    : `${message}: ${reason}`;
}

/** Starts the page: reads its forms and the URL, and draws the views. */
export function startExplorer(): void {
  performance.mark("explorer:start");
  const view = document.getElementById("view")!;
  const status = document.getElementById("status")!;
  const cacheStatus = document.getElementById("cache-status")!;
  /** The archive files picked or dropped in this page, by name (a link cannot carry a file). */
  const archives = new Map<string, File>();
  /** Registry credentials: in this page's memory only, never in the URL or storage. */
  let credentials: { username: string; password: string } | undefined;
  /** Sources opened in this page, by their URL key, so moving between views reopens nothing. */
  const sources = new Map<string, Promise<Opened>>();
  /** The element to focus once the next view is drawn (keyboard users land on what they opened). */
  let focusAfterRender: string | undefined;
  let generation = 0;
  /**
   * Whether a view was drawn yet: the first one is marked `explorer:drawn` (a PerformanceMark, its
   * time since navigation start), when its sections are in the DOM; bench/bundle_bench.ts reads it.
   */
  let drawn = false;
  const cache = explorerCache((error) => {
    const note = document.getElementById("cache-error")!;
    note.hidden = false;
    note.textContent =
      `The IndexedDB cache is off (${error.message}); images are read from the network.`;
  });

  const sourceKey = (source: SourceState, baseName?: string) =>
    formatViewState({ source, ...(baseName ? { baseName } : {}) });
  const registries = registryFetch((input, init) => fetch(input, init), location.origin);

  /** A layout or archive named as the CLI names it: tag-only names under the base name. */
  async function named(
    opening: (naming: NamingOptions) => Promise<ImageSource>,
    baseName: string | undefined,
  ): Promise<Opened> {
    const defaultBaseName = importBaseName(new Date());
    const source = await opening(baseName ? { baseName } : { defaultBaseName });
    const names = (await source.images.list()).map((record) => record.name);
    const warning = baseName
      ? undefined
      : tagOnlyNamesWarning(names, defaultBaseName, "the base name field below");
    return { source, stores: new Map(), warnings: warning ? [warning] : [] };
  }

  async function open(source: SourceState, baseName: string | undefined): Promise<Opened> {
    // Each adapter is its own chunk, loaded with the first source of its kind: a registry's first
    // view does not wait for the layout and archive readers (nor they for the registry client).
    if (source.kind === "layout") {
      const { httpFiles, openOciLayout } = await import("../adapters/oci_layout.ts");
      const url = new URL(source.url, location.href);
      const files = httpFiles(url);
      const opened = await named(
        (naming) => openOciLayout(files, { ...naming, label: `OCI layout ${url}` }),
        baseName,
      );
      const content = memoized(cache.wrap(opened.source.content));
      return { ...opened, source: { ...opened.source, content } };
    }
    if (source.kind === "archive") {
      const file = archives.get(source.name);
      if (!file) {
        throw new Error(
          `Cannot reopen archive "${source.name}": a page cannot keep a file across reloads; choose or drop it again`,
        );
      }
      const { openArchive } = await import("../adapters/archive.ts");
      return await named((naming) => openArchive(file, naming), baseName);
    }
    const stores = new Map<string, Promise<SyncedStore>>();
    const opened = await openedRegistry(source.reference);
    const remembering = rememberingImages(sourceKey(source), opened.images);
    return {
      source: { ...opened, images: remembering, content: memoized(cache.wrap(opened.content)) },
      stores,
      warnings: [],
      remembering,
      base: opened.base,
    };
  }

  /** The view being loaded and the requests it sent, so the status line says what it waits for. */
  let waiting: { label: string; asked: Map<string, number> } | undefined;

  /** The registry fetch, saying on the status line which request the page now waits for. */
  const asking: typeof fetch = (input, init) => {
    if (waiting) {
      const url = new URL(input instanceof Request ? input.url : input);
      const key = `${init?.method ?? "GET"} ${url.href}`;
      const times = (waiting.asked.get(key) ?? 0) + 1;
      waiting.asked.set(key, times);
      status.textContent = `${waiting.label}: waiting for ${url.origin} to answer ${url.pathname}${
        times > 1 ? ` (asked ${times} times)` : ""
      }…`;
    }
    return registries.fetch(input, init);
  };

  async function openedRegistry(text: string): Promise<RegistrySource> {
    const access = registryAccess(text);
    const { openRegistry } = await import("../adapters/registry.ts");
    return await openRegistry(access.reference, {
      plainHttp: access.plainHttp,
      fetch: asking,
      ...(credentials ? { credentials } : {}),
      // A refusing registry is diagnosed instead of retried at length.
      retry: { retries: 1, baseDelay: 100 },
    });
  }

  function opened(source: SourceState, baseName: string | undefined): Promise<Opened> {
    return once(sources, sourceKey(source, baseName), () => open(source, baseName));
  }

  function contextFor(entry: Opened, state: ViewState): ViewContext {
    const platform = state.platform ? parsePlatform(state.platform) : HOST;
    const images = new Map<string, Promise<ResolvedImage>>();
    return {
      image(reference) {
        let image = images.get(reference);
        if (!image) images.set(reference, image = resolveImage(entry.source, platform, reference));
        return image;
      },
      source: entry.source,
      indexes: cache.store,
      label: describeSource(state.source!),
      warnings: entry.warnings,
      platform,
      store: () =>
        once(entry.stores, formatPlatform(platform), () => syncedStore(entry.source, platform)),
    };
  }

  const links: ViewLinks = {
    link(state, label, attributes = {}, focus) {
      const href = formatViewState(state) || location.pathname;
      return h("a", {
        href,
        ...attributes,
        onclick: (event: Event) => {
          const mouse = event as MouseEvent;
          if (mouse.ctrlKey || mouse.metaKey || mouse.shiftKey || mouse.button !== 0) return;
          event.preventDefault();
          links.navigate(state, focus);
        },
      }, label);
    },
    navigate(state, focus) {
      focusAfterRender = focus;
      history.pushState(null, "", formatViewState(state) || location.pathname);
      void show(parseViewState(location.search));
    },
  };

  function report(counts: CacheCounts): void {
    const total = counts.cached + counts.fetched;
    cacheStatus.dataset.cached = String(counts.cached);
    cacheStatus.dataset.fetched = String(counts.fetched);
    if (total === 0) {
      cacheStatus.textContent = "";
      cacheStatus.dataset.from = "memory";
    } else if (counts.fetched === 0) {
      cacheStatus.textContent = `This view came from the cache: ${
        blobs(counts.cached)
      }, none fetched.`;
      cacheStatus.dataset.from = "cache";
    } else {
      cacheStatus.textContent = `Fetched ${
        blobs(counts.fetched)
      } over the network, ${counts.cached} from the cache.`;
      cacheStatus.dataset.from = counts.cached > 0 ? "both" : "network";
    }
  }

  /** Draws a view; a newer navigation wins over one still loading. */
  async function show(state: ViewState): Promise<void> {
    const mine = ++generation;
    const started = performance.now();
    document.body.dataset.ready = "false";
    status.textContent = state.source ? `Opening ${describeSource(state.source)}…` : "";
    status.removeAttribute("role");
    fillForms(state);
    cache.reset();
    const parts: HTMLElement[] = [];
    let entry: Opened | undefined;
    waiting = state.source?.kind === "registry"
      ? { label: `Reading ${describeSource(state.source)}`, asked: new Map() }
      : undefined;
    try {
      if (state.source) {
        entry = await opened(state.source, state.baseName);
        if (!drawn) performance.mark("explorer:opened");
        if (entry.base) {
          status.textContent = `Reading ${describeSource(state.source)} from ${entry.base.origin}…`;
        }
        const context = contextFor(entry, state);
        // All loaded at once (an image's layer listing need not wait for the store's sync), drawn
        // in page order; a failure is met at its turn, with the views before it drawn.
        const loads = VIEWS.filter((each) => each.applies(state))
          .map((each) => ({ each, model: each.load(context, state) }));
        for (const { model } of loads) model.catch(() => {});
        for (const { each, model } of loads) parts.push(each.render(await model, links));
      }
      if (mine !== generation) return;
      view.replaceChildren(...parts);
      if (!drawn) performance.mark("explorer:drawn");
      drawn = true;
      const since = entry?.remembering?.offlineSince();
      status.textContent = since
        ? `The registry cannot be reached: showing the image records this browser saved at ${since}.`
        : state.source?.kind === "registry"
        ? routeLine(registries.latest()?.host ?? "", registries.latest()?.route, true)
        : "";
      document.body.dataset.offline = since ? "true" : "false";
      document.body.dataset.error = "";
      if (mine === generation) waiting = undefined;
    } catch (error) {
      if (mine === generation) waiting = undefined;
      let message = (error as Error)?.message ?? String(error);
      // The diagnosis is a chunk of its own: only a refused registry loads it.
      const cors = state.source?.kind === "registry" && parts.length === 0
        ? await import("./cors_diagnosis.ts")
        : undefined;
      if (cors?.looksLikeCorsRefusal(error) && state.source?.kind === "registry") {
        const diagnosis = await diagnosed(state.source.reference, cors.diagnoseCors);
        // Unreachable: one message, the failed action ending in why, not a section beside it.
        if (diagnosis.reachable) parts.push(await diagnosisSection(diagnosis));
        else message = withReason(message, error, diagnosis.message);
      }
      if (mine !== generation) return;
      view.replaceChildren(...parts);
      status.setAttribute("role", "alert");
      status.textContent = message;
      document.body.dataset.error = message;
    }
    if (focusAfterRender) document.getElementById(focusAfterRender)?.focus();
    focusAfterRender = undefined;
    report(cache.counts());
    document.title = state.image ? `${state.image} — ocistore explorer` : "ocistore explorer";
    document.body.dataset.viewMs = String(Math.round(performance.now() - started));
    // Since navigation started: what a visitor waits for the first view (bench/bundle_bench.ts).
    document.body.dataset.readyAt = String(Math.round(performance.now()));
    document.body.dataset.ready = "true";
  }

  /** Asks the registry of `reference` one CORS feature at a time (see cors_diagnosis.ts). */
  async function diagnosed(
    reference: string,
    diagnoseCors: typeof import("./cors_diagnosis.ts").diagnoseCors,
  ): Promise<CorsDiagnosis> {
    const base = (await openedRegistry(reference)).base;
    status.textContent =
      `No answer this page may read from ${base.origin}: checking whether it answers at all…`;
    try {
      return await diagnoseCors(base.href, { authorization: credentials !== undefined });
    } catch (error) {
      const message = `Cannot diagnose the registry: ${(error as Error)?.message ?? error}`;
      return { refused: false, reachable: true, message };
    }
  }

  /** Why a registry that answers refuses this page, with the configuration that fixes it. */
  async function diagnosisSection(diagnosis: CorsDiagnosis): Promise<HTMLElement> {
    const { refused, missing } = diagnosis;
    let text = diagnosis.message;
    const proxy = await registries.hasProxy();
    if (!proxy) text = text.replace("\n", ` ${routeLine("", undefined, false)}\n`);
    const [summary, ...config] = text.split("\n");
    return h(
      "section",
      { id: "diagnosis", "aria-labelledby": "diagnosis-heading", "data-refused": String(refused) },
      h(
        "h2",
        { id: "diagnosis-heading" },
        refused ? "The registry refuses this page" : "Diagnosis",
      ),
      missing ? h("p", {}, h("strong", {}, "Missing: "), h("code", {}, missing)) : null,
      h("p", {}, summary),
      config.length > 0 ? h("pre", {}, h("code", {}, config.join("\n"))) : null,
    );
  }

  function fillForms(state: ViewState): void {
    const layoutInput = document.getElementById("layout-url") as HTMLInputElement;
    if (state.source?.kind === "layout") layoutInput.value = state.source.url;
    const registryInput = document.getElementById("registry-ref") as HTMLInputElement;
    if (state.source?.kind === "registry") registryInput.value = state.source.reference;
  }

  function openFresh(source: SourceState): void {
    // The source under any base name: a file picked again may differ.
    const key = sourceKey(source);
    for (const each of [...sources.keys()]) {
      if (each === key || each.startsWith(`${key}&`)) sources.delete(each);
    }
    links.navigate({ source });
  }

  function openArchiveFile(file: File): void {
    archives.set(file.name, file);
    openFresh({ kind: "archive", name: file.name });
  }

  document.getElementById("layout-form")!.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = (document.getElementById("layout-url") as HTMLInputElement).value.trim();
    if (url) openFresh({ kind: "layout", url });
  });

  document.getElementById("registry-form")!.addEventListener("submit", (event) => {
    event.preventDefault();
    const reference = (document.getElementById("registry-ref") as HTMLInputElement).value.trim();
    const username = (document.getElementById("registry-user") as HTMLInputElement).value;
    const password = (document.getElementById("registry-password") as HTMLInputElement).value;
    credentials = username || password ? { username, password } : undefined;
    if (reference) openFresh({ kind: "registry", reference });
  });

  const fileInput = document.getElementById("archive-file") as HTMLInputElement;
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) openArchiveFile(file);
  });

  const drop = document.getElementById("drop")!;
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer?.files?.[0];
    if (file) openArchiveFile(file);
  });

  /** Next to `deno task explorer`'s example layout, the empty page offers it. */
  async function offerExamples(): Promise<void> {
    try {
      const response = await fetch("layout/oci-layout", { method: "HEAD" });
      if (!response.ok || location.search) return;
      const state: ViewState = { source: { kind: "layout", url: "layout/" } };
      view.replaceChildren(
        h(
          "p",
          { id: "examples" },
          "This server has example images: ",
          links.link(state, "open them"),
          ".",
        ),
      );
    } catch {
      // No examples here: the forms are enough.
    }
  }

  addEventListener("popstate", () => void show(parseViewState(location.search)));
  if (!location.search) void offerExamples();
  void show(parseViewState(location.search));
}
