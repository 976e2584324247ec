/**
 * The image explorer page: the composition root that hands the page's `fetch`, `File`s and
 * IndexedDB to the library and renders what the store sees. Every view is a function of the URL's
 * query (see view_state.ts), so links and reloads reopen it.
 */
import { readBlob, readBlobStream } from "../core/content.ts";
import type { ContentProvider, ImageSource } from "../core/content.ts";
import { parseImageConfig } from "../core/image_config.ts";
import { DEFAULT_DOCUMENT_LIMIT } from "../core/documents.ts";
import { configFor, manifestFor, platformsOf } from "../core/image.ts";
import { type Image, ImageStore } from "../core/image_store.ts";
import { formatPlatform, parsePlatform } from "../core/platform.ts";
import { only } from "../core/platform_matcher.ts";
import { isIndexType } from "../core/media_types.ts";
import type { Descriptor, ImageConfig, Platform } from "../core/types.ts";
import { openOciLayout } from "../adapters/oci_layout.ts";
import { openArchive } from "../adapters/archive.ts";
import { openRegistry } from "../adapters/registry.ts";
import { httpFiles } from "../runtime/http_files.ts";
import { parseNormalizedReference } from "../core/normalize.ts";
import { diagnoseCors } from "./cors_diagnosis.ts";
import { type RememberingImages, rememberingImages } from "./remembered_images.ts";
import { humanSize } from "../cli/human_size.ts";
import { type Child, h, table } from "./dom.ts";
import { layerTarStream } from "./layer_stream.ts";
import { formatMode, listTar } from "./tar_listing.ts";
import { formatViewState, parseViewState, type SourceState, type ViewState } from "./view_state.ts";
import { type CacheCounts, explorerCache } from "./explorer_cache.ts";

/** The platform the store's table is computed for, as the CLI on an amd64 Linux host. */
const HOST: Platform = { os: "linux", architecture: "amd64" };
/** Layers up to this size are read whole (verified and cached); bigger ones are streamed. */
const WHOLE_LAYER_LIMIT = 64 * 1024 * 1024;
/** At most this many files of a layer are listed. */
const FILE_LIMIT = 2000;

const view = document.getElementById("view")!;
const status = document.getElementById("status")!;
const cacheStatus = document.getElementById("cache-status")!;

/** The archive files picked or dropped in this page, by name (a link cannot carry a file). */
const archives = new Map<string, File>();
/** The remembering records of registry sources, to tell when a view was opened offline. */
const offline = new Map<string, RememberingImages>();
/** Registry credentials: in this page's memory only, never in the URL or storage. */
let credentials: { username: string; password: string } | undefined;
/** Sources opened in this page, by their URL key, so moving between views reopens nothing. */
const sources = new Map<string, Promise<ImageSource>>();
const cache = explorerCache((error) => {
  const note = document.getElementById("cache-error")!;
  note.hidden = false;
  note.textContent =
    `The IndexedDB cache is off (${error.message}); images are read from the network.`;
});

function sourceKey(source: SourceState): string {
  return formatViewState({ source });
}

async function openSource(source: SourceState): Promise<ImageSource> {
  if (source.kind === "layout") {
    const url = new URL(source.url, location.href);
    const opened = await openOciLayout(httpFiles(url), { label: `OCI layout ${url}` });
    return { ...opened, content: memoized(cache.wrap(opened.content)) };
  }
  if (source.kind === "archive") {
    const file = archives.get(source.name);
    if (!file) {
      throw new Error(
        `Cannot reopen archive "${source.name}": a page cannot keep a file across reloads; choose or drop it again`,
      );
    }
    return await openArchive(file);
  }
  const target = registryTarget(source.reference);
  const opened = await openRegistry(target.reference, {
    plainHttp: target.plainHttp,
    ...(credentials ? { credentials } : {}),
    // A refusing registry is diagnosed instead of retried at length.
    retry: { retries: 1, baseDelay: 100 },
  });
  const images = rememberingImages(sourceKey(source), opened.images);
  offline.set(sourceKey(source), images);
  return { ...opened, images, content: memoized(cache.wrap(opened.content)) };
}

