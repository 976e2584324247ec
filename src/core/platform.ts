/** Platform specifiers: parse, format and normalize them the way containerd's `platforms` does. */
import { InvalidArgumentError } from "./errors.ts";
import type { Platform } from "./types.ts";

/**
 * The host a platform is read against. Core never looks at the runtime, so the host is an input:
 * `normalizePlatform` fills an empty OS from `host.os`, and `parsePlatform` fills the part a
 * one-word specifier leaves out (`"linux"` takes `host.architecture`, `"arm64"` takes `host.os`).
 * Without it the host is `{ os: "linux", architecture: "amd64" }`; `hostPlatform()` from
 * `@ocistore/ocistore/runtime` reports the real one.
 */
export interface PlatformOptions {
  /** The host platform, in canonical form; defaults to `{ os: "linux", architecture: "amd64" }`. */
  readonly host?: Platform;
}

/** The platform assumed when the host is not known: `linux/amd64`, as containerd's defaults do. */
export const DEFAULT_PLATFORM: Platform = Object.freeze({ os: "linux", architecture: "amd64" });

// The first element is `<os>[(<version>[+<feature>]*)]`; later ones are plain components.
const OS_PATTERN = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;
const COMPONENT_PATTERN = /^[A-Za-z0-9_.-]+$/;

// Go's build/syslist names, as containerd's database.go lists them.
const KNOWN_OS = new Set(
  "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris windows zos"
    .split(" "),
);
const KNOWN_ARCH = new Set(
  ("386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le " +
    "mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm").split(" "),
);

function hostOf(options?: PlatformOptions): Platform {
  return options?.host ?? DEFAULT_PLATFORM;
}

function invalid(specifier: string, detail: string): InvalidArgumentError {
  return new InvalidArgumentError(`Cannot parse platform ${JSON.stringify(specifier)}: ${detail}`, {
    reason: "PLATFORM_INVALID",
  });
}

function normalizeOS(os: string, host: Platform): string {
  if (os === "") return host.os;
  const lower = os.toLowerCase();
  return lower === "macos" ? "darwin" : lower;
}

function normalizeArch(arch: string, variant: string): [string, string] {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  switch (arch) {
    case "i386":
      return ["386", ""];
    case "x86_64":
    case "x86-64":
    case "amd64":
      return ["amd64", variant === "v1" ? "" : variant];
    case "aarch64":
    case "arm64":
      if (variant === "8" || variant === "v8" || variant === "v8.0") variant = "";
      else if (variant === "9" || variant === "9.0" || variant === "v9.0") variant = "v9";
      return ["arm64", variant];
    case "armhf":
      return ["arm", "v7"];
    case "armel":
      return ["arm", "v6"];
    case "arm":
      if (variant === "" || variant === "7") variant = "v7";
      else if (variant === "5" || variant === "6" || variant === "8") variant = `v${variant}`;
      return ["arm", variant];
  }
  return [arch, variant];
}

// Builds a platform without empty optional fields, so equal platforms compare equal.
function build(
  os: string,
  architecture: string,
  variant: string,
  osVersion: string,
  osFeatures: readonly string[] | undefined,
): Platform {
  return {
    os,
    architecture,
    ...(variant ? { variant } : {}),
    ...(osVersion ? { "os.version": osVersion } : {}),
    ...(osFeatures?.length ? { "os.features": osFeatures } : {}),
  };
}

