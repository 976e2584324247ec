/** Platform matchers: which platforms a host can run, and in what order to prefer them. */
import { normalizePlatform, type PlatformOptions } from "./platform.ts";
import type { Platform } from "./types.ts";

/**
 * Matches platforms and orders them by preference (containerd's `platforms.MatchComparer`).
 * `less(a, b)` is a strict order meant for a stable sort: `a` before `b` when it is preferred.
 */
export interface MatchComparer {
  /** Whether the platform is acceptable. */
  match(platform: Platform): boolean;
  /** Whether `a` is preferred over `b`; equally preferred platforms keep their order. */
  less(a: Platform, b: Platform): boolean;
}

type Matcher = (platform: Platform) => boolean;

interface WindowsVersion {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
}

const LTSC2022 = 20348;
// Long-term servicing builds whose containers later hosts keep running, ascending.
const LTSC_RELEASES = [LTSC2022, 26100];

// "major.minor.build[.revision]"; anything else reads as the empty version {0, 0, 0}.
function windowsVersion(version: string | undefined): WindowsVersion {
  const parts = (version ?? "").split(".");
  const number = (text: string | undefined, max: number) =>
    text !== undefined && /^\d+$/.test(text) && Number(text) <= max ? Number(text) : NaN;
  const [major, minor, build] = [
    number(parts[0], 255),
    number(parts[1], 255),
    number(parts[2], 65535),
  ];
  if (parts.length < 3 || Number.isNaN(major + minor + build)) {
    return { major: 0, minor: 0, build: 0 };
  }
  return { major, minor, build };
}

// Whether a Windows host can run a container of another build (process isolation): builds before
// Windows Server 2022 need the same build; later hosts also run builds back to the newest LTSC
// release older than themselves.
function windowsCompatible(host: WindowsVersion, container: WindowsVersion): boolean {
  if (host.major !== container.major || host.minor !== container.minor) return false;
  if (host.build < LTSC2022) return host.build === container.build;
  const oldest = LTSC_RELEASES.findLast((release) => host.build > release) ?? LTSC2022;
  return oldest <= container.build && container.build <= host.build;
}

// Windows versions must be compatible (an empty or unreadable matcher version, or an empty
// candidate version, accepts all); other operating systems ignore the OS version.
function osVersionMatches(os: string, wanted: string | undefined, candidate: string | undefined) {
  if (os !== "windows" || !candidate) return true;
  const host = windowsVersion(wanted);
  if (host.major === 0 && host.minor === 0 && host.build === 0) return true;
  return windowsCompatible(host, windowsVersion(candidate));
}

// The candidate's OS features must all be among the wanted ones; on Windows `win32k` is implied.
function featuresMatch(os: string, wanted: Platform, candidate: Platform): boolean {
  const have = new Set(wanted["os.features"] ?? []);
  return (candidate["os.features"] ?? []).every((feature) =>
    have.has(feature) || (os === "windows" && feature === "win32k")
  );
}

// containerd's NewMatcher. (containerd checks the caller's OS before normalizing it to decide on
// the Windows version rule; the normalized OS is used here, so `Windows` counts too.)
function newMatcher(platform: Platform, options?: PlatformOptions): Matcher {
  const wanted = normalizePlatform(platform, options);
  return (candidate) => {
    const got = normalizePlatform(candidate, options);
    return got.os === wanted.os && got.architecture === wanted.architecture &&
      (got.variant ?? "") === (wanted.variant ?? "") &&
      osVersionMatches(wanted.os, platform["os.version"], candidate["os.version"]) &&
      featuresMatch(wanted.os, wanted, got);
  };
}

function featureCount(platform: Platform): number {
  return platform["os.features"]?.length ?? 0;
}

function withoutFeatures(platform: Platform): Platform {
  const { "os.features": _, ...rest } = platform;
  return rest;
}

