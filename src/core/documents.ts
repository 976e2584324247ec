/** The size limits and options shared by the document parsers (manifests, indexes, image configs). */

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