function decodeOption(specifier: string, what: string, value: string): string {
  if (!value.includes("%")) return value;
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) {
    throw invalid(
      specifier,
      `expected %XX escapes in the OS ${what}, found ${JSON.stringify(value)}`,
    );
  }
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === "%") {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(value.charCodeAt(i));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function encodeOption(value: string): string {
  return value.replace(/[%+()/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Parses a platform specifier: `<os>`, `<arch>`, `<os>/<arch>` or `<os>/<arch>/<variant>`, where
 * `<os>` may carry options, `<os>(<version>[+<feature>]...)` (percent-encode `%+()/` inside
 * them). A lone word is read as an OS if it names one (the architecture is the host's), else as
 * an architecture (the OS is the host's). OS and architecture are normalized (`Linux/x86_64`
 * gives `linux/amd64`); `arm/v7` loses its default variant and a three-part `arm64` gains `v8`.
 *
 * @param specifier The specifier, e.g. `linux/arm64` or `windows(10.0.17763+win32k)/amd64`.
 * @param options The host to fill missing parts from (default `linux/amd64`).
 * @returns The platform.
 * @throws {InvalidArgumentError} With reason `PLATFORM_INVALID` when the specifier is malformed,
 * has wildcards, more than three parts, or a lone word that is neither an OS nor an architecture.
 *
 * @example
 * ```ts
 * import { parsePlatform } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parsePlatform("Linux/aarch64"), { os: "linux", architecture: "arm64" });
 * assertEquals(parsePlatform("windows(10.0.17763+win32k)/amd64"), {
 *   os: "windows",
 *   architecture: "amd64",
 *   "os.version": "10.0.17763",
 *   "os.features": ["win32k"],
 * });
 * const host = { os: "darwin", architecture: "arm64" };
 * assertEquals(parsePlatform("amd64", { host }), { os: "darwin", architecture: "amd64" });
 * ```
 */
export function parsePlatform(specifier: string, options?: PlatformOptions): Platform {
  if (typeof specifier !== "string") {
    throw new TypeError(`Cannot parse platform: expected a string, found ${typeof specifier}`);
  }
  const host = hostOf(options);
  if (specifier.includes("*")) throw invalid(specifier, "wildcards are not supported");
  // Like Go's strings.SplitN(specifier, "/", 4): a fourth part keeps the rest, slashes included.
  const split = specifier.split("/");
  const parts = split.length > 4 ? [...split.slice(0, 3), split.slice(3).join("/")] : split;

  const osMatch = OS_PATTERN.exec(parts[0]);
  if (!osMatch) {
    throw invalid(
      specifier,
      `expected the OS part to be letters, digits, "_" or "-", optionally followed by ` +
        `"(<version>+<feature>...)", found ${JSON.stringify(parts[0])}`,
    );
  }
  for (const part of parts.slice(1)) {
    if (!COMPONENT_PATTERN.test(part)) {
      throw invalid(
        specifier,
        `expected each part after the OS to be letters, digits, "_", "." or "-", found ${
          JSON.stringify(part)
        }`,
      );
    }
  }
  const os = normalizeOS(osMatch[1], host);
  const osVersion = decodeOption(specifier, "version", osMatch[2] ?? "");
  const osFeatures = osMatch[3]
    ? osMatch[3].slice(1).split("+").map((f) => decodeOption(specifier, "feature", f))
    : undefined;

  switch (parts.length) {
    case 1: {
      if (KNOWN_OS.has(os)) {
        const variant = host.architecture === "arm" && host.variant !== "v7"
          ? host.variant ?? ""
          : "";
        return build(os, host.architecture, variant, osVersion, osFeatures);
      }
      let [arch, variant] = normalizeArch(parts[0], "");
      if (arch === "arm" && variant === "v7") variant = "";
      if (KNOWN_ARCH.has(arch)) return build(host.os, arch, variant, "", undefined);
      throw invalid(
        specifier,
        `expected a known operating system or architecture, found ${JSON.stringify(parts[0])}`,
      );
    }
    case 2: {
      let [arch, variant] = normalizeArch(parts[1], "");
      if (arch === "arm" && variant === "v7") variant = "";
      return build(os, arch, variant, osVersion, osFeatures);
    }
    case 3: {
      let [arch, variant] = normalizeArch(parts[1], parts[2]);
      if (arch === "arm64" && variant === "") variant = "v8";
      return build(os, arch, variant, osVersion, osFeatures);
    }
  }
  throw invalid(specifier, `expected at most 3 "/"-separated parts, found ${parts.length}`);
}

/**
 * Formats a platform as `os/architecture[/variant]`, ignoring OS version and features
 * (`unknown` when the OS is empty).
 *
 * @param platform The platform.
 * @returns The specifier.
 *
 * @example
 * ```ts
 * import { formatPlatform } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatPlatform({ os: "linux", architecture: "arm", variant: "v6" }), "linux/arm/v6");
 * assertEquals(
 *   formatPlatform({ os: "windows", architecture: "amd64", "os.version": "10.0.20348" }),
 *   "windows/amd64",
 * );
 * ```
 */
export function formatPlatform(platform: Platform): string {
  return format(platform.os, platform);
}

function format(os: string, platform: Platform): string {
  if (!platform.os) return "unknown";
  return [os, platform.architecture, platform.variant].filter((part) => part).join("/");
}

/**
 * Formats a platform with its OS version and features, `os(version+feature...)/arch[/variant]`,
 * the form `parsePlatform` reads back. Features are sorted and deduplicated, empty ones skipped;
 * `%`, `+`, `(`, `)` and `/` inside options are percent-encoded.
 *
 * @param platform The platform.
 * @returns The specifier.
 *
 * @example
 * ```ts
 * import { formatPlatformAll, parsePlatform } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * const platform = {
 *   os: "windows",
 *   architecture: "amd64",
 *   "os.version": "10.0.17763+build.42",
 *   "os.features": ["win32k"],
 * };
 * const text = formatPlatformAll(platform);
 * assertEquals(text, "windows(10.0.17763%2Bbuild.42+win32k)/amd64");
 * assertEquals(parsePlatform(text), platform);
 * ```
 */
export function formatPlatformAll(platform: Platform): string {
  const features = [...new Set(platform["os.features"] ?? [])].filter((f) => f).sort(compare);
  const options = encodeOption(platform["os.version"] ?? "") +
    features.map((f) => `+${encodeOption(f)}`).join("");
  return format(options ? `${platform.os}(${options})` : platform.os, platform);
}

// Go sorts strings by bytes; code-unit order agrees for every BMP string.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Normalizes a platform to its canonical values: lowercase OS and architecture, `macos` to
 * `darwin`, an empty OS to the host's, `x86_64` to `amd64`, `aarch64` to `arm64`, `armhf` to
 * `arm/v7`, `armel` to `arm/v6`; default variants dropped (`amd64/v1`, `arm64/v8`) or added
 * (`arm` becomes `arm/v7`); OS features sorted and deduplicated. Empty optional fields are left
 * out.
 *
 * @param platform The platform.
 * @param options The host whose OS fills an empty OS (default `linux/amd64`).
 * @returns The canonical platform.
 *
 * @example
 * ```ts
 * import { normalizePlatform } from "@ocistore/ocistore";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   normalizePlatform({ os: "Linux", architecture: "aarch64", variant: "v8" }),
 *   { os: "linux", architecture: "arm64" },
 * );
 * assertEquals(normalizePlatform({ os: "", architecture: "armhf" }, {
 *   host: { os: "freebsd", architecture: "amd64" },
 * }), { os: "freebsd", architecture: "arm", variant: "v7" });
 * ```
 */
export function normalizePlatform(platform: Platform, options?: PlatformOptions): Platform {
  const [arch, variant] = normalizeArch(platform.architecture ?? "", platform.variant ?? "");
  const features = platform["os.features"];
  return build(
    normalizeOS(platform.os ?? "", hostOf(options)),
    arch,
    variant,
    platform["os.version"] ?? "",
    features?.length ? [...new Set(features)].sort(compare) : features,
  );
}