// The first matcher either side satisfies decides; a tie there prefers more OS features. When
// neither matches at all, the comparison is retried without OS features.
function orderedLess(matchers: readonly Matcher[], a: Platform, b: Platform): boolean {
  for (const matcher of matchers) {
    const am = matcher(a);
    const bm = matcher(b);
    if (am !== bm) return am;
    if (am) return featureCount(a) > featureCount(b);
  }
  if (featureCount(a) === 0 && featureCount(b) === 0) return false;
  return orderedLess(matchers, withoutFeatures(a), withoutFeatures(b));
}

function anyLess(matchers: readonly Matcher[], a: Platform, b: Platform): boolean {
  const am = matchers.some((m) => m(a));
  const bm = matchers.some((m) => m(b));
  if (am && bm) return featureCount(a) > featureCount(b);
  if (am || bm) return am;
  if (featureCount(a) === 0 && featureCount(b) === 0) return false;
  return anyLess(matchers, withoutFeatures(a), withoutFeatures(b));
}

const ARM64_VARIANTS: ReadonlyMap<string, readonly (readonly [number, number])[]> = (() => {
  const table = new Map<string, (readonly [number, number])[]>();
  for (let minor = 0; minor <= 9; minor++) table.set(`v8.${minor}`, [[8, minor]]);
  for (let minor = 0; minor <= 7; minor++) {
    table.set(`v9.${minor}`, [[9, minor], [8, Math.min(minor + 5, 9)]]);
  }
  table.set("v8", table.get("v8.0")!);
  table.set("v9", table.get("v9.0")!);
  return table;
})();

// Go's strconv.Atoi after trimming one leading "v".
function variantNumber(variant: string | undefined): number {
  const text = (variant ?? "").replace(/^v/, "");
  return /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
}

// The platforms Only() accepts, most preferred first: lower amd64 levels then 386, lower arm
// versions down to v5, and for arm64 the older arm64 revisions then 32-bit arm v8..v5.
function platformVector(platform: Platform): Platform[] {
  const like = (architecture: string, variant: string): Platform => {
    const { variant: _, ...rest } = platform;
    return { ...rest, architecture, ...(variant ? { variant } : {}) };
  };
  const level = variantNumber(platform.variant);
  switch (platform.architecture) {
    case "amd64": {
      const vector = [platform];
      for (let v = level - 1; v >= 1; v--) vector.push(like("amd64", `v${v}`));
      vector.push(like("386", ""));
      return vector;
    }
    case "arm": {
      const vector = [platform];
      for (let v = level - 1; v >= 5; v--) vector.push(like("arm", `v${v}`));
      return vector;
    }
    case "arm64": {
      // A revision missing from the table matches nothing, not even itself, as upstream does.
      const versions = ARM64_VARIANTS.get(platform.variant || "v8");
      if (!versions) return [];
      const vector: Platform[] = [];
      for (const [major, top] of versions) {
        for (let minor = top; minor >= 0; minor--) {
          vector.push(like("arm64", minor ? `v${major}.${minor}` : `v${major}`));
        }
      }
      return [...vector, ...platformVector(like("arm", "v8"))];
    }
  }
  return [platform];
}

/**
 * Matches the platform and the ones its host also runs, preferring them in this order: for
 * `amd64/vN`, `amd64/vN-1` down to `v1`, then `386`; for `arm/vN`, down to `arm/v5`; for
 * `arm64/v8.x`, `v8.x` down to `v8`, for `arm64/v9.x`, `v9.x` down to `v9` then
 * `v8.min(x+5, 9)` down to `v8`, and after either `arm/v8` down to `arm/v5`. An arm64 revision
 * unknown to containerd (such as `v10`) matches nothing. A Windows platform also requires a
 * compatible OS version; a candidate's OS features must be among the platform's.
 *
 * @param platform The platform, typically the host's.
 * @param options The host whose OS stands in for an empty OS (default `linux/amd64`).
 * @returns The comparer.
 *
 * @example
 * ```ts
 * import { only, parsePlatform } from "@ocistore/ocistore";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const matcher = only(parsePlatform("linux/arm64"));
 * assert(matcher.match(parsePlatform("linux/arm/v7")));
 * assert(!matcher.match(parsePlatform("linux/amd64")));
 *
 * const candidates = ["linux/arm/v7", "linux/amd64", "linux/arm64"].map((s) => parsePlatform(s));
 * const preferred = candidates.sort((a, b) => matcher.less(a, b) ? -1 : matcher.less(b, a) ? 1 : 0);
 * assertEquals(preferred[0], { os: "linux", architecture: "arm64" });
 * ```
 */
