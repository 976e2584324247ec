/** A layer's tar entries for the page: the core's reader, capped, and `ls -l` modes. */
import { tarEntries, type TarEntry } from "../core/tar_entries.ts";

export type { TarEntry };

/** What {@link listTar} found. */
export interface TarListing {
  /** The entries, in stream order, at most `limit`. */
  readonly entries: readonly TarEntry[];
  /** Whether the stream had more entries than the limit (it was not read further). */
  readonly truncated: boolean;
}

/**
 * Lists the entries of an uncompressed tar stream with the core's tar reader. Stops (and cancels
 * the stream) after `limit` entries.
 *
 * @param stream The tar bytes.
 * @param options At most `limit` entries (default 1,000).
 * @returns The entries and whether there were more.
 * @throws {InvalidArgumentError} When the bytes are not a well-formed tar.
 */
export async function listTar(
  stream: ReadableStream<Uint8Array>,
  options: { readonly limit?: number } = {},
): Promise<TarListing> {
  const limit = options.limit ?? 1000;
  const entries: TarEntry[] = [];
  for await (const { bytes: _, offset: __, ...entry } of tarEntries(stream, "layer")) {
    if (entries.length >= limit) return { entries, truncated: true };
    entries.push(entry);
  }
  return { entries, truncated: false };
}

/** `-rwxr-xr-x`-style text of an entry's type and mode, as `ls -l` and `tar tv` print it. */
export function formatMode(entry: Pick<TarEntry, "type" | "mode">): string {
  const kind = {
    file: "-",
    dir: "d",
    symlink: "l",
    hardlink: "h",
    fifo: "p",
    char: "c",
    block: "b",
  }[entry.type];
  const bits = "rwxrwxrwx".split("").map((c, i) => (entry.mode & (1 << (8 - i)) ? c : "-"));
  if (entry.mode & 0o4000) bits[2] = bits[2] === "x" ? "s" : "S";
  if (entry.mode & 0o2000) bits[5] = bits[5] === "x" ? "s" : "S";
  if (entry.mode & 0o1000) bits[8] = bits[8] === "x" ? "t" : "T";
  return kind + bits.join("");
}
