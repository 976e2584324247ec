/** The distribution/reference grammar and the checks its `Parse` and `WithName` make (internal). */
import { parseDigest } from "./digest.ts";
import {
  InvalidArgumentError,
  OciStoreError,
  type OciStoreErrorOptions,
  UnsupportedError,
} from "./errors.ts";
import type { Reference } from "./types.ts";

/** Longest repository path (without the domain) distribution/reference accepts since v0.6.0. */
export const MAX_PATH_LENGTH = 255;

/**
 * Longest input matched against the grammar. JavaScript regular expressions backtrack where Go's
 * RE2 is linear, so absurd inputs are refused up front; real references stay far below this
 * (path 255, tag 128, digest 135, a DNS name 253).
 */
export const MAX_REFERENCE_LENGTH = 4096;

interface Grammar {
  readonly reference: RegExp;
  readonly name: RegExp;
  readonly domainAndPort: RegExp;
  readonly tag: RegExp;
  readonly pathComponent: RegExp;
  readonly digest: RegExp;
  readonly identifier: RegExp;
}

let grammar: Grammar | undefined;

// Built on first use so importing the library compiles nothing.
function _grammar(): Grammar {
  if (grammar) return grammar;
  const alphanumeric = "[a-z0-9]+";
  const separator = "(?:[._]|__|[-]+)";
  const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
  const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
  const domainAndPort = `(?:${domainName}|${ipv6})(?::[0-9]+)?`;
  const tag = "[\\w][\\w.-]{0,127}";
  const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";
  const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
  const remoteName = `${pathComponent}(?:/${pathComponent})*`;
  return grammar = {
    reference: new RegExp(
      `^((?:${domainAndPort}/)?${remoteName})(?::(${tag}))?(?:@(${digest}))?$`,
    ),
    name: new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`),
    domainAndPort: new RegExp(`^${domainAndPort}$`),
    tag: new RegExp(`^${tag}$`),
    pathComponent: new RegExp(`^${pathComponent}$`),
    digest: new RegExp(`^${digest}$`),
    identifier: /^[a-f0-9]{64}$/,
  };
}

/** Quotes user input for an error message, shortening what would flood a terminal. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** Whether `text` is a tag: a word character, then up to 127 word characters, `.` or `-`. */
export function isTag(text: string): boolean {
  return _grammar().tag.test(text);
}

/** Whether `text` has the shape of a digest at the grammar level (any algorithm, 32+ hex). */
export function isDigestPattern(text: string): boolean {
  return text.length <= MAX_REFERENCE_LENGTH && _grammar().digest.test(text);
}

/** Whether `text` is an identifier: exactly 64 lowercase hex characters. */
export function isIdentifier(text: string): boolean {
  return _grammar().identifier.test(text);
}

/** Whether `text` is a domain with an optional port (anchored `domainAndPort`). */
export function isDomainAndPort(text: string): boolean {
  return text.length <= MAX_REFERENCE_LENGTH && _grammar().domainAndPort.test(text);
}

/** The capture groups of the anchored reference pattern: name, tag and digest (unvalidated). */
export function matchReference(
  text: string,
): { name: string; tag?: string; digest?: string } | undefined {
  if (text.length > MAX_REFERENCE_LENGTH) return undefined;
  const match = _grammar().reference.exec(text);
  if (!match) return undefined;
  return {
    name: match[1],
    ...(match[2] === undefined ? {} : { tag: match[2] }),
    ...(match[3] === undefined ? {} : { digest: match[3] }),
  };
}

/**
 * The capture groups of the anchored name pattern. The first component is the domain whenever it
 * fits the domain grammar and more components follow (so `foo/bar` has domain `foo`).
 */
export function matchName(text: string): { domain: string; path: string } | undefined {
  if (text.length > MAX_REFERENCE_LENGTH) return undefined;
  const match = _grammar().name.exec(text);
  return match ? { domain: match[1] ?? "", path: match[2] } : undefined;
}

/** `<action> "<shown>": <problem>`, the problem kept apart for callers that word it their way. */
function _parseError(
  action: string,
  shown: string,
  problem: string,
  options: OciStoreErrorOptions,
  Class: typeof InvalidArgumentError | typeof UnsupportedError = InvalidArgumentError,
): OciStoreError {
  return new Class(`${action} ${quote(shown)}: ${problem}`, { ...options, problem });
}

function _tooLong(action: string, shown: string, path: string): OciStoreError {
  return _parseError(
    action,
    shown,
    `repository name must not be more than ${MAX_PATH_LENGTH} characters, found ${path.length}`,
    { reason: "NAME_TOO_LONG" },
  );
}

function _refuseHuge(action: string, text: string, shown: string): void {
  if (text.length <= MAX_REFERENCE_LENGTH) return;
  throw _parseError(
    action,
    shown,
    `expected at most ${MAX_REFERENCE_LENGTH} characters, found ${text.length}`,
    { reason: "REFERENCE_INVALID_FORMAT" },
  );
}

/**
 * `WithName`: a bare repository name (no tag, no digest), split grammatically.
 *
 * @throws {InvalidArgumentError} REFERENCE_INVALID_FORMAT, NAME_TOO_LONG.
 */
export function parseName(text: string): { domain: string; path: string } {
  const action = "Cannot parse repository name";
  _refuseHuge(action, text, text);
  const name = matchName(text);
  if (!name) {
    throw new InvalidArgumentError(
      `${action} ${quote(text)}: expected [domain[:port]/]path with lowercase path components`,
      { reason: "REFERENCE_INVALID_FORMAT" },
    );
  }
  if (name.path.length > MAX_PATH_LENGTH) throw _tooLong(action, text, name.path);
  return name;
}

/**
 * `Parse`: a reference split grammatically, its digest checked by go-digest v1.0.0 rules.
 * `shown` is the text quoted in error messages (the caller's input before normalization).
 *
 * @throws {InvalidArgumentError} NAME_EMPTY, NAME_CONTAINS_UPPERCASE, REFERENCE_INVALID_FORMAT,
 * NAME_TOO_LONG, DIGEST_INVALID_FORMAT, DIGEST_INVALID_LENGTH.
 * @throws {UnsupportedError} DIGEST_UNSUPPORTED.
 */
export function parseGrammatical(text: string, shown: string = text): Reference {
  const action = "Cannot parse reference";
  _refuseHuge(action, text, shown);
  const match = matchReference(text);
  if (!match) {
    if (text === "") {
      throw _parseError(action, "", "expected a repository name, found nothing", {
        reason: "NAME_EMPTY",
      });
    }
    if (matchReference(text.toLowerCase())) {
      throw _parseError(action, shown, "repository name must be lowercase", {
        reason: "NAME_CONTAINS_UPPERCASE",
      });
    }
    const broken = _brokenPart(text);
    throw _parseError(
      action,
      shown,
      "expected [domain[:port]/]path[:tag][@digest] with lowercase path components" +
        (broken ? `, found ${broken}` : ""),
      { reason: "REFERENCE_INVALID_FORMAT" },
    );
  }
  // The reference pattern matched, so its name group matches the name pattern too.
  const { domain, path } = matchName(match.name)!;
  if (path.length > MAX_PATH_LENGTH) throw _tooLong(action, shown, path);
  if (match.digest !== undefined) {
    try {
      parseDigest(match.digest);
    } catch (error) {
      if (!(error instanceof OciStoreError)) throw error;
      const Class = error instanceof UnsupportedError ? UnsupportedError : InvalidArgumentError;
      throw _parseError(action, shown, error.message, {
        cause: error,
        ...(error.reason === undefined ? {} : { reason: error.reason }),
      }, Class);
    }
  }
  return {
    domain,
    path,
    ...(match.tag === undefined ? {} : { tag: match.tag }),
    ...(match.digest === undefined ? {} : { digest: match.digest }),
  };
}

/**
 * The first part of a reference the grammar refuses, with the rule it breaks, so a message can
 * say more than the whole grammar (`tag "a b" (…)`); undefined when no single part is to blame.
 */
function _brokenPart(text: string): string | undefined {
  const g = _grammar();
  const at = text.indexOf("@");
  const named = at === -1 ? text : text.slice(0, at);
  if (at !== -1 && !g.digest.test(text.slice(at + 1))) {
    return `digest ${quote(text.slice(at + 1))} (a digest is ALGORITHM:HEX, 32 or more hex digits)`;
  }
  const colon = named.lastIndexOf(":");
  const tagged = colon > named.lastIndexOf("/");
  if (tagged && !g.tag.test(named.slice(colon + 1))) {
    return `tag ${quote(named.slice(colon + 1))} (a tag is 1 to 128 letters, digits, "_", "." ` +
      `or "-", not starting with "." or "-")`;
  }
  const components = (tagged ? named.slice(0, colon) : named).split("/");
  const path = components.length > 1 && g.domainAndPort.test(components[0])
    ? components.slice(1)
    : components;
  const component = path.find((c) => !g.pathComponent.test(c));
  return component === undefined ? undefined : `path component ${quote(component)} (a path ` +
    `component is lowercase letters and digits, separated by ".", "_", "__" or "-")`;
}
