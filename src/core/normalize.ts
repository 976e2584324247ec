/** Docker's familiar names: `nginx` <-> `docker.io/library/nginx` (distribution/reference normalize). */
import { isIdentifier, parseGrammatical, quote } from "./_reference_grammar.ts";
import { tryParseDigest } from "./digest.ts";
import { InvalidArgumentError } from "./errors.ts";
import { formatReference, type Reference, withTag } from "./reference.ts";

const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_REPO_PREFIX = "library/";

/** Options of {@linkcode parseNormalizedReference}. */
export interface NormalizeOptions {
  /**
   * Refuse input that is not already in normalized form (distribution/reference `ParseNamed`):
   * `docker.io/library/nginx` passes, `nginx` throws with reason `NAME_NOT_CANONICAL`.
   */
  readonly requireCanonical?: boolean;
}

// splitDockerDomain: the first element is a domain only if it looks like one.
function _splitDockerDomain(name: string): [domain: string, remainder: string] {
  const slash = name.indexOf("/");
  if (slash === -1) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const first = name.slice(0, slash);
  let domain: string;
  let remainder: string;
  if (
    first === "localhost" || first.includes(".") || first.includes(":") ||
    first.toLowerCase() !== first
  ) {
    domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
    remainder = name.slice(slash + 1);
  } else {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) {
    remainder = OFFICIAL_REPO_PREFIX + remainder;
  }
  return [domain, remainder];
}

/**
 * Parses a name the way `docker pull` reads it (distribution/reference `ParseNormalizedNamed`):
 * no domain means `docker.io`, and a single Docker Hub component gets `library/`. The first
 * component counts as a domain only if it is `localhost`, contains `.` or `:`, or has uppercase
 * letters; `index.docker.io` becomes `docker.io`. No tag is added (see {@linkcode parseDockerRef}).
 *
 * @param text The reference, e.g. `nginx:1.27` or `ghcr.io/org/app@sha256:…`.
 * @param options `requireCanonical` to accept only text that is already normalized.
 * @returns The normalized reference.
 * @throws {InvalidArgumentError} With reason `REFERENCE_INVALID_FORMAT` (including a bare 64-hex
 * identifier, which would be mistaken for an image ID), `NAME_CONTAINS_UPPERCASE`,
 * `NAME_TOO_LONG`, `NAME_NOT_CANONICAL`, or a digest reason; see {@linkcode parseReference}.
 * @throws {UnsupportedError} With reason `DIGEST_UNSUPPORTED`.
 *
 * @example
 * ```ts
 * import { formatReference, parseNormalizedReference } from "@ocistore/ocistore";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * const ref = parseNormalizedReference("nginx:1.27");
 * assertEquals(ref, { domain: "docker.io", path: "library/nginx", tag: "1.27" });
 * assertEquals(formatReference(ref), "docker.io/library/nginx:1.27");
 * assertEquals(parseNormalizedReference("localhost/app").domain, "localhost");
 * assertThrows(() => parseNormalizedReference("nginx", { requireCanonical: true }));
 * ```
 */
export function parseNormalizedReference(text: string, options: NormalizeOptions = {}): Reference {
  if (typeof text !== "string") throw new TypeError("parseNormalizedReference expects a string");
  if (isIdentifier(text)) {
    throw new InvalidArgumentError(
      `Cannot parse reference ${quote(text)}: expected a repository name, found a 64-character ` +
        "hexadecimal string (an identifier)",
      { reason: "REFERENCE_INVALID_FORMAT" },
    );
  }
  const [domain, remainder] = _splitDockerDomain(text);
  const colon = remainder.indexOf(":");
  const remote = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) {
    throw new InvalidArgumentError(
      `Cannot parse reference ${quote(text)}: repository name ${quote(remote)} must be lowercase`,
      {
        reason: "NAME_CONTAINS_UPPERCASE",
        problem: `repository name ${quote(remote)} must be lowercase`,
      },
    );
  }
  const ref = parseGrammatical(`${domain}/${remainder}`, text);
  if (options.requireCanonical && formatReference(ref) !== text) {
    throw new InvalidArgumentError(
      `Cannot parse reference ${quote(text)}: expected the canonical form ` +
        quote(formatReference(ref)),
      { reason: "NAME_NOT_CANONICAL" },
    );
  }
  return ref;
}

