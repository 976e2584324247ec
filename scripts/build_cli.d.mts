import type { BuildOptions } from "esbuild";

/** Bundles src/cli/bin.ts into `outdir` (default dist/cli); resolves to the entry's path. */
export function buildCli(root: string, outdir?: string): Promise<string>;

/** The esbuild options of `buildCli`, for a build that inspects the chunks (its metafile). */
export function cliBuildOptions(root: string, outdir: string): BuildOptions;
