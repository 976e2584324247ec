/** Validates the relative, `/`-separated paths a `Files` capability accepts. */
import { InvalidArgumentError } from "../core/errors.ts";

/**
 * The path's segments, checked: relative, `/`-separated, no `..`, no NUL, no backslash. Empty and
 * `.` segments are dropped, so `""` and `"."` name the root.
 *
 * @param path The path handed to a `Files` method.
 * @returns The segments, none of them empty, `.` or `..`.
 * @throws {InvalidArgumentError} For an absolute path or one that could leave the root.
 * @throws {TypeError} When `path` is not a string.
 */
export function splitFilesPath(path: string): string[] {
  if (typeof path !== "string") throw new TypeError("Cannot read file: expected a string path");
  const fail = (problem: string) =>
    new InvalidArgumentError(
      `Cannot use path "${path}": expected a relative path, found ${problem}`,
    );
  if (path.startsWith("/")) throw fail("an absolute path");
  if (path.includes("\0")) throw fail("a NUL character");
  if (path.includes("\\")) throw fail("a backslash");
  if (/^[A-Za-z]:/.test(path)) throw fail("a drive letter");
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw fail('a ".." segment');
  return segments;
}
