/** Loads tests/testdata/platforms.json with the host placeholders filled for the host under test. */
import type { Platform } from "../../src/core/types.ts";
import { readTestData } from "../testdata.ts";

/** The host the vectors are read against (captured on a non-ARM host: no CPU variant). */
export const HOST: Platform = { os: "linux", architecture: "amd64" };

/** A case of the vector file, loosely typed. */
// deno-lint-ignore no-explicit-any
export type Case = Record<string, any>;

/** The vector file. */
export interface PlatformVectors {
  readonly source: string;
  readonly cases: readonly Case[];
  readonly derived: Readonly<Record<string, Readonly<Record<string, readonly Case[]>>>>;
}

const PLACEHOLDERS: Record<string, string> = {
  "${HOST_OS}": HOST.os,
  "${HOST_ARCH}": HOST.architecture,
  "${CPU_VARIANT}": HOST.variant ?? "",
};

// Replaces the placeholders everywhere and drops platform fields that become empty.
function fill(value: unknown): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{[A-Z_]+\}/g, (name) => PLACEHOLDERS[name] ?? name);
  }
  if (Array.isArray(value)) return value.map(fill);
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [k, fill(v)] as const);
    return Object.fromEntries(entries.filter(([k, v]) => !(k === "variant" && v === "")));
  }
  return value;
}

let cached: PlatformVectors | undefined;

/** The vectors with placeholders filled. */
export function platformVectors(): PlatformVectors {
  return cached ??= fill(readTestData("platforms.json")) as PlatformVectors;
}

/** The cases of one group and version (`HEAD` or the seed's `9e819fb4a8`). */
export function casesOf(group: string, version: string): Case[] {
  const cases = platformVectors().cases.filter((c) => c.group === group && c.version === version);
  if (cases.length === 0) throw new Error(`no ${version} cases in group ${group}`);
  return cases;
}

/** Sorts with a `less` function the way Go's stable sorts do. */
export function sortBy<T>(items: readonly T[], less: (a: T, b: T) => boolean): T[] {
  return [...items].sort((a, b) => less(a, b) ? -1 : less(b, a) ? 1 : 0);
}
