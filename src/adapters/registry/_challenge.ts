/** `WWW-Authenticate` parsing (RFC 7235): several challenges in one header, quoted parameters. */

/** One challenge: its scheme (lower case) and parameters (names lower case). */
export interface Challenge {
  /** `bearer`, `basic`, … */
  readonly scheme: string;
  /** The auth-params, e.g. `realm`, `service`, `scope`. */
  readonly params: Readonly<Record<string, string>>;
}

const _token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parses a `WWW-Authenticate` value. fetch joins repeated headers with `, `, so challenges and
 * their parameters share one comma-separated list: a token not followed by `=` starts a new
 * challenge. Malformed tails are dropped rather than thrown, as browsers do.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let rest = header;
  const skip = (pattern: RegExp) => (rest = rest.replace(pattern, ""));
  for (;;) {
    skip(/^[\s,]+/);
    const word = _token.exec(rest)?.[0];
    if (!word) break;
    rest = rest.slice(word.length);
    skip(/^[ \t]*/);
    if (rest.startsWith("=")) {
      rest = rest.slice(1);
      skip(/^[ \t]*/);
      let value: string;
      if (rest.startsWith('"')) {
        let i = 1;
        value = "";
        for (; i < rest.length && rest[i] !== '"'; i++) {
          if (rest[i] === "\\" && i + 1 < rest.length) i++;
          value += rest[i];
        }
        rest = rest.slice(i + 1);
      } else {
        value = _token.exec(rest)?.[0] ?? "";
        rest = rest.slice(value.length);
      }
      const current = challenges[challenges.length - 1];
      if (current) current.params[word.toLowerCase()] = value;
      continue;
    }
    // A token68 (`Basic abc==`) after a scheme is a credential blob, not a parameter: skip it.
    challenges.push({ scheme: word.toLowerCase(), params: {} });
    const token68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/.exec(rest);
    if (token68 && !rest.slice(token68[0].length).trimStart().startsWith("=")) {
      rest = rest.slice(token68[0].length);
    }
  }
  return challenges;
}
