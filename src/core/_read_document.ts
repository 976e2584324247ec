/** Reads verified, validated, parsed documents through an optional shared cache. */
import { readBlob } from "./content.ts";
import type { ContentProvider } from "./content.ts";
import type { ReadDocumentOptions } from "./document_cache.ts";
export type { ReadDocumentOptions };
import { DEFAULT_DOCUMENT_LIMIT } from "./documents.ts";
import { parseImageConfig } from "./image_config.ts";
import { parseIndex, parseManifest, type ParseManifestOptions } from "./manifest.ts";
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
      digester: options.digester,
    });
    return { value: parse(bytes), bytes: bytes.byteLength };
  };
  if (!options.cache) return load().then((loaded) => loaded.value);
  // The media type is part of the key: the same bytes validate differently as manifest or index.
  return options.cache.get(`${kind}:${descriptor.mediaType}:${descriptor.digest}`, load);
}

/** Reads one kind of document: verified, checked against its media type, parsed, cached. */
export type DocumentReader<T> = (
  provider: ContentProvider,
  descriptor: Descriptor,
  options?: ReadDocumentOptions,
) => Promise<T>;

// Manifests and indexes must agree with the descriptor's media type; configs have none to check.
function _reader<T>(
  kind: string,
  parse: (bytes: Uint8Array, options: ParseManifestOptions) => T,
  checkMediaType: boolean,
): DocumentReader<T> {
  return (provider, descriptor, options = {}) =>
    _read(kind, provider, descriptor, options, (bytes) =>
      parse(bytes, {
        source: descriptor.digest,
        maxBytes: options.maxBytes,
        mediaType: checkMediaType ? descriptor.mediaType : undefined,
      }));
}

export const _readManifest: DocumentReader<Manifest> = _reader("manifest", parseManifest, true);
export const _readIndex: DocumentReader<Index> = _reader("index", parseIndex, true);
export const _readConfig: DocumentReader<ImageConfig> = _reader("config", parseImageConfig, false);
