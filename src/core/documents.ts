/** Validating parsers for OCI documents: descriptors, manifests, indexes and image configs. */
import { describeValue, InvalidArgumentError, UnsupportedError } from "./errors.ts";
import { isIndexType, isManifestType, MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST } from "./media_types.ts";
import { parseDigest } from "./digest.ts";
import type { Descriptor, ImageConfig, Index, Manifest, Platform } from "./types.ts";

/** Documents larger than this many bytes (4 MiB) are rejected before they are parsed. */
export const DEFAULT_DOCUMENT_LIMIT: number = 4 * 1024 * 1024;

/**
 * JSON files of an image layout or archive (`index.json`, `manifest.json`, configs named there)
 * larger than this many bytes (20 MiB, containerd's importer cap) are rejected before they are read.
 */
export const IMPORT_DOCUMENT_LIMIT: number = 20 * 1024 * 1024;

/** Options of the document parsers. */
export interface ParseDocumentOptions {
  /** Reject documents larger than this many bytes (default {@link DEFAULT_DOCUMENT_LIMIT}). */
  readonly maxBytes?: number;
  /** Where the document came from, for messages (e.g. its digest). */
  readonly source?: string;
}

type Json = Record<string, unknown>;

const _decoder = new TextDecoder("utf-8", { fatal: true });

