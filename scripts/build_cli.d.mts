/** Bundles src/cli/bin.ts into `outdir` (default dist/cli); resolves to the entry's path. */
export function buildCli(root: string, outdir?: string): Promise<string>;
