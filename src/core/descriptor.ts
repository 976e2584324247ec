/** Content descriptors: a JSON value validated as an OCI descriptor. */
import { describeValue, InvalidArgumentError, UnsupportedError } from "./errors.ts";
import { parseDigest } from "./digest.ts";
import { _optionalString, _stringMap, type Json } from "./_document_json.ts";
import type { Descriptor, Platform } from "./types.ts";

function _platform(value: unknown, where: string, action: string): Platform | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `${action} ${where}: expected "platform" to be an object, found ${describeValue(value)}`,
    );
  }
  const json = value as Json;
  const os = _optionalString(json, "os", `${where} platform`, action) ?? "";
  const architecture = _optionalString(json, "architecture", `${where} platform`, action) ?? "";
  const variant = _optionalString(json, "variant", `${where} platform`, action);
  const osVersion = _optionalString(json, "os.version", `${where} platform`, action);
  const features = json["os.features"];
  if (
    features !== undefined && features !== null &&
    !(Array.isArray(features) && features.every((f) => typeof f === "string"))
  ) {
    throw new InvalidArgumentError(
      `${action} ${where} platform: expected "os.features" to be an array of strings`,
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
 * @param action How a message starts, before `where`: a caller that puts its own context first
 *   words it in the middle of a sentence (`Cannot open layout "x": cannot parse`).
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
export function parseDescriptor(
  value: unknown,
  where = "descriptor",
  action = "Cannot parse",
): Descriptor {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `${action} ${where}: expected an object, found ${describeValue(value)}`,
    );
  }
  const json = value as Json;
  const mediaType = _optionalString(json, "mediaType", where, action) ?? "";
  const digest = json.digest;
  if (typeof digest !== "string") {
    throw new InvalidArgumentError(
      `${action} ${where}: expected "digest" to be a string, found ${describeValue(digest)}`,
    );
  }
  try {
    parseDigest(digest);
  } catch (cause) {
    const Class = cause instanceof UnsupportedError ? UnsupportedError : InvalidArgumentError;
    throw new Class(`${action} ${where}: ${(cause as Error).message}`, {
      cause,
      reason: (cause as InvalidArgumentError).reason,
    });
  }
  const size = json.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new InvalidArgumentError(
      `${action} ${where}: expected "size" to be a non-negative integer, found ${
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
      `${action} ${where}: expected "urls" to be an array of strings`,
    );
  }
  const annotations = _stringMap(json, "annotations", where, action);
  const data = _optionalString(json, "data", where, action);
  const platform = _platform(json.platform, where, action);
  const artifactType = _optionalString(json, "artifactType", where, action);
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