export function only(platform: Platform, options?: PlatformOptions): MatchComparer {
  return ordered(platformVector(normalizePlatform(platform, options)), options);
}

/**
 * Matches the platform alone (after normalization: `arm64/v8` matches `aarch64`), without the
 * older variants `only` accepts.
 *
 * @param platform The platform.
 * @param options The host whose OS stands in for an empty OS (default `linux/amd64`).
 * @returns The comparer.
 *
 * @example
 * ```ts
 * import { onlyStrict, parsePlatform } from "@ocistore/ocistore";
 * import { assert } from "@std/assert";
 *
 * const matcher = onlyStrict(parsePlatform("linux/amd64"));
 * assert(matcher.match({ os: "linux", architecture: "x86_64" }));
 * assert(!matcher.match(parsePlatform("linux/386")));
 * ```
 */
export function onlyStrict(platform: Platform, options?: PlatformOptions): MatchComparer {
  return ordered([normalizePlatform(platform, options)], options);
}

/**
 * Matches every architecture of the platform's OS (with the Windows version and OS feature rules
 * of `only`), preferring the platform itself, then the others in their given order.
 *
 * @param platform The platform.
 * @param options The host whose OS stands in for an empty OS (default `linux/amd64`).
 * @returns The comparer.
 *
 * @example
 * ```ts
 * import { onlyOS, parsePlatform } from "@ocistore/ocistore";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const matcher = onlyOS(parsePlatform("linux/amd64"));
 * assert(matcher.match(parsePlatform("linux/s390x")));
 * assert(!matcher.match(parsePlatform("windows/amd64")));
 * assert(matcher.less(parsePlatform("linux/amd64"), parsePlatform("linux/386")));
 * assertEquals(matcher.less(parsePlatform("linux/386"), parsePlatform("linux/arm64")), false);
 * ```
 */
export function onlyOS(platform: Platform, options?: PlatformOptions): MatchComparer {
  const wanted = normalizePlatform(platform, options);
  const exact = [newMatcher(wanted, options)];
  const matchOS = (candidate: Platform): boolean => {
    const got = normalizePlatform(candidate, options);
    return got.os === wanted.os &&
      osVersionMatches(wanted.os, wanted["os.version"], candidate["os.version"]) &&
      featuresMatch(wanted.os, wanted, got);
  };
  return {
    match: matchOS,
    less: (a, b) => {
      const am = matchOS(a);
      if (am !== matchOS(b)) return am;
      return am && orderedLess(exact, a, b);
    },
  };
}

/**
 * Matches any of the platforms, preferring earlier ones; between two platforms the first
 * platform of the list either matches decides, and among equals more OS features win.
 *
 * @param platforms The platforms, most preferred first.
 * @param options The host whose OS stands in for an empty OS (default `linux/amd64`).
 * @returns The comparer.
 *
 * @example
 * ```ts
 * import { ordered, parsePlatform } from "@ocistore/ocistore";
 * import { assert } from "@std/assert";
 *
 * const matcher = ordered([parsePlatform("darwin/arm64"), parsePlatform("linux/arm64")]);
 * assert(matcher.match(parsePlatform("linux/arm64")));
 * assert(matcher.less(parsePlatform("darwin/arm64"), parsePlatform("linux/arm64")));
 * ```
 */
