/** What the registry source asks for and accepts as manifests: the Accept list and schema 1 detection. */
import { UnsupportedError } from "../../core/errors.ts";
import {
  isIndexType,
  isManifestType,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from "../../core/media_types.ts";

/**
 * The `Accept` header of manifest requests. Distribution answers an OCI manifest requested
 * without an OCI type with 404, and converts (or refuses) schema 2 for clients that list only
 * schema 1, so every type we read is listed.
 */
export const MANIFEST_ACCEPT: string = [
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_DOCKER_MANIFEST,
].join(", ");

const _SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/** The media type without parameters (`; charset=utf-8`), lower case. */
export function bareMediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** Whether a media type names a manifest or an index. */
export function isDocumentType(mediaType: string): boolean {
  return isManifestType(mediaType) || isIndexType(mediaType);
}

/** Throws `UnsupportedError` for a Docker schema 1 answer (by media type or by body). */
export function refuseSchema1(mediaType: string, body: Uint8Array | undefined, what: string): void {
  let schema1 = mediaType === MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST || mediaType === _SCHEMA1_SIGNED;
  if (!schema1 && body !== undefined && !isDocumentType(mediaType)) {
    try {
      schema1 = JSON.parse(new TextDecoder().decode(body))?.schemaVersion === 1;
    } catch {
      // Not JSON: the caller reports what it is.
    }
  }
  if (schema1) {
    throw new UnsupportedError(
      `${what}: Docker schema 1 manifests are not supported, convert the image to schema 2 or OCI`,
    );
  }
}

/** The `mediaType` field of a JSON document, when it has one. */
export function mediaTypeOf(body: Uint8Array): string | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(body))?.mediaType;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