/**
 * Parses a normalized reference or a bare digest (distribution/reference `ParseAnyReference`):
 * 64 lowercase hex characters become a `sha256:` digest-only reference, a valid digest a
 * digest-only reference, and anything else goes through {@linkcode parseNormalizedReference}.
 * A digest-only reference has `domain` and `path` `""`.
 *
 * @param text A reference, an image ID or a digest.
 * @returns The reference.
 * @throws {InvalidArgumentError} As {@linkcode parseNormalizedReference}.
 * @throws {UnsupportedError} As {@linkcode parseNormalizedReference}.
 *
 * @example
 * ```ts
 * import { formatReference, parseAnyReference } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const id = "e".repeat(64);
 * assertEquals(parseAnyReference(id), { domain: "", path: "", digest: `sha256:${id}` });
 * assertEquals(formatReference(parseAnyReference("redis")), "docker.io/library/redis");
 * ```
 */
export function parseAnyReference(text: string): Reference {
  if (typeof text !== "string") throw new TypeError("parseAnyReference expects a string");
  if (isIdentifier(text)) return { domain: "", path: "", digest: `sha256:${text}` };
  // Only registered algorithms parse; testing the prefix first spares a thrown error per name.
  if (/^sha(?:256|384|512):/.test(text) && tryParseDigest(text) !== undefined) {
    return { domain: "", path: "", digest: text };
  }
  return parseNormalizedReference(text);
}

/**
 * Parses a reference the way containerd's CRI plugin names images (distribution/reference
 * `ParseDockerRef`): normalized, `:latest` added when there is neither tag nor digest, and the
 * tag dropped when there is a digest too.
 *
 * @param text The reference, e.g. `busybox`.
 * @returns The normalized reference with a tag or a digest.
 * @throws {InvalidArgumentError} As {@linkcode parseNormalizedReference}.
 * @throws {UnsupportedError} As {@linkcode parseNormalizedReference}.
 *
 * @example
 * ```ts
 * import { formatReference, parseDockerRef } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatReference(parseDockerRef("busybox")), "docker.io/library/busybox:latest");
 * const digest = "sha256:" + "e".repeat(64);
 * assertEquals(
 *   formatReference(parseDockerRef(`gcr.io/app:1.0@${digest}`)),
 *   `gcr.io/app@${digest}`,
 * );
 * ```
 */
export function parseDockerRef(text: string): Reference {
  const ref = parseNormalizedReference(text);
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return ref.tag === undefined ? withTag(ref, "latest") : ref;
}

function _familiar(ref: Reference): Reference {
  if (ref.domain !== DEFAULT_DOMAIN) return ref;
  let path = ref.path;
  if (path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes("/")) path = rest;
  }
  return { ...ref, domain: "", path };
}

/**
 * The repository name as Docker shows it (distribution/reference `FamiliarName`): the domain
 * `docker.io` is dropped, and so is `library/` before a single component. Other domains (even
 * `index.docker.io`) are kept. A digest-only reference has no name and gives `""`.
 *
 * @param ref The reference.
 * @returns The familiar repository name.
 *
 * @example
 * ```ts
 * import { familiarName, parseNormalizedReference } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(familiarName(parseNormalizedReference("docker.io/library/nginx:1.27")), "nginx");
 * assertEquals(familiarName(parseNormalizedReference("ghcr.io/org/app")), "ghcr.io/org/app");
 * ```
 */
export function familiarName(ref: Reference): string {
  const { domain, path } = _familiar(ref);
  return formatReference({ domain, path });
}

/**
 * The whole reference as Docker shows it (distribution/reference `FamiliarString`):
 * {@linkcode familiarName} plus tag and digest. A digest-only reference prints as its digest.
 *
 * @param ref The reference.
 * @returns The familiar text.
 *
 * @example
 * ```ts
 * import { familiarString, parseDockerRef } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(familiarString(parseDockerRef("busybox")), "busybox:latest");
 * ```
 */
export function familiarString(ref: Reference): string {
  return formatReference(_familiar(ref));
}

/**
 * A stored name in the full form `images` prints (crictl's repo tags): `bb:1.35.0` →
 * `docker.io/library/bb:1.35.0`, `latest` added to an untagged name; `undefined` when the name is
 * no reference. Two spellings of one name print the same.
 *
 * @param text A name as stored or typed.
 * @returns The printed form.
 * @example
 * ```ts
 * import { printedName } from "./normalize.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(printedName("import-2026-12-07:v1"), "docker.io/library/import-2026-12-07:v1");
 * assertEquals(printedName("Not::Valid"), undefined);
 * ```
 */
export function printedName(text: string): string | undefined {
  try {
    return formatReference(parseDockerRef(text));
  } catch (error) {
    if (error instanceof InvalidArgumentError) return undefined;
    throw error;
  }
}