function _decode(input: Uint8Array | string, kind: string, options: ParseDocumentOptions): Json {
  const limit = options.maxBytes ?? DEFAULT_DOCUMENT_LIMIT;
  const size = typeof input === "string" ? input.length : input.byteLength;
  const from = options.source ? ` ${options.source}` : "";
  if (size > limit) {
    throw new InvalidArgumentError(
      `Cannot parse ${kind}${from}: expected at most ${limit} bytes, found ${size}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof input === "string" ? input : _decoder.decode(input));
  } catch (cause) {
    throw new InvalidArgumentError(
      `Cannot parse ${kind}${from}: expected JSON, found ${(cause as Error).message}`,
      { cause },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `Cannot parse ${kind}${from}: expected a JSON object, found ${describeValue(value)}`,
    );
  }
  return value as Json;
}

function _fail(kind: string, options: ParseDocumentOptions, problem: string): never {
  const from = options.source ? ` ${options.source}` : "";
  throw new InvalidArgumentError(`Cannot parse ${kind}${from}: ${problem}`);
}

function _rejectSchema1(json: Json, kind: string, options: ParseDocumentOptions): void {
  const fsLayers = json.fsLayers;
  if (
    json.mediaType === MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST ||
    (Array.isArray(fsLayers) && fsLayers.length > 0)
  ) {
    const from = options.source ? ` ${options.source}` : "";
    throw new UnsupportedError(
      `Cannot parse ${kind}${from}: Docker schema 1 manifests are not supported, convert the image to schema 2 or OCI`,
    );
  }
}

function _optionalString(json: Json, key: string, where: string): string | undefined {
  const value = json[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new InvalidArgumentError(
      `Cannot parse ${where}: expected "${key}" to be a string, found ${describeValue(value)}`,
    );
  }
  return value;
}

function _stringMap(json: Json, key: string, where: string): Record<string, string> | undefined {
  const value = json[key];
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== "object" || Array.isArray(value) ||
    Object.values(value).some((v) => typeof v !== "string")
  ) {
    throw new InvalidArgumentError(
      `Cannot parse ${where}: expected "${key}" to map strings to strings`,
    );
  }
  return value as Record<string, string>;
}

function _platform(value: unknown, where: string): Platform | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `Cannot parse ${where}: expected "platform" to be an object, found ${describeValue(value)}`,
    );
  }
  const json = value as Json;
  const os = _optionalString(json, "os", `${where} platform`) ?? "";
  const architecture = _optionalString(json, "architecture", `${where} platform`) ?? "";
  const variant = _optionalString(json, "variant", `${where} platform`);
  const osVersion = _optionalString(json, "os.version", `${where} platform`);
  const features = json["os.features"];
  if (
    features !== undefined && features !== null &&
    !(Array.isArray(features) && features.every((f) => typeof f === "string"))
  ) {
    throw new InvalidArgumentError(
      `Cannot parse ${where} platform: expected "os.features" to be an array of strings`,
    );
  }
  return {
    os,
    architecture,
    ...(variant ? { variant } : {}),
    ...(osVersion ? { "os.version": osVersion } : {}),
    ...(Array.isArray(features) && features.length ? { "os.features": features } : {}),
  };
}

/**
 * Validates a JSON value as an OCI content descriptor.
 *
 * @param value The decoded JSON value.
 * @param where What holds the descriptor, for messages (e.g. `index.json manifests[0]`).
 * @returns The descriptor, with only the OCI fields kept.
 * @throws {InvalidArgumentError} When a field is missing or malformed (the digest is parsed).
 * @throws {UnsupportedError} When the digest algorithm is not supported.
 * @example
 * ```ts
 * import { parseDescriptor } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const descriptor = parseDescriptor({
 *   mediaType: "application/vnd.oci.image.manifest.v1+json",
 *   digest: "sha256:" + "a".repeat(64),
 *   size: 42,
 * });
 * assertEquals(descriptor.size, 42);
 * ```
 */
export function parseDescriptor(value: unknown, where = "descriptor"): Descriptor {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `Cannot parse ${where}: expected an object, found ${describeValue(value)}`,
    );
  }
  const json = value as Json;
  const mediaType = _optionalString(json, "mediaType", where) ?? "";
  const digest = json.digest;
  if (typeof digest !== "string") {
    throw new InvalidArgumentError(
      `Cannot parse ${where}: expected "digest" to be a string, found ${describeValue(digest)}`,
    );
  }
  try {
    parseDigest(digest);
  } catch (cause) {
    const Class = cause instanceof UnsupportedError ? UnsupportedError : InvalidArgumentError;
    throw new Class(`Cannot parse ${where}: ${(cause as Error).message}`, {
      cause,
      reason: (cause as InvalidArgumentError).reason,
    });
  }
  const size = json.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new InvalidArgumentError(
      `Cannot parse ${where}: expected "size" to be a non-negative integer, found ${
        JSON.stringify(size) ?? "nothing"
      }`,
    );
  }
  const urls = json.urls;
  if (
    urls !== undefined && urls !== null &&
    !(Array.isArray(urls) && urls.every((u) => typeof u === "string"))
  ) {
    throw new InvalidArgumentError(
      `Cannot parse ${where}: expected "urls" to be an array of strings`,
    );
  }
  const annotations = _stringMap(json, "annotations", where);
  const data = _optionalString(json, "data", where);
  const platform = _platform(json.platform, where);
  const artifactType = _optionalString(json, "artifactType", where);
  return {
    mediaType,
    digest,
    size,
    ...(Array.isArray(urls) && urls.length ? { urls } : {}),
    ...(annotations ? { annotations } : {}),
    ...(data !== undefined ? { data } : {}),
    ...(platform ? { platform } : {}),
    ...(artifactType ? { artifactType } : {}),
  };
}

function _descriptors(json: Json, key: string, where: string): Descriptor[] {
  const value = json[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(
      `Cannot parse ${where}: expected "${key}" to be an array, found ${describeValue(value)}`,
    );
  }
  return value.map((entry, i) => parseDescriptor(entry, `${where} ${key}[${i}]`));
}

/** The fields manifests and indexes share: version, media and artifact types, subject, annotations. */
function _commonFields(json: Json, where: string) {
  const mediaType = _optionalString(json, "mediaType", where);
  const artifactType = _optionalString(json, "artifactType", where);
  const annotations = _stringMap(json, "annotations", where);
  return {
    schemaVersion: typeof json.schemaVersion === "number" ? json.schemaVersion : 2,
    ...(mediaType ? { mediaType } : {}),
    ...(artifactType ? { artifactType } : {}),
    ...(json.subject ? { subject: parseDescriptor(json.subject, `${where} subject`) } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

/**
 * Checks that a document's own fields agree with the media type of the descriptor that points at
 * it, as containerd's `validateMediaType`: Docker and OCI flavours are interchangeable, but a
 * manifest must not look like an index and an index must not look like a manifest.
 *
 * @param input The document bytes.
 * @param mediaType The media type the descriptor declared.
 * @throws {InvalidArgumentError} When the document is not JSON or contradicts `mediaType`.
 * @throws {UnsupportedError} When the document is a Docker schema 1 manifest.
 * @example
 * ```ts
 * import { InvalidArgumentError, validateMediaType } from "@ocistore/ocistore";
 * import { assertThrows } from "@std/assert";
 *
 * const index = JSON.stringify({ mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] });
 * validateMediaType(index, "application/vnd.oci.image.index.v1+json");
 * assertThrows(
 *   () => validateMediaType(index, "application/vnd.oci.image.manifest.v1+json"),
 *   InvalidArgumentError,
 * );
 * ```
 */
export function validateMediaType(input: Uint8Array | string, mediaType: string): void {
  const json = _decode(input, "document", {});
  _rejectSchema1(json, "document", {});
  const own = typeof json.mediaType === "string" ? json.mediaType : "";
  const manifests = json.manifests;
  if (isManifestType(mediaType)) {
    if ((Array.isArray(manifests) && manifests.length > 0) || isIndexType(own)) {
      throw new InvalidArgumentError(
        `Cannot read manifest: descriptor says ${mediaType}, but the document is an index`,
      );
    }
  } else if (isIndexType(mediaType)) {
    if (
      (json.config !== undefined && json.config !== null) ||
      (json.layers !== undefined && json.layers !== null) || isManifestType(own)
    ) {
      throw new InvalidArgumentError(
        `Cannot read index: descriptor says ${mediaType}, but the document is a manifest`,
      );
    }
  }
}

/**
 * Parses and validates an image manifest (OCI, or Docker schema 2).
 *
 * @param input The manifest bytes or text.
 * @param options The size limit and the document's name for messages.
 * @returns The manifest.
 * @throws {InvalidArgumentError} When it is too big, not JSON, or malformed.
 * @throws {UnsupportedError} When it is a Docker schema 1 manifest.
 * @example
 * ```ts
 * import { parseManifest } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const manifest = parseManifest(JSON.stringify({
 *   schemaVersion: 2,
 *   config: {
 *     mediaType: "application/vnd.oci.image.config.v1+json",
 *     digest: "sha256:" + "c".repeat(64),
 *     size: 2,
 *   },
 *   layers: [],
 * }));
 * assertEquals(manifest.layers.length, 0);
 * ```
 */
export function parseManifest(
  input: Uint8Array | string,
  options: ParseDocumentOptions = {},
): Manifest {
  const json = _decode(input, "manifest", options);
  _rejectSchema1(json, "manifest", options);
  const where = `manifest${options.source ? ` ${options.source}` : ""}`;
  if (Array.isArray(json.manifests) && json.manifests.length > 0) {
    _fail("manifest", options, 'expected "config" and "layers", found "manifests" (an index)');
  }
  if (json.config === undefined || json.config === null) {
    _fail("manifest", options, 'expected a "config" descriptor, found none');
  }
  return {
    ..._commonFields(json, where),
    config: parseDescriptor(json.config, `${where} config`),
    layers: _descriptors(json, "layers", where),
  };
}

/**
 * Parses and validates an image index (OCI index, or Docker manifest list).
 *
 * @param input The index bytes or text.
 * @param options The size limit and the document's name for messages.
 * @returns The index.
 * @throws {InvalidArgumentError} When it is too big, not JSON, or malformed.
 * @throws {UnsupportedError} When it is a Docker schema 1 manifest.
 * @example
 * ```ts
 * import { parseIndex } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const index = parseIndex('{"schemaVersion":2,"manifests":[]}');
 * assertEquals(index.manifests, []);
 * ```
 */
export function parseIndex(
  input: Uint8Array | string,
  options: ParseDocumentOptions = {},
): Index {
  const json = _decode(input, "index", options);
  _rejectSchema1(json, "index", options);
  const where = `index${options.source ? ` ${options.source}` : ""}`;
  if (json.config !== undefined && json.config !== null) {
    _fail("index", options, 'expected "manifests", found "config" (a manifest)');
  }
  return { ..._commonFields(json, where), manifests: _descriptors(json, "manifests", where) };
}

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

function _byShape(json: Json, shape: _Shape, where: string): Json {
  const fields = Object.keys(shape);
  const out: Json = {};
  for (const [key, value] of Object.entries(json)) {
    // Go's encoding/json prefers the exact field name, then any case-insensitive match.
    const field = fields.includes(key)
      ? key
      : fields.find((f) => f.toLowerCase() === key.toLowerCase());
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