export function ordered(
  platforms: readonly Platform[],
  options?: PlatformOptions,
): MatchComparer {
  const matchers = platforms.map((p) => newMatcher(p, options));
  return {
    match: (platform) => matchers.some((m) => m(platform)),
    less: (a, b) => orderedLess(matchers, a, b),
  };
}

/**
 * Matches any of the platforms with no preference among them: matches sort before the rest, and
 * among matches more OS features win.
 *
 * @param platforms The platforms.
 * @param options The host whose OS stands in for an empty OS (default `linux/amd64`).
 * @returns The comparer.
 *
 * @example
 * ```ts
 * import { any, parsePlatform } from "@ocistore/ocistore";
 * import { assert, assertFalse } from "@std/assert";
 *
 * const matcher = any([parsePlatform("linux/amd64"), parsePlatform("linux/arm64")]);
 * assert(matcher.less(parsePlatform("linux/arm64"), parsePlatform("linux/s390x")));
 * assertFalse(matcher.less(parsePlatform("linux/arm64"), parsePlatform("linux/amd64")));
 * ```
 */
export function any(platforms: readonly Platform[], options?: PlatformOptions): MatchComparer {
  const matchers = platforms.map((p) => newMatcher(p, options));
  return {
    match: (platform) => matchers.some((m) => m(platform)),
    less: (a, b) => anyLess(matchers, a, b),
  };
}

/**
 * Matches every platform, with no preference.
 *
 * @example
 * ```ts
 * import { all } from "@ocistore/ocistore";
 * import { assert, assertFalse } from "@std/assert";
 *
 * assert(all.match({ os: "plan9", architecture: "386" }));
 * assertFalse(all.less({ os: "linux", architecture: "amd64" }, { os: "plan9", architecture: "386" }));
 * ```
 */
export const all: MatchComparer = {
  match: () => true,
  less: () => false,
};

/**
 * The matcher containerd uses by default on a host (`platforms.Default()`): `only(host)` on Linux
 * and most systems; on Windows the host's exact OS and architecture with a compatible OS
 * version, preferring the greatest OS version string; on macOS the host, then Linux of the same
 * architecture; on FreeBSD the host, then Linux of the same architecture and variant.
 *
 * @param host The host platform, e.g. `hostPlatform()` from `@ocistore/ocistore/runtime`; a
 * Windows host should carry its `os.version` (`10.0.<build>`).
 * @returns The comparer.
 *
 * @example
 * ```ts
 * import { defaultMatcher, parsePlatform } from "@ocistore/ocistore";
 * import { assert, assertFalse } from "@std/assert";
 *
 * const mac = defaultMatcher({ os: "darwin", architecture: "arm64" });
 * assert(mac.match(parsePlatform("linux/arm64")));
 * assert(mac.less(parsePlatform("darwin/arm64"), parsePlatform("linux/arm64")));
 *
 * const windows = defaultMatcher({
 *   os: "windows",
 *   architecture: "amd64",
 *   "os.version": "10.0.26100.2894",
 * });
 * assert(windows.match(parsePlatform("windows(10.0.20348.3091)/amd64")));
 * assertFalse(windows.match(parsePlatform("windows(10.0.17763.1)/amd64")));
 * ```
 */
export function defaultMatcher(host: Platform): MatchComparer {
  const options = { host };
  switch (host.os) {
    case "windows": {
      const matcher = newMatcher(host, options);
      return {
        match: matcher,
        less: (a, b) => {
          const am = matcher(a);
          const bm = matcher(b);
          if (am && bm) return (a["os.version"] ?? "") > (b["os.version"] ?? "");
          return am && !bm;
        },
      };
    }
    case "darwin":
      return ordered([host, { os: "linux", architecture: host.architecture }], options);
    case "freebsd": {
      const linux = { os: "linux", architecture: host.architecture };
      return ordered([host, host.variant ? { ...linux, variant: host.variant } : linux], options);
    }
  }
  return only(host, options);
}
