/** One image in detail: its IDs, platform choice, config, history and layers. */
import { type ImageSource, readBlob } from "../../core/content.ts";
import { humanSize } from "../../core/format.ts";
import { configFor, manifestFor, platformsOf } from "../../core/image.ts";
import { parseImageConfig } from "../../core/image_config.ts";
import { isIndexType } from "../../core/media_types.ts";
import { formatPlatform } from "../../core/platform.ts";
import { only } from "../../core/platform_matcher.ts";
import type { Descriptor, ImageConfig, Platform } from "../../core/types.ts";
import { type Child, h, table } from "../dom.ts";
import type { ViewState } from "../view_state.ts";
import type { ResolvedImage, View } from "./view.ts";

/** What the details show. */
export interface ImageModel {
  /** The state loaded (its links keep it). */
  readonly state: ViewState;
  /** The reference shown. */
  readonly reference: string;
  /** The image ID: the config's digest for the view's platform. */
  readonly id: string;
  /** The digest of the platform's manifest. */
  readonly manifest: string;
  /** The record's target (an index or a manifest). */
  readonly root: Descriptor;
  /** The platforms of an index, `os/arch[/variant]`; empty for a single manifest. */
  readonly platforms: readonly string[];
  /** The platform shown. */
  readonly platform: string;
  /** The parsed config. */
  readonly config: ImageConfig;
  /** The manifest's layers, base first. */
  readonly layers: readonly Descriptor[];
}

/**
 * The manifest and config of an image for the context's platform (what `ViewContext.image`
 * answers).
 *
 * @param source The source.
 * @param platform The platform.
 * @param reference The image's reference.
 * @returns The record, manifest and config descriptor.
 */
export async function resolveImage(
  source: ImageSource,
  platform: Platform,
  reference: string,
): Promise<ResolvedImage> {
  const record = await source.images.get(reference);
  const options = { platform: only(platform) };
  const resolved = await manifestFor(source.content, record.target, options);
  const config = await configFor(source.content, record.target, options);
  return { record, resolved, config };
}

/** The image details. */
export const imageView: View<ImageModel> = {
  applies: (state) => state.source !== undefined && state.image !== undefined,
  async load(context, state) {
    const reference = state.image!;
    const { record, resolved, config } = await context.image(reference);
    const content = context.source.content;
    const platforms = isIndexType(record.target.mediaType)
      ? (await platformsOf(content, record.target)).map(formatPlatform)
      : [];
    const parsed = parseImageConfig(await readBlob(content, config));
    return {
      state,
      reference,
      id: config.digest,
      manifest: resolved.descriptor.digest,
      root: record.target,
      platforms,
      platform: formatPlatform((resolved.descriptor.platform ?? parsed) as Platform),
      config: parsed,
      layers: resolved.manifest.layers,
    };
  },
  render(model, links) {
    const children: Child[] = [
      h("h2", { id: "image-heading", tabindex: -1 }, model.reference),
      definitionList([
        ["Image ID", h("code", { "data-id": model.id }, model.id)],
        ["Manifest", h("code", {}, model.manifest)],
        ["Root", h("code", {}, `${model.root.mediaType} ${model.root.digest}`)],
      ]),
    ];
    if (model.platforms.length > 0) {
      const select = h(
        "select",
        {
          id: "platform",
          onchange: (event: Event) => {
            const { layer: _layer, ...rest } = model.state;
            links.navigate(
              { ...rest, platform: (event.target as HTMLSelectElement).value },
              "platform",
            );
          },
        },
        model.platforms.map((name) =>
          h("option", { value: name, selected: name === model.platform }, name)
        ),
      );
      children.push(h("p", {}, h("label", { for: "platform" }, "Platform "), select));
    }
    children.push(
      configSection(model.config),
      historySection(model.config),
      layersSection(model, links),
    );
    return h("section", { id: "image", "aria-labelledby": "image-heading" }, children);
  },
};

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
  const rows = (config.history ?? []).map((entry) => [
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

/** A digest as registries' UIs show it: algorithm and 12 hex digits; the whole one is a click away. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  return hex === undefined ? digest : `${algorithm}:${hex.slice(0, 12)}`;
}

function digestCell(digest: string, index: number): HTMLElement {
  const copy = h("button", {
    type: "button",
    class: "copy",
    "aria-label": `Copy the digest of layer ${index + 1}`,
    onclick: () => void navigator.clipboard?.writeText(digest),
  }, "Copy");
  return h(
    "span",
    { class: "digest-cell" },
    h(
      "details",
      {},
      h(
        "summary",
        {},
        h("code", { class: "digest", "data-digest": digest, title: digest }, shortDigest(digest)),
      ),
      h("code", { class: "full" }, digest),
    ),
    copy,
  );
}

function layersSection(model: ImageModel, links: Parameters<View<ImageModel>["render"]>[1]) {
  const rows = model.layers.map((layer, i) => [
    String(i + 1),
    h("code", {}, layer.mediaType),
    h("span", { "data-bytes": layer.size, title: `${layer.size} bytes` }, humanSize(layer.size)),
    digestCell(layer.digest, i),
    links.link(
      { ...model.state, layer: i, show: undefined, path: undefined, page: undefined },
      "Files",
      {
        "aria-label": `Files of layer ${i + 1}`,
        ...(model.state.layer === i ? { "aria-current": "page" } : {}),
      },
      "files-heading",
    ),
  ]);
  return h(
    "section",
    { id: "layers", "aria-labelledby": "layers-heading" },
    h("h3", { id: "layers-heading" }, "Layers"),
    table("Layers, base first", ["#", "Media type", "Size", "Digest", ""], rows),
  );
}
