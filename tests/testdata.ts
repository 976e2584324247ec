/** Reads the transcribed conformance vectors in `tests/testdata/`. */
import { readFileSync } from "node:fs";

/**
 * Parses `tests/testdata/<name>` as JSON.
 *
 * @param name The file name.
 * @returns The parsed file.
 */
export function readTestData<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(testDataPath(name), "utf8")) as T;
}

/**
 * The absolute path of `tests/testdata/<name>`.
 *
 * @param name The file name.
 * @returns The path.
 */
export function testDataPath(name: string): string {
  return new URL(`./testdata/${name}`, import.meta.url).pathname;
}
