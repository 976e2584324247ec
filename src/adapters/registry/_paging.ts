/** `Link` header paging of `tags/list` (RFC 8288 `rel="next"`), resolved against the request URL. */

/** The `rel="next"` target of a `Link` header, as an absolute URL, or undefined. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2]);
    const rel = (rels?.[1] ?? rels?.[2] ?? "").toLowerCase().split(/\s+/);
    if (rel.includes("next")) {
      try {
        return new URL(match[1], base).href;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
