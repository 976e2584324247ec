/** What the layer tests share: fresh directories, a layer file's entries, file content. */
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

/** Text with noise, from a seed: gzip -6 makes dynamic and stored blocks of it. */
export function noisyBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (i >> 12) % 4 === 0 ? x >>> 24 : 97 + ((x >>> 24) % 13);
  }
  return out;
}
