/**
 * `docker save` archives (legacy `manifest.json`) turned into the index containerd's importer
 * synthesizes: one Docker schema 2 manifest per entry, one index entry per RepoTag.
 */
import { digestOf, parseDigest } from "../../core/digest.ts";
import { IMPORT_DOCUMENT_LIMIT } from "../../core/documents.ts";
import { createDigester } from "../../core/digester.ts";
import { InvalidArgumentError, OciStoreError } from "../../core/errors.ts";
import type { Files } from "../../core/files.ts";
import {
  MEDIA_TYPE_DOCKER_CONFIG,
  MEDIA_TYPE_DOCKER_LAYER,
  MEDIA_TYPE_DOCKER_LAYER_GZIP,
  MEDIA_TYPE_DOCKER_MANIFEST,
} from "../../core/media_types.ts";
import { parseDockerRef } from "../../core/normalize.ts";
import { normalizePlatform } from "../../core/platform.ts";
import { formatReference } from "../../core/reference.ts";
import type { Descriptor, Platform } from "../../core/types.ts";
import { parseJsonBytes } from "../_layout_open.ts";
import { SOURCE_INDEX_ANNOTATION } from "../_layout_naming.ts";
import type { TarIndex } from "./_tar.ts";
import { compressionOf } from "../../core/compression.ts";

/** What a `docker save` archive becomes: index entries, synthesized blobs and blob paths by digest. */
export interface DockerImport {
  /** The synthesized index's entries (one per RepoTag, or one unnamed). */
  readonly entries: Descriptor[];
  /** Synthesized manifests and the index, by digest. */
  readonly extra: Map<string, Uint8Array>;
  /** `blobs/<alg>/<hex>` to the archive path holding that blob. */
  readonly aliases: Map<string, string>;
}

interface LegacyEntry {
  readonly Config: string;
  readonly RepoTags: readonly string[];
  readonly Layers: readonly string[];
}

const _CHUNK = 1024 * 1024;

/** Synthesizes the import of `manifest.json` the way containerd 1.6's `ImportIndex` does. */
export async function importDockerArchive(
  files: Files,
  index: TarIndex,
  label: string,
): Promise<DockerImport> {
  const what = `Cannot open ${label}`;
  const legacy = _parseLegacy(
    parseJsonBytes(await _readJson(files, index, "manifest.json", what), `${what}: manifest.json`),
    what,
  );
  const extra = new Map<string, Uint8Array>();
  const aliases = new Map<string, string>();
  const digests = new Map<string, Promise<string>>();
  const blob = (path: string, kind: string, i: number) => {
    const clean = path.split("/").filter((s) => s !== "" && s !== ".").join("/");
    if (!index.files.has(clean)) {
      throw new InvalidArgumentError(
        `${what}: manifest.json entry ${i} names ${kind} "${path}", which is not in the archive`,
      );
    }
    let digest = digests.get(clean);
    if (!digest) {
      digest = _digestOfFile(files, clean, index.files.get(clean)!.size);
      digests.set(clean, digest);
    }
    return digest.then((d) => {
      aliases.set(_blobPath(d), clean);
      return { digest: d, size: index.files.get(clean)!.size, path: clean };
    });
  };

  const entries: Descriptor[] = [];
  for (const [i, image] of legacy.entries()) {
    const config = await blob(image.Config, "config", i);
    const layers: Descriptor[] = [];
    for (const path of image.Layers) {
      const layer = await blob(path, "layer", i);
      // containerd 1.6 labels every compressed layer (gzip or zstd) as gzip.
      const mediaType = (await _isCompressed(files, layer.path))
        ? MEDIA_TYPE_DOCKER_LAYER_GZIP
        : MEDIA_TYPE_DOCKER_LAYER;
      layers.push({ mediaType, digest: layer.digest, size: layer.size });
    }
    const manifest = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_DOCKER_MANIFEST,
      config: { mediaType: MEDIA_TYPE_DOCKER_CONFIG, digest: config.digest, size: config.size },
      layers,
    }));
    const digest = await digestOf(manifest);
    extra.set(digest, manifest);
    const configJson = parseJsonBytes(
      await _readJson(files, index, config.path, what),
      `${what}: ${config.path}`,
    );
    const platform = _configPlatform(configJson);
    const descriptor = { mediaType: MEDIA_TYPE_DOCKER_MANIFEST, digest, size: manifest.length };
    const position = { [SOURCE_INDEX_ANNOTATION]: String(i) };
    if (image.RepoTags.length === 0) {
      entries.push({ ...descriptor, annotations: position, platform });
    }
    for (const tag of image.RepoTags) {
      let name: string;
      try {
        name = formatReference(parseDockerRef(tag));
      } catch (error) {
        if (!(error instanceof OciStoreError)) throw error;
        throw new InvalidArgumentError(
          `${what}: manifest.json entry ${i} has RepoTag "${tag}", which is not a reference`,
          { cause: error },
        );
      }
      entries.push({
        ...descriptor,
        annotations: {
          "io.containerd.image.name": name,
          "org.opencontainers.image.ref.name": _ociReferenceName(name),
          ...position,
        },
        platform,
      });
    }
  }
  const indexBytes = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, manifests: entries.length > 0 ? entries : null }),
  );
  extra.set(await digestOf(indexBytes), indexBytes);
  return { entries, extra, aliases };
}

