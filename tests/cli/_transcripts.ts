/**
 * Test support: the `$ ocistore …` transcripts of the docs, read from their ```console blocks, and
 * the rules that compare one with a run.
 *
 * A block is a list of commands, each `$ COMMAND` followed by the output it printed (standard output
 * and error as a terminal interleaves them) and, optionally, `$ echo $?` and the exit code; a command
 * not followed by `$ echo $?` must exit 0. An HTML comment `<!-- transcript: not checked: REASON -->`
 * on the line before the fence leaves a block out, and says why.
 *
 * Run-dependent values are compared through placeholders, on both sides:
 * - `import-YYYY-MM-DD` (the date tag-only names get, today's) is compared as `import-DATE`;
 * - a temporary path (`/tmp/ocistore-…-XXXXXX…`, what mkdtemp makes) is compared as `TMP`;
 * - a line that is only `…` stands for any number of lines (a long output shortened in the doc).
 * The fixture paths and the registry's port are substituted by the test itself (see
 * `docs_transcripts_test.ts`).
 */

/** One command of a transcript. */
export interface TranscriptCommand {
  /** The words after `$ ` (`ocistore`, `images`, …), split as a shell splits them. */
  readonly argv: readonly string[];
  /** The lines it printed. */
  readonly output: readonly string[];
  /** The exit code `$ echo $?` shows, else 0. */
  readonly code: number;
}

/** One ```console block. */
export interface Transcript {
  /** `FILE:LINE` of the fence, for failure messages. */
  readonly where: string;
  readonly commands: readonly TranscriptCommand[];
  /** Why the block is not checked, when it says so. */
  readonly notChecked?: string;
}

const NOT_CHECKED = /^<!-- transcript: not checked: (.+) -->$/;

/**
 * The ```console blocks of a Markdown text.
 *
 * @param file The file's name, for `where`.
 * @param text The Markdown.
 * @returns The transcripts in order.
 */
export function transcriptsOf(file: string, text: string): Transcript[] {
  const lines = text.split("\n");
  const found: Transcript[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```console") continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]);
    const reason = NOT_CHECKED.exec(lines[start - 1] ?? "")?.[1];
    found.push({
      where: `${file}:${start + 1}`,
      commands: _commands(body, `${file}:${start + 1}`),
      ...(reason ? { notChecked: reason } : {}),
    });
  }
  return found;
}

function _commands(body: readonly string[], where: string): TranscriptCommand[] {
  const commands: { argv: string[]; output: string[]; code: number }[] = [];
  for (const line of body) {
    if (line === "$ echo $?") {
      const last = commands.at(-1);
      if (!last) throw new Error(`${where}: "$ echo $?" before any command`);
      last.output.push("\0code");
    } else if (line.startsWith("$ ")) {
      commands.push({ argv: shellWords(line.slice(2)), output: [], code: 0 });
    } else {
      const last = commands.at(-1);
      if (!last) throw new Error(`${where}: output before any command: ${line}`);
      if (last.output.at(-1) === "\0code") {
        last.output.pop();
        last.code = Number(line);
      } else last.output.push(line);
    }
  }
  return commands;
}

/**
 * Splits a command line as a shell does, for the quoting transcripts use ('…', "…", \\).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * assertEquals(shellWords(`ocistore images 'a b' "c"`), ["ocistore", "images", "a b", "c"]);
 * ```
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = "";
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (c === " ") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (quote) throw new Error(`Cannot split ${JSON.stringify(line)}: a quote is not closed`);
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * Puts the placeholders in for what changes from run to run (see the module doc).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * assertEquals(
 *   placeholders('import-2026-12-01 "/tmp/ocistore-cli-outside-IaS56w/layer"'),
 *   'import-DATE "TMP/layer"',
 * );
 * ```
 */
export function placeholders(text: string): string {
  return text
    .replace(/import-\d{4}-\d{2}-\d{2}/g, "import-DATE")
    .replace(/[^\s"]*\/ocistore-[a-z]+(?:-[a-z]+)*-[A-Za-z0-9]{6}/g, "TMP");
}

/**
 * Whether the printed lines match the transcript's, `…` lines standing for any number of lines.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * assert(linesMatch(["{", "…", "}"], ["{", "a", "b", "}"]));
 * assert(!linesMatch(["{", "}"], ["{", "a", "}"]));
 * ```
 */
export function linesMatch(expected: readonly string[], actual: readonly string[]): boolean {
  const parts: string[][] = [[]];
  for (const line of expected) line === "…" ? parts.push([]) : parts.at(-1)!.push(line);
  const same = (at: number, part: readonly string[]) =>
    part.every((line, j) => actual[at + j] === line);
  const first = parts[0];
  if (parts.length === 1) return actual.length === first.length && same(0, first);
  const last = parts.at(-1)!;
  if (!same(0, first) || actual.length < first.length + last.length) return false;
  if (!same(actual.length - last.length, last)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    while (at + part.length <= actual.length - last.length && !same(at, part)) at++;
    if (at + part.length > actual.length - last.length) return false;
    at += part.length;
  }
  return true;
}