/** `http://HOST/REPO[:TAG]` speaks plain HTTP, as does a loopback registry; https otherwise. */
function registryTarget(text: string): { reference: string; plainHttp: boolean; base: string } {
  const scheme = /^(https?):\/\//i.exec(text.trim());
  const reference = text.trim().slice(scheme ? scheme[0].length : 0);
  const domain = parseNormalizedReference(reference).domain;
  const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(domain);
  const plainHttp = scheme ? scheme[1].toLowerCase() === "http" : loopback;
  return { reference, plainHttp, base: `${plainHttp ? "http" : "https"}://${domain}` };
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
      const key = `${descriptor.digest}:${descriptor.size}`;
      let read = reads.get(key);
      if (!read) {
        read = content.read(descriptor);
        reads.set(key, read);
        read.catch(() => reads.delete(key));
      }
      return read;
    },
  };
}

function sourceFor(source: SourceState): Promise<ImageSource> {
  const key = sourceKey(source);
  let opened = sources.get(key);
  if (!opened) {
    opened = openSource(source);
    sources.set(key, opened);
    opened.catch(() => sources.delete(key));
  }
  return opened;
}

/** The element to focus once the next view is rendered (keyboard users land on what they opened). */
let focusAfterRender: string | undefined;

function linkTo(
  state: ViewState,
  label: Child,
  attributes: Record<string, string> = {},
  focus?: string,
) {
  const href = formatViewState(state) || location.pathname;
  return h("a", {
    href,
    ...attributes,
    onclick: (event: Event) => {
      const mouse = event as MouseEvent;
      if (mouse.ctrlKey || mouse.metaKey || mouse.shiftKey || mouse.button !== 0) return;
      event.preventDefault();
      focusAfterRender = focus;
      navigate(state);
    },
  }, label);
}

function navigate(state: ViewState): void {
  history.pushState(null, "", formatViewState(state) || location.pathname);
  void show(parseViewState(location.search));
}

const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 13);

function describeSource(source: SourceState): string {
  if (source.kind === "layout") return `OCI layout ${source.url}`;
  if (source.kind === "archive") return `archive ${source.name}`;
  return `registry ${source.reference}`;
}

function storeSection(state: ViewState, images: Image[], failures: string[]): HTMLElement {
  const rows: Child[][] = [];
  const byReference = images.flatMap((image) => image.references.map((ref) => ({ ref, image })))
    .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  for (const { ref, image } of byReference) {
    rows.push([
      linkTo(
        { source: state.source, image: ref },
        ref,
        ref === state.image ? { "aria-current": "page" } : {},
        "image-heading",
      ),
      h("code", { title: image.id, "data-id": image.id }, shortId(image.id)),
      h("code", { title: image.chainId }, shortId(image.chainId)),
      h("span", { "data-bytes": image.size }, humanSize(image.size)),
      String(image.pinned),
    ]);
  }
  return h(
    "section",
    { id: "store", "aria-labelledby": "store-heading" },
    h("h2", { id: "store-heading" }, "Images"),
    h("p", {}, `${describeSource(state.source!)}, seen for ${formatPlatform(HOST)}`),
    rows.length > 0
      ? table("The store's images, one row per reference", [
        "Reference",
        "Image ID",
        "Chain ID",
        "Size",
        "Pinned",
      ], rows)
      : h("p", {}, "No images."),
    failures.length > 0
      ? h("ul", { class: "warnings" }, failures.map((f) => h("li", {}, f)))
      : null,
  );
}

function definitionList(entries: [string, Child][]): HTMLElement {
  return h(
    "dl",
    {},
    entries.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value ?? "—")]),
  );
}

function list(values: readonly string[] | undefined): Child {
  if (!values || values.length === 0) return null;
  return h("ul", { class: "plain" }, values.map((v) => h("li", {}, h("code", {}, v))));
}

