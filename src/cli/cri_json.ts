/** The JSON crictl prints: `crictl images -o json` and `crictl inspecti -o json`. */
import type { Image } from "../core/image_store.ts";
import type { ImageConfig, ImageExecutionConfig } from "../core/types.ts";
import { type CriImage, toCriImage } from "./cri_image.ts";

/** A JSON value, as the CLI prints it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A CRI image as protobuf JSON prints it: field order, int64 as strings, absent messages null. */
function _protoImage(image: CriImage): { [key: string]: Json } {
  return {
    id: image.id,
    repoTags: [...image.repoTags],
    repoDigests: [...image.repoDigests],
    size: String(image.size),
    uid: image.uid === undefined ? null : { value: image.uid },
    username: image.username,
    spec: null,
    pinned: image.pinned,
  };
}

/**
 * The `crictl images -o json` document: `{"images":[…]}` with each image's `id`, `repoTags`,
 * `repoDigests`, `size` (a decimal string), `uid`, `username`, `spec` and `pinned`, indented by two
 * spaces and ending in a newline.
 *
 * @param images The images, already in crictl's order.
 * @returns The JSON text.
 * @example
 * ```ts
 * import { formatImagesJson } from "./cri_json.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const json = formatImagesJson([{
 *   id: "sha256:" + "a".repeat(64), repoTags: ["docker.io/library/a:1"], repoDigests: [],
 *   size: 1234, username: "", pinned: false,
 * }]);
 * assertEquals(JSON.parse(json).images[0].size, "1234");
 * assertEquals(JSON.parse(json).images[0].uid, null);
 * ```
 */
export function formatImagesJson(images: readonly CriImage[]): string {
  return JSON.stringify({ images: images.map(_protoImage) }, null, 2) + "\n";
}

/**
 * The `crictl inspecti -o json` document of one image: `status` (the CRI image) and `info`
 * (`chainID` and the `imageSpec` as containerd's Go types marshal it). crictl re-encodes both
 * through Go maps, so keys come out sorted at every level and `<`, `>`, `&` are escaped.
 *
 * @param image The store image.
 * @returns The JSON text, ending in a newline.
 * @example
 * ```ts
 * import { formatInspectJson } from "./cri_json.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const json = formatInspectJson({
 *   id: "sha256:" + "a".repeat(64), references: ["example.com/app:1"], chainId: "sha256:" + "b".repeat(64),
 *   size: 10, pinned: false,
 *   imageSpec: { os: "linux", architecture: "amd64", config: { Cmd: ["sh", "-c", "a && b"] },
 *     rootfs: { type: "layers", diff_ids: [] } },
 * });
 * assertEquals(Object.keys(JSON.parse(json)), ["info", "status"]);
 * assertEquals(JSON.parse(json).info.imageSpec.config.Cmd[2], "a && b");
 * assertEquals(json.includes("\\u0026\\u0026"), true);
 * ```
 */
export function formatInspectJson(image: Image): string {
  const document = {
    status: _protoImage(toCriImage(image)),
    info: { chainID: image.chainId, imageSpec: goImageSpec(image.imageSpec) },
  };
  return goIndent(document) + "\n";
}

/**
 * An image config as Go's `encoding/json` marshals containerd's `imagespec.Image`: empty optional
 * fields left out (`omitempty`), `config` and `rootfs` always present, times in RFC 3339 with
 * trailing fractional zeros dropped and a zero offset written `Z`.
 *
 * @param spec The parsed image config.
 * @returns The JSON value.
 * @example
 * ```ts
 * import { goImageSpec } from "./cri_json.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const spec = goImageSpec({
 *   created: "2024-01-02T03:04:05.500000000+00:00", os: "linux", architecture: "amd64",
 *   variant: "", rootfs: { type: "layers", diff_ids: [] },
 * });
 * assertEquals(spec, {
 *   created: "2024-01-02T03:04:05.5Z", architecture: "amd64", os: "linux", config: {},
 *   rootfs: { type: "layers", diff_ids: [] },
 * });
 * ```
 */
export function goImageSpec(spec: ImageConfig): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (spec.created) out.created = _goTime(spec.created);
  if (spec.author) out.author = spec.author;
  out.architecture = spec.architecture;
  out.os = spec.os;
  if (spec["os.version"]) out["os.version"] = spec["os.version"];
  if (spec["os.features"]?.length) out["os.features"] = [...spec["os.features"]];
  if (spec.variant) out.variant = spec.variant;
  out.config = _goExecutionConfig(spec.config ?? {});
  out.rootfs = { type: spec.rootfs.type, diff_ids: [...spec.rootfs.diff_ids] };
  if (spec.history?.length) {
    out.history = spec.history.map((entry) => {
      const item: { [key: string]: Json } = {};
      if (entry.created) item.created = _goTime(entry.created);
      if (entry.created_by) item.created_by = entry.created_by;
      if (entry.author) item.author = entry.author;
      if (entry.comment) item.comment = entry.comment;
      if (entry.empty_layer) item.empty_layer = true;
      return item;
    });
  }
  return out;
}

function _goExecutionConfig(config: ImageExecutionConfig): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (config.User) out.User = config.User;
  if (config.ExposedPorts && Object.keys(config.ExposedPorts).length > 0) {
    out.ExposedPorts = Object.fromEntries(Object.keys(config.ExposedPorts).map((k) => [k, {}]));
  }
  if (config.Env?.length) out.Env = [...config.Env];
  if (config.Entrypoint?.length) out.Entrypoint = [...config.Entrypoint];
  if (config.Cmd?.length) out.Cmd = [...config.Cmd];
  if (config.Volumes && Object.keys(config.Volumes).length > 0) {
    out.Volumes = Object.fromEntries(Object.keys(config.Volumes).map((k) => [k, {}]));
  }
  if (config.WorkingDir) out.WorkingDir = config.WorkingDir;
  if (config.Labels && Object.keys(config.Labels).length > 0) out.Labels = { ...config.Labels };
  if (config.StopSignal) out.StopSignal = config.StopSignal;
  if (config.ArgsEscaped) out.ArgsEscaped = true;
  return out;
}

/** Go's time.Time JSON form of an RFC 3339 time (text that is not one is kept as is). */
function _goTime(text: string): string {
  const match = /^(\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return text;
  const fraction = (match[2] ?? "").slice(0, 9).replace(/0+$/, "");
  const zone = /^(?:[Zz]|[+-]00:00)$/.test(match[3]) ? "Z" : match[3];
  return `${match[1].toUpperCase()}${fraction ? "." + fraction : ""}${zone}`;
}

/** `json.Marshal` of a Go map (keys sorted at every level, HTML-safe) then `json.Indent`. */
function goIndent(value: Json | { [key: string]: Json }): string {
  const sorted = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== "object") return v;
    return Object.fromEntries(
      Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => [k, sorted(v[k])]),
    );
  };
  // These characters only ever occur inside strings of the JSON text.
  return JSON.stringify(sorted(value as Json), null, 2).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
