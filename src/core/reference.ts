/** Image references `[domain/]path[:tag][@digest]`: strict parse, print and amend (distribution/reference). */
import { isDigestPattern, isTag, parseGrammatical, quote } from "./_reference_grammar.ts";
import { InvalidArgumentError } from "./errors.ts";
import type { Reference } from "./types.ts";

export type { Reference };

/**
 * Parses a reference exactly as written (distribution/reference `Parse`): no `docker.io`
 * defaulting, and the first path component is the domain whenever it fits the domain grammar
 * and more components follow (`foo/bar` has domain `foo`). Use
 * {@linkcode parseNormalizedReference} for the names people type (`nginx`).
 *
 * @param text The reference, e.g. `registry.example.com:5000/team/app:1.0@sha256:…`.
 * @returns The reference.
 * @throws {InvalidArgumentError} With reason `NAME_EMPTY` (empty text), `NAME_CONTAINS_UPPERCASE`,
 * `REFERENCE_INVALID_FORMAT`, `NAME_TOO_LONG` (path over 255 characters), `DIGEST_INVALID_FORMAT`
 * or `DIGEST_INVALID_LENGTH`.
 * @throws {UnsupportedError} With reason `DIGEST_UNSUPPORTED` for a digest algorithm other than
 * sha256, sha384 and sha512.
 *
 * @example Split a reference into its parts
 * ```ts
 * import { parseReference } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseReference("localhost:5000/team/app:1.0"), {
 *   domain: "localhost:5000",
 *   path: "team/app",
 *   tag: "1.0",
 * });
 * assertEquals(parseReference("nginx"), { domain: "", path: "nginx" });
 * ```
 */
export function parseReference(text: string): Reference {
  if (typeof text !== "string") throw new TypeError("parseReference expects a string");
  return parseGrammatical(text);
}

/**
 * Prints a reference the way distribution/reference's `String()` does: `domain/path:tag@digest`,
 * leaving out what is absent; a digest-only reference prints as its digest. Passing only
 * `{ domain, path }` gives the repository name (Go's `Name()`).
 *
 * @param ref The reference.
 * @returns Its text.
 *
 * @example
 * ```ts
 * import { formatReference, parseReference } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const ref = parseReference("example.com/app:1.0");
 * assertEquals(formatReference(ref), "example.com/app:1.0");
 * assertEquals(formatReference({ domain: ref.domain, path: ref.path }), "example.com/app");
 * ```
 */
export function formatReference(ref: Reference): string {
  if (ref.path === "") return ref.digest ?? "";
  let text = ref.domain ? `${ref.domain}/${ref.path}` : ref.path;
  if (ref.tag) text += `:${ref.tag}`;
  if (ref.digest) text += `@${ref.digest}`;
  return text;
}

function _requireName(action: string, ref: Reference): void {
  if (ref.path !== "") return;
  throw new InvalidArgumentError(
    `${action} ${quote(formatReference(ref))}: expected a named reference, found a digest only`,
    { reason: "NAME_EMPTY" },
  );
}

/**
 * Sets the tag of a named reference, keeping its digest (distribution/reference `WithTag`).
 *
 * @param ref A named reference.
 * @param tag The tag: a letter, digit or `_`, then up to 127 of those, `.` or `-`.
 * @returns The reference with the tag.
 * @throws {InvalidArgumentError} `TAG_INVALID_FORMAT` for a bad tag; `NAME_EMPTY` for a
 * digest-only reference.
 *
 * @example
 * ```ts
 * import { formatReference, parseReference, withTag } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatReference(withTag(parseReference("example.com/app:old"), "new")), "example.com/app:new");
 * ```
 */
export function withTag(ref: Reference, tag: string): Reference {
  if (typeof tag !== "string") throw new TypeError("withTag expects the tag as a string");
  const action = `Cannot add tag ${quote(tag)} to`;
  _requireName(action, ref);
  if (!isTag(tag)) {
    throw new InvalidArgumentError(
      `${action} ${quote(formatReference(ref))}: expected a letter, digit or "_" then up to 127 ` +
        `of those, "." or "-"`,
      { reason: "TAG_INVALID_FORMAT" },
    );
  }
  const { domain, path, digest } = ref;
  return digest === undefined ? { domain, path, tag } : { domain, path, tag, digest };
}

/**
 * Sets the digest of a named reference, keeping its tag (distribution/reference `WithDigest`).
 * Like upstream, the digest is checked against the reference grammar only (`algorithm:` then at
 * least 32 hex characters), not against the registered algorithms.
 *
 * @param ref A named reference.
 * @param digest The digest, e.g. `sha256:` and 64 hex characters.
 * @returns The reference with the digest.
 * @throws {InvalidArgumentError} `DIGEST_INVALID_FORMAT` for a malformed digest; `NAME_EMPTY` for
 * a digest-only reference.
 *
 * @example
 * ```ts
 * import { formatReference, parseReference, withDigest } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const digest = "sha256:" + "a".repeat(64);
 * const ref = withDigest(parseReference("example.com/app:1.0"), digest);
 * assertEquals(formatReference(ref), `example.com/app:1.0@${digest}`);
 * ```
 */
export function withDigest(ref: Reference, digest: string): Reference {
  if (typeof digest !== "string") throw new TypeError("withDigest expects the digest as a string");
  const action = `Cannot add digest ${quote(digest)} to`;
  _requireName(action, ref);
  if (!isDigestPattern(digest)) {
    throw new InvalidArgumentError(
      `${action} ${quote(formatReference(ref))}: expected <algorithm>:<at least 32 hex characters>`,
      { reason: "DIGEST_INVALID_FORMAT" },
    );
  }
  const { domain, path, tag } = ref;
  return tag === undefined ? { domain, path, digest } : { domain, path, tag, digest };
}