function configSection(config: ImageConfig): HTMLElement {
  const c = config.config ?? {};
  const labels = Object.entries(c.Labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return h(
    "section",
    { id: "config", "aria-labelledby": "config-heading" },
    h("h3", { id: "config-heading" }, "Config"),
    definitionList([
      ["Platform", formatPlatform(config as unknown as Platform)],
      ["Entrypoint", list(c.Entrypoint)],
      ["Cmd", list(c.Cmd)],
      ["Env", list(c.Env)],
      ["User", c.User ? h("code", {}, c.User) : null],
      ["Working dir", c.WorkingDir ? h("code", {}, c.WorkingDir) : null],
      ["Exposed ports", list(Object.keys(c.ExposedPorts ?? {}))],
      ["Labels", list(labels)],
      ["Created", config.created ?? null],
    ]),
  );
}

function historySection(config: ImageConfig): HTMLElement {
  const rows = (config.history ?? []).map((
    entry,
  ) => [
    entry.created ?? "",
    h("code", {}, entry.created_by ?? ""),
    entry.empty_layer ? "no" : "yes",
    entry.comment ?? "",
  ]);
  return h(
    "section",
    { id: "history", "aria-labelledby": "history-heading" },
    h("h3", { id: "history-heading" }, "History"),
    rows.length > 0
      ? table("How the image was built, oldest first", [
        "Created",
        "Created by",
        "Layer",
        "Comment",
      ], rows)
      : h("p", {}, "No history."),
  );
}

function layersSection(state: ViewState, layers: readonly Descriptor[]): HTMLElement {
  const rows = layers.map((layer, i) => [
    String(i + 1),
    h("code", {}, layer.mediaType),
    h("span", { "data-bytes": layer.size, title: `${layer.size} bytes` }, humanSize(layer.size)),
    h("code", { class: "digest" }, layer.digest),
    linkTo({ ...state, layer: i }, "Files", {
      "aria-label": `Files of layer ${i + 1}`,
      ...(state.layer === i ? { "aria-current": "page" } : {}),
    }, "files-heading"),
  ]);
  return h(
    "section",
    { id: "layers", "aria-labelledby": "layers-heading" },
    h("h3", { id: "layers-heading" }, "Layers"),
    table("Layers, base first", ["#", "Media type", "Size", "Digest", ""], rows),
  );
}

async function layerStream(
  content: ContentProvider,
  layer: Descriptor,
): Promise<ReadableStream<Uint8Array>> {
  if (layer.size <= WHOLE_LAYER_LIMIT) {
    const bytes = await readBlob(content, layer);
    return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
  }
  return await readBlobStream(content, layer);
}

async function filesSection(
  content: ContentProvider,
  layer: Descriptor,
  index: number,
): Promise<HTMLElement> {
  const listing = await listTar(await layerTarStream(await layerStream(content, layer)), {
    limit: FILE_LIMIT,
  });
  const rows = listing.entries.map((entry) => [
    h("code", {}, formatMode(entry)),
    `${entry.uid}/${entry.gid}`,
    entry.type === "file"
      ? h("span", { "data-bytes": entry.size, title: `${entry.size} bytes` }, humanSize(entry.size))
      : "",
    h(
      "code",
      {},
      entry.name,
      entry.link !== undefined
        ? (entry.type === "symlink" ? " -> " : " link to ") + entry.link
        : "",
    ),
  ]);
  return h(
    "section",
    { id: "files", "aria-labelledby": "files-heading" },
    h("h3", { id: "files-heading", tabindex: -1 }, `Files of layer ${index + 1}`),
    table(`${listing.entries.length} entries`, ["Mode", "Owner", "Size", "Path"], rows),
    listing.truncated
      ? h("p", { class: "note" }, `Only the first ${FILE_LIMIT} entries are listed.`)
      : null,
  );
}

async function imageSection(source: ImageSource, state: ViewState): Promise<HTMLElement> {
  const ref = state.image!;
  const record = await source.images.get(ref);
  const content = source.content;
  const isIndex = isIndexType(record.target.mediaType);
  const platforms = isIndex ? await platformsOf(content, record.target) : [];
  const platform = state.platform ? parsePlatform(state.platform) : HOST;
  const resolved = await manifestFor(content, record.target, { platform: only(platform) });
  const configDescriptor = await configFor(content, record.target, { platform: only(platform) });
  const config = parseImageConfig(await readBlob(content, configDescriptor));
  const children: Child[] = [
    h("h2", { id: "image-heading", tabindex: -1 }, ref),
    definitionList([
      ["Image ID", h("code", { "data-id": configDescriptor.digest }, configDescriptor.digest)],
      ["Manifest", h("code", {}, resolved.descriptor.digest)],
      ["Root", h("code", {}, `${record.target.mediaType} ${record.target.digest}`)],
    ]),
  ];
  if (platforms.length > 0) {
    const current = formatPlatform(
      (resolved.descriptor.platform ?? config) as Platform,
    );
    const select = h(
      "select",
      {
        id: "platform",
        onchange: (event: Event) => {
          const { layer: _layer, ...rest } = state;
          focusAfterRender = "platform";
          navigate({ ...rest, platform: (event.target as HTMLSelectElement).value });
        },
      },
      platforms.map((p) => {
        const name = formatPlatform(p);
        return h("option", { value: name, selected: name === current }, name);
      }),
    );
    children.push(
      h("p", {}, h("label", { for: "platform" }, "Platform "), select),
    );
  }
  children.push(
    configSection(config),
    historySection(config),
    layersSection(state, resolved.manifest.layers),
  );
  if (state.layer !== undefined) {
    const layer = resolved.manifest.layers[state.layer];
    if (!layer) {
      throw new Error(
        `Cannot list layer ${state.layer + 1}: the image has ${resolved.manifest.layers.length}`,
      );
    }
    children.push(await filesSection(content, layer, state.layer));
  }
  return h("section", { id: "image", "aria-labelledby": "image-heading" }, children);
}

function report(counts: CacheCounts): void {
  const total = counts.cached + counts.fetched;
  cacheStatus.dataset.cached = String(counts.cached);
  cacheStatus.dataset.fetched = String(counts.fetched);
  if (total === 0) {
    cacheStatus.textContent = "";
    cacheStatus.dataset.from = "memory";
  } else if (counts.fetched === 0) {
    cacheStatus.textContent =
      `This view came from the cache: ${counts.cached} blobs, none fetched.`;
    cacheStatus.dataset.from = "cache";
  } else {
    cacheStatus.textContent =
      `Fetched ${counts.fetched} blobs over the network, ${counts.cached} from the cache.`;
    cacheStatus.dataset.from = counts.cached > 0 ? "both" : "network";
  }
}

let generation = 0;

/** Renders a view; a newer navigation wins over one still loading. */
async function show(state: ViewState): Promise<void> {
  const mine = ++generation;
  const started = performance.now();
  document.body.dataset.ready = "false";
  status.textContent = state.source ? "Loading…" : "";
  status.removeAttribute("role");
  fillForms(state);
  cache.reset();
  const parts: HTMLElement[] = [];
  try {
    if (state.source) {
      const source = await sourceFor(state.source);
      const store = new ImageStore(source, { platform: only(HOST) });
      const { failures } = await store.sync();
      parts.push(storeSection(state, store.list(), failures.map((f) => f.error.message)));
      if (state.image) parts.push(await imageSection(source, state));
    }
    if (mine !== generation) return;
    view.replaceChildren(...parts);
    const since = state.source && offline.get(sourceKey(state.source))?.offlineSince();
    status.textContent = since
      ? `The registry cannot be reached: showing the image records this browser saved at ${since}.`
      : "";
    document.body.dataset.offline = since ? "true" : "false";
    document.body.dataset.error = "";
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    if (state.source?.kind === "registry" && parts.length === 0) {
      parts.push(await diagnosisSection(state.source.reference));
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

/** Why a registry could not be read, when the browser's CORS rules are the reason. */
async function diagnosisSection(reference: string): Promise<HTMLElement> {
  let text: string;
  let refused = false;
  let missing: string | undefined;
  try {
    const diagnosis = await diagnoseCors(registryTarget(reference).base, {
      authorization: credentials !== undefined,
    });
    text = diagnosis.message;
    refused = diagnosis.refused;
    missing = diagnosis.missing;
  } catch (error) {
    text = `Cannot diagnose the registry: ${(error as Error)?.message ?? error}`;
  }
  const [summary, ...config] = text.split("\n");
  return h(
    "section",
    { id: "diagnosis", "aria-labelledby": "diagnosis-heading", "data-refused": String(refused) },
    h("h2", { id: "diagnosis-heading" }, refused ? "The registry refuses this page" : "Diagnosis"),
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

function openArchiveFile(file: File): void {
  archives.set(file.name, file);
  sources.delete(sourceKey({ kind: "archive", name: file.name }));
  navigate({ source: { kind: "archive", name: file.name } });
}

document.getElementById("layout-form")!.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = (document.getElementById("layout-url") as HTMLInputElement).value.trim();
  if (url) {
    sources.delete(sourceKey({ kind: "layout", url }));
    navigate({ source: { kind: "layout", url } });
  }
});

document.getElementById("registry-form")!.addEventListener("submit", (event) => {
  event.preventDefault();
  const reference = (document.getElementById("registry-ref") as HTMLInputElement).value.trim();
  const username = (document.getElementById("registry-user") as HTMLInputElement).value;
  const password = (document.getElementById("registry-password") as HTMLInputElement).value;
  credentials = username || password ? { username, password } : undefined;
  if (reference) {
    sources.delete(sourceKey({ kind: "registry", reference }));
    navigate({ source: { kind: "registry", reference } });
  }
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
        linkTo(state, "open them"),
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