function _parseLegacy(value: unknown, what: string): LegacyEntry[] {
  const fail = (problem: string) => new InvalidArgumentError(`${what}: manifest.json ${problem}`);
  if (!Array.isArray(value)) throw fail("is not a JSON array");
  return value.map((entry, i) => {
    const { Config, RepoTags, Layers } = (entry ?? {}) as Record<string, unknown>;
    if (typeof Config !== "string") throw fail(`entry ${i}: expected a string Config`);
    const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
    if (RepoTags !== undefined && RepoTags !== null && !strings(RepoTags)) {
      throw fail(`entry ${i}: expected RepoTags to be strings`);
    }
    if (Layers !== undefined && Layers !== null && !strings(Layers)) {
      throw fail(`entry ${i}: expected Layers to be strings`);
    }
    return {
      Config,
      RepoTags: (RepoTags ?? []) as string[],
      Layers: (Layers ?? []) as string[],
    };
  });
}

async function _readJson(
  files: Files,
  index: TarIndex,
  path: string,
  what: string,
): Promise<Uint8Array> {
  const size = index.files.get(path)?.size ?? 0;
  if (size > IMPORT_DOCUMENT_LIMIT) {
    throw new InvalidArgumentError(
      `${what}: ${path} is too large: expected at most 20 MiB, found ${size} bytes`,
    );
  }
  return await files.read(path);
}

/**
 * A blob's digest: taken from a content-addressed name (`blobs/sha256/<hex>`, `<hex>.json`,
 * `<hex>.tar` as Docker and skopeo write them) and otherwise computed. Names are trusted here
 * because every read is verified against the digest later (core's `readBlob`, `stream()`).
 */
async function _digestOfFile(files: Files, path: string, size: number): Promise<string> {
  const named = /^blobs\/(sha256|sha384|sha512)\/([a-f0-9]+)$/.exec(path) ??
    /^()([a-f0-9]{64})\.(?:json|tar)$/.exec(path);
  if (named) {
    const text = `${named[1] || "sha256"}:${named[2]}`;
    try {
      parseDigest(text);
      if (!path.endsWith(".tar") || !(await _isCompressed(files, path))) return text;
    } catch {
      // not a valid digest: compute it
    }
  }
  const digester = createDigester("sha256");
  for (let offset = 0; offset < size; offset += _CHUNK) {
    digester.update(await files.readRange(path, offset, Math.min(_CHUNK, size - offset)));
  }
  return digester.digest();
}

async function _isCompressed(files: Files, path: string): Promise<boolean> {
  return compressionOf(await files.readRange(path, 0, 4)) !== "none";
}

function _blobPath(digest: string): string {
  const { algorithm, encoded } = parseDigest(digest);
  return `blobs/${algorithm}/${encoded}`;
}

/** containerd's `ConfigPlatform`, normalized, in Go's field order for JSON. */
function _configPlatform(config: unknown): Platform {
  const c = (typeof config === "object" && config !== null ? config : {}) as Record<
    string,
    unknown
  >;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const features = Array.isArray(c["os.features"])
    ? (c["os.features"] as unknown[]).filter((f): f is string => typeof f === "string")
    : undefined;
  const normalized = normalizePlatform({
    architecture: str(c.architecture),
    os: str(c.os),
    ...(str(c["os.version"]) ? { "os.version": str(c["os.version"]) } : {}),
    ...(features?.length ? { "os.features": features } : {}),
    ...(str(c.variant) ? { variant: str(c.variant) } : {}),
  });
  return {
    architecture: normalized.architecture,
    os: normalized.os,
    ...(normalized["os.version"] ? { "os.version": normalized["os.version"] } : {}),
    ...(normalized["os.features"]?.length ? { "os.features": normalized["os.features"] } : {}),
    ...(normalized.variant ? { variant: normalized.variant } : {}),
  };
}

/** containerd's `ociReferenceName`: the tag (or `@digest`) after the repository of a full name. */
function _ociReferenceName(name: string): string {
  const slash = name.indexOf("/");
  const rest = slash < 0 ? name : name.slice(slash);
  const split = rest.search(/[:@]/);
  if (split < 0) return name;
  const object = rest.slice(split);
  return object.startsWith(":") ? object.slice(1) : object;
}
