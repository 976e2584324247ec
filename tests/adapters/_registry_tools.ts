/** Test support for the registry source: a counting fetch and a map blob store that can fail. */
import { digestOf } from "../../src/core/digest.ts";
import type { BlobStore } from "../../src/core/cached_content.ts";

/** One request a counting fetch sent. */
export interface Sent {
  /** The method. */
  readonly method: string;
  /** The URL. */
  readonly url: string;
  /** Its path. */
  readonly path: string;
}

/** A fetch that records every request, and the record. */
export function countingFetch(): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const counted: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    sent.push({ method: init?.method ?? "GET", url, path: new URL(url).pathname });
    return fetch(input, init);
  };
  return { fetch: counted, sent };
}

/** Requests by digest (`/manifests/sha256:…` or `/blobs/sha256:…`). */
export function byDigest(sent: readonly Sent[]): Sent[] {
  return sent.filter((s) => /\/(manifests|blobs)\/sha256:/.test(s.path));
}

/** A blob store in a map. */
export function mapStore(): BlobStore & { readonly entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return {
    entries,
    get: (digest) => Promise.resolve(entries.get(digest)),
    set: (digest, bytes) => Promise.resolve(void entries.set(digest, bytes.slice())),
    delete: (digest) => Promise.resolve(void entries.delete(digest)),
  };
}

/** The digests whose kept bytes do not hash to them (must be none). */
export async function unverifiedEntries(
  store: { entries: Map<string, Uint8Array> },
): Promise<string[]> {
  const bad: string[] = [];
  for (const [digest, bytes] of store.entries) {
    if (await digestOf(bytes) !== digest) bad.push(digest);
  }
  return bad;
}
