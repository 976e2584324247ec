/** What the layer tests share: fresh directories and a layer file's entries. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layerEntries } from "../../src/core/compression.ts";
import type { TarEntryWithData } from "../../src/core/tar_entries.ts";
import { pageDecompressors } from "../../src/explorer/layer_stream.ts";

/** A new empty directory under the system's temporary directory. */
export function freshDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The entries of the layer blob at `path` (gzip, zstd or plain), in small chunks. */
export function layerFileEntries(path: string): AsyncGenerator<TarEntryWithData> {
  return layerEntries(new Blob([readFileSync(path)]).stream(), pageDecompressors, path);
}
