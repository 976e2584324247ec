/* @ts-self-types="./_imports.d.mts" */
// The import specifiers of tsc-emitted JavaScript, shared by the npm build and the package check.
import { readFileSync } from "node:fs";

/**
 * The module specifiers a tsc-emitted file imports. Only real statements count: JSDoc examples also
 * say `import ... from "@ocistore/ocistore"`, so static imports must start a line and follow the
 * import grammar, and comment lines are dropped before looking for dynamic `import("...")`.
 *
 * @param {string} file The emitted JavaScript file.
 * @returns {string[]} Its static and dynamic import specifiers.
 */
export function importsOf(file) {
  const text = readFileSync(file, "utf8");
  const clause = String.raw`(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+` +
    String.raw`(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+[\w$]+))?)`;
  const statics = new RegExp(
    String.raw`^(?:import|export)\s*(?:${clause}\s*from\s*)?["']([^"']+)["']`,
    "gm",
  );
  const code = text.split("\n").filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)).join("\n");
  return [
    ...[...text.matchAll(statics)].map((m) => m[1]),
    ...[...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]),
  ];
}
