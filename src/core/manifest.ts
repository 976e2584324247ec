/** Manifests and indexes (OCI, Docker schema 2): validated parsers and the media-type check. */
import { describeValue, InvalidArgumentError, UnsupportedError } from "./errors.ts";
import { isIndexType, isManifestType, MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST } from "./media_types.ts";
import type { ParseDocumentOptions } from "./documents.ts";
import { _decode, _fail, type Json } from "./_document_json.ts";
import { parseDescriptor } from "./descriptor.ts";
import { _optionalString, _stringMap } from "./_document_json.ts";
import type { Descriptor, Index, Manifest } from "./types.ts";

/** Options of {@link parseManifest} and {@link parseIndex}. */
export interface ParseManifestOptions extends ParseDocumentOptions {
  /** The media type of the descriptor that points at the document: it must agree ({@link validateMediaType}). */
  readonly mediaType?: string;
}

/** Decodes a manifest or index, refusing schema 1; `where` names it for messages. */
function _decodeSchema2(
  input: Uint8Array | string,
  kind: "manifest" | "index",
  options: ParseManifestOptions,
): { json: Json; where: string } {
  const json = _decode(input, kind, options);
  // Checked on the one parse: a reader used to decode and parse each document twice for this.
  if (options.mediaType !== undefined) _checkMediaType(json, options.mediaType);
  _rejectSchema1(json, kind, options);
  return { json, where: `${kind}${options.source ? ` ${options.source}` : ""}` };
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
  _checkMediaType(_decode(input, "document", {}), mediaType);
}

function _checkMediaType(json: Json, mediaType: string): void {
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
 * @param options The size limit, the document's name for messages, and the media type it must agree with.
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
  options: ParseManifestOptions = {},
): Manifest {
  const { json, where } = _decodeSchema2(input, "manifest", options);
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
 * @param options The size limit, the document's name for messages, and the media type it must agree with.
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
  options: ParseManifestOptions = {},
): Index {
  const { json, where } = _decodeSchema2(input, "index", options);
  if (json.config !== undefined && json.config !== null) {
    _fail("index", options, 'expected "manifests", found "config" (a manifest)');
  }
  return { ..._commonFields(json, where), manifests: _descriptors(json, "manifests", where) };
}
