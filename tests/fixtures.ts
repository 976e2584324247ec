/**
 * The real-tool fixtures (scripts/fixtures.ts), built once into `.cache/fixtures/` at the repository
 * root and reused by every later run and runtime while their version matches.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildFixtures,
  type FixtureImage,
  FIXTURES_VERSION,
  type FixturesManifest,
} from "../scripts/fixtures.ts";
import { haveTools } from "../scripts/_umoci.ts";

export type { FixtureImage };

/** Absolute paths of the fixtures, and what they hold. */
export interface Fixtures {
  /** The fixture directory. */
  readonly root: string;
  /** OCI layout: tags `app`, `example.com/team/app:1.0`, `busybox`, `multi` (two platforms). */
  readonly layout: string;
  /** OCI archive of `app`, ref name `1.0`. */
  readonly ociArchive: string;
  /** The same, gzip-compressed. */
  readonly ociArchiveGzip: string;
  /** OCI archive of the two-platform `multi`. */
  readonly multiArchive: string;
  /** docker-archive of `app`: tags `example.com/app:1.0` and `app:latest`, layers uncompressed. */
  readonly dockerArchive: string;
  /** skopeo `dir:` copy of `app`. */
  readonly dir: string;
  /** Docker-25-style archive of `app` as `docker.io/library/app:1.0`. */
  readonly hybridArchive: string;
  /** Per layout tag: entry digest, size, config digest (image ID) and diff IDs. */
  readonly images: Readonly<Record<string, FixtureImage>>;
}

let _fixtures: Promise<Fixtures> | undefined;

/** Whether the tools the fixtures need (umoci, skopeo, tar) are installed. */
export function fixturesAvailable(): boolean {
  return haveTools("umoci", "skopeo", "tar");
}

/**
 * The fixtures, built on first use (about a second) and memoized.
 *
 * @returns The fixture paths and metadata.
 */
export function fixtures(): Promise<Fixtures> {
  return (_fixtures ??= _load().catch((error) => {
    _fixtures = undefined;
    throw error;
  }));
}

async function _load(): Promise<Fixtures> {
  const dir = join(repoRoot(), ".cache", "fixtures");
  let manifest = _readManifest(dir);
  if (!manifest) {
    // Build beside the final place, then rename: a reader never sees a half-built directory.
    const staging = `${dir}.tmp-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    mkdirSync(dirname(dir), { recursive: true });
    await buildFixtures(staging);
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
    manifest = _readManifest(dir);
    if (!manifest) throw new Error(`Cannot build fixtures in ${dir}`);
  }
  const at = (path: string) => join(dir, path);
  return {
    root: dir,
    layout: at(manifest.layout),
    ociArchive: at(manifest.ociArchive),
    ociArchiveGzip: at(manifest.ociArchiveGzip),
    multiArchive: at(manifest.multiArchive),
    dockerArchive: at(manifest.dockerArchive),
    dir: at(manifest.dir),
    hybridArchive: at(manifest.hybridArchive),
    images: manifest.images,
  };
}

function _readManifest(dir: string): FixturesManifest | undefined {
  try {
    const manifest = JSON.parse(
      readFileSync(join(dir, "fixtures.json"), "utf8"),
    ) as FixturesManifest;
    return manifest.version === FIXTURES_VERSION ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The repository root: the nearest ancestor with deno.json (also from the compiled npm/esm/tests).
 *
 * @returns The absolute path.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("Cannot find the repository root (deno.json)");
    dir = parent;
  }
  return dir;
}
