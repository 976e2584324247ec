/** Reads verified, validated, parsed documents through an optional shared cache. */
import { readBlob } from "./content.ts";
import type { ContentProvider } from "./content.ts";
import type { ReadDocumentOptions } from "./document_cache.ts";
export type { ReadDocumentOptions };
import { DEFAULT_DOCUMENT_LIMIT } from "./documents.ts";
import { parseImageConfig } from "./image_config.ts";
import { parseIndex, parseManifest, validateMediaType } from "./manifest.ts";
import type { Descriptor, ImageConfig, Index, Manifest } from "./types.ts";

function _read<T>(
  kind: string,
  provider: ContentProvider,
  descriptor: Descriptor,
  options: ReadDocumentOptions,
  parse: (bytes: Uint8Array) => T,
): Promise<T> {
  const load = async () => {
    const bytes = await readBlob(provider, descriptor, {
      maxBytes: options.maxBytes ?? DEFAULT_DOCUMENT_LIMIT,
    });
    return { value: parse(bytes), bytes: bytes.byteLength };
  };
  if (!options.cache) return load().then((loaded) => loaded.value);
  // The media type is part of the key: the same bytes validate differently as manifest or index.
  return options.cache.get(`${kind}:${descriptor.mediaType}:${descriptor.digest}`, load);
}

export function _readManifest(
  provider: ContentProvider,
  descriptor: Descriptor,
  options: ReadDocumentOptions = {},
): Promise<Manifest> {
  return _read("manifest", provider, descriptor, options, (bytes) => {
    validateMediaType(bytes, descriptor.mediaType);
    return parseManifest(bytes, { source: descriptor.digest, maxBytes: options.maxBytes });
  });
}

export function _readIndex(
  provider: ContentProvider,
  descriptor: Descriptor,
  options: ReadDocumentOptions = {},
): Promise<Index> {
  return _read("index", provider, descriptor, options, (bytes) => {
    validateMediaType(bytes, descriptor.mediaType);
    return parseIndex(bytes, { source: descriptor.digest, maxBytes: options.maxBytes });
  });
}

export function _readConfig(
  provider: ContentProvider,
  descriptor: Descriptor,
  options: ReadDocumentOptions = {},
): Promise<ImageConfig> {
  return _read(
    "config",
    provider,
    descriptor,
    options,
    (bytes) => parseImageConfig(bytes, { source: descriptor.digest, maxBytes: options.maxBytes }),
  );
}
