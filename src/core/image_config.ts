/** Image configs, parsed the way Go's encoding/json fills `imagespec.Image` (case-insensitive keys). */
import { describeValue, InvalidArgumentError } from "./errors.ts";
import type { ParseDocumentOptions } from "./documents.ts";
import { _decode, type Json } from "./_document_json.ts";
import type { ImageConfig } from "./types.ts";

/** The Go struct fields of `imagespec.Image`, for case-insensitive key matching. */
type _Shape = {
  readonly [field: string]: "string" | "strings" | "bool" | "map" | _Shape | [_Shape];
};

const _executionShape: _Shape = {
  User: "string",
  ExposedPorts: "map",
  Env: "strings",
  Entrypoint: "strings",
  Cmd: "strings",
  Volumes: "map",
  WorkingDir: "string",
  Labels: "map",
  StopSignal: "string",
  ArgsEscaped: "bool",
};

const _configShape: _Shape = {
  created: "string",
  author: "string",
  architecture: "string",
  os: "string",
  "os.version": "string",
  "os.features": "strings",
  variant: "string",
  config: _executionShape,
  rootfs: { type: "string", diff_ids: "strings" },
  history: [{
    created: "string",
    created_by: "string",
    author: "string",
    comment: "string",
    empty_layer: "bool",
  }],
};

// Each shape's fields by lowercased name, the first in the shape's order winning (as Go's
// search does), built once per shape rather than searched per key of every config.
const _folded = new WeakMap<_Shape, Map<string, string>>();

function _fieldsOf(shape: _Shape): Map<string, string> {
  let fields = _folded.get(shape);
  if (!fields) {
    fields = new Map();
    for (const field of Object.keys(shape)) {
      if (!fields.has(field.toLowerCase())) fields.set(field.toLowerCase(), field);
    }
    _folded.set(shape, fields);
  }
  return fields;
}

function _byShape(json: Json, shape: _Shape, where: string): Json {
  const fields = _fieldsOf(shape);
  const out: Json = {};
  for (const key in json) {
    const value = json[key];
    // Go's encoding/json prefers the exact field name, then any case-insensitive match.
    const field = Object.hasOwn(shape, key) ? key : fields.get(key.toLowerCase());
    if (field === undefined || value === null) continue;
    const kind = shape[field];
    const at = `${where}.${field}`;
    const mismatch = (expected: string): never => {
      throw new InvalidArgumentError(
        `Cannot parse image config: expected ${at} to be ${expected}, found ${
          describeValue(value)
        }`,
      );
    };
    if (kind === "string") {
      if (typeof value !== "string") mismatch("a string");
      out[field] = value;
    } else if (kind === "bool") {
      if (typeof value !== "boolean") mismatch("a boolean");
      out[field] = value;
    } else if (kind === "strings") {
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
        mismatch("an array of strings");
      }
      out[field] = value;
    } else if (kind === "map") {
      if (typeof value !== "object" || Array.isArray(value)) mismatch("an object");
      out[field] = value;
    } else if (Array.isArray(kind)) {
      if (!Array.isArray(value)) mismatch("an array");
      out[field] = (value as unknown[]).map((entry, i) => {
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
          mismatch("an array of objects");
        }
        return _byShape(entry as Json, kind[0], `${at}[${i}]`);
      });
    } else {
      if (typeof value !== "object" || Array.isArray(value)) mismatch("an object");
      out[field] = _byShape(value as Json, kind, at);
    }
  }
  return out;
}

/**
 * Parses an image config the way Go's `encoding/json` decodes it into containerd's
 * `imagespec.Image`: unknown fields dropped, object keys matched case-insensitively (exact
 * spelling preferred), `null` read as absent, field types checked.
 *
 * @param input The config bytes or text.
 * @param options The size limit and the document's name for messages.
 * @returns The image config (`architecture`/`os` default to `""`, `rootfs.diff_ids` to `[]`).
 * @throws {InvalidArgumentError} When it is too big, not JSON, or a field has the wrong type.
 * @example
 * ```ts
 * import { parseImageConfig } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const config = parseImageConfig('{"OS":"linux","Architecture":"arm64","RootFS":{"type":"layers"}}');
 * assertEquals([config.os, config.architecture, config.rootfs.diff_ids], ["linux", "arm64", []]);
 * ```
 */
export function parseImageConfig(
  input: Uint8Array | string,
  options: ParseDocumentOptions = {},
): ImageConfig {
  const json = _byShape(_decode(input, "image config", options), _configShape, "config");
  const rootfs = (json.rootfs ?? {}) as Json;
  return {
    ...json,
    architecture: (json.architecture as string | undefined) ?? "",
    os: (json.os as string | undefined) ?? "",
    rootfs: {
      type: (rootfs.type as string | undefined) ?? "",
      diff_ids: (rootfs.diff_ids as string[] | undefined) ?? [],
    },
  } as ImageConfig;
}
