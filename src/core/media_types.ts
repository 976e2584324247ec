/** Media types of OCI and Docker documents, and the predicates containerd's walkers use on them. */

/** OCI image manifest. */
export const MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index. */
export const MEDIA_TYPE_OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image config. */
export const MEDIA_TYPE_OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** OCI layer, uncompressed tar. */
export const MEDIA_TYPE_OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
/** OCI layer, gzip-compressed tar. */
export const MEDIA_TYPE_OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** OCI layer, zstd-compressed tar. */
export const MEDIA_TYPE_OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
/** The OCI empty descriptor's media type (artifacts without a config). */
export const MEDIA_TYPE_OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** The `oci-layout` file of an image layout. */
export const MEDIA_TYPE_OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";
/** Docker schema 2 manifest. */
export const MEDIA_TYPE_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker manifest list. */
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST =
  "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image config. */
export const MEDIA_TYPE_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** Docker layer, uncompressed tar. */
export const MEDIA_TYPE_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
/** Docker layer, gzip-compressed tar. */
export const MEDIA_TYPE_DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** Docker layer, zstd-compressed tar. */
export const MEDIA_TYPE_DOCKER_LAYER_ZSTD = "application/vnd.docker.image.rootfs.diff.tar.zstd";
/** Docker foreign (non-distributable) layer. */
export const MEDIA_TYPE_DOCKER_FOREIGN_LAYER =
  "application/vnd.docker.image.rootfs.foreign.diff.tar";
/** Docker foreign (non-distributable) layer, gzip-compressed. */
export const MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP =
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/** Docker schema 1 signed manifest (not supported, as in containerd). */
export const MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST =
  "application/vnd.docker.distribution.manifest.v1+prettyjws";
/** containerd checkpoint config. */
export const MEDIA_TYPE_CONTAINERD_CHECKPOINT_CONFIG =
  "application/vnd.containerd.container.checkpoint.config.v1+proto";
/** containerd checkpoint runtime options. */
export const MEDIA_TYPE_CONTAINERD_CHECKPOINT_OPTIONS =
  "application/vnd.containerd.container.checkpoint.runtime.options+proto";
/** in-toto attestation (childless, as at containerd HEAD). */
export const MEDIA_TYPE_IN_TOTO = "application/vnd.in-toto+json";
/** erofs layer (containerd HEAD). */
export const MEDIA_TYPE_EROFS_LAYER = "application/vnd.erofs.layer.v1";

const _dockerLayerBases: ReadonlySet<string> = new Set([
  MEDIA_TYPE_DOCKER_LAYER,
  MEDIA_TYPE_DOCKER_LAYER_GZIP,
  MEDIA_TYPE_DOCKER_LAYER_ZSTD,
  MEDIA_TYPE_DOCKER_FOREIGN_LAYER,
  MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP,
]);

/**
 * Whether `mediaType` names an image manifest (OCI or Docker schema 2).
 *
 * @param mediaType The media type.
 * @returns Whether it is a manifest type.
 * @example
 * ```ts
 * import { isManifestType } from "@ocistore/ocistore";
 * import { assert } from "@std/assert";
 *
 * assert(isManifestType("application/vnd.docker.distribution.manifest.v2+json"));
 * ```
 */
export function isManifestType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_MANIFEST;
}

/**
 * Whether `mediaType` names an image index (OCI index or Docker manifest list).
 *
 * @param mediaType The media type.
 * @returns Whether it is an index type.
 * @example
 * ```ts
 * import { isIndexType } from "@ocistore/ocistore";
 * import { assert } from "@std/assert";
 *
 * assert(isIndexType("application/vnd.oci.image.index.v1+json"));
 * ```
 */
export function isIndexType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}

/**
 * Whether `mediaType` names an image config (OCI or Docker), as containerd's `IsConfigType`.
 *
 * @param mediaType The media type.
 * @returns Whether it is a config type.
 * @example
 * ```ts
 * import { isConfigType } from "@ocistore/ocistore";
 * import { assert } from "@std/assert";
 *
 * assert(isConfigType("application/vnd.oci.image.config.v1+json"));
 * ```
 */
export function isConfigType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_CONFIG || mediaType === MEDIA_TYPE_DOCKER_CONFIG;
}

/**
 * Whether `mediaType` is a config type a walker knows to be childless (configs and containerd's
 * checkpoint configs), as containerd's `IsKnownConfig`.
 *
 * @param mediaType The media type.
 * @returns Whether it is a known config type.
 * @example
 * ```ts
 * import { isKnownConfigType } from "@ocistore/ocistore";
 * import { assert } from "@std/assert";
 *
 * assert(isKnownConfigType("application/vnd.containerd.container.checkpoint.config.v1+proto"));
 * ```
 */
export function isKnownConfigType(mediaType: string): boolean {
  return isConfigType(mediaType) || mediaType === MEDIA_TYPE_CONTAINERD_CHECKPOINT_CONFIG ||
    mediaType === MEDIA_TYPE_CONTAINERD_CHECKPOINT_OPTIONS;
}

/**
 * Whether `mediaType` names a layer: any `application/vnd.oci.image.layer.` type, a Docker layer
 * type with any `+suffix`, or an erofs layer (containerd HEAD).
 *
 * @param mediaType The media type.
 * @returns Whether it is a layer type.
 * @example
 * ```ts
 * import { isLayerType } from "@ocistore/ocistore";
 * import { assert } from "@std/assert";
 *
 * assert(isLayerType("application/vnd.docker.image.rootfs.diff.tar.gzip+encrypted"));
 * ```
 */
export function isLayerType(mediaType: string): boolean {
  if (mediaType.startsWith("application/vnd.oci.image.layer.")) return true;
  if (mediaType === MEDIA_TYPE_EROFS_LAYER) return true;
  const plus = mediaType.indexOf("+");
  return _dockerLayerBases.has(plus < 0 ? mediaType : mediaType.slice(0, plus));
}
