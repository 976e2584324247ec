/** The platform of the host ocistore runs on, read from Deno, Bun, Node or browser globals. */
import { InvalidArgumentError } from "../core/errors.ts";
import { DEFAULT_PLATFORM } from "../core/platform.ts";
import type { Platform } from "../core/types.ts";

// Node and Bun name some systems and CPUs differently from Go (and so from OCI).
const NODE_OS: Readonly<Record<string, string>> = {
  win32: "windows",
  cygwin: "windows",
  sunos: "solaris",
};
const NODE_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  ia32: "386",
  mipsel: "mipsle",
  x86_64: "amd64",
  aarch64: "arm64",
};

function read(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

// containerd reports arm64 hosts as v8 and 32-bit arm hosts with their ARM version.
function withVariant(os: string, architecture: string, armVersion?: string): Platform {
  if (architecture === "arm64") return { os, architecture, variant: "v8" };
  if (architecture === "arm") return { os, architecture, variant: `v${armVersion ?? "7"}` };
  return { os, architecture };
}

function fromUserAgent(navigator: unknown): Platform {
  const agent = text(read(navigator, "userAgent")) ?? "";
  const hint = text(read(read(navigator, "userAgentData"), "platform")) ?? "";
  const both = `${hint} ${agent}`;
  const os = /windows/i.test(both)
    ? "windows"
    : /mac ?os|macintosh/i.test(both)
    ? "darwin"
    : "linux";
  // Browsers on Apple silicon still claim Intel; the answer is a best effort.
  if (/aarch64|arm64/i.test(agent)) return withVariant(os, "arm64");
  if (/\barm/i.test(agent)) return withVariant(os, "arm");
  if (/\b(i[3-6]86|x86)\b(?!_64)/i.test(agent) && !/win64|wow64|x64/i.test(agent)) {
    return withVariant(os, "386");
  }
  return withVariant(os, "amd64");
}

/**
 * Reports the platform of the running host, as containerd's `platforms.DefaultSpec()` does:
 * Deno from `Deno.build`, Bun and Node from `process.platform` and `process.arch` (`x64` is
 * `amd64`, `ia32` is `386`, `win32` is `windows`; 32-bit ARM takes its version from
 * `process.config`, else `v7`), and browsers, as a best effort, from `navigator.userAgentData`
 * and `navigator.userAgent`. arm64 hosts report variant `v8`. Anything unreadable gives
 * `linux/amd64`. Windows hosts come without `os.version`; add `10.0.<build>` to get containerd's
 * Windows version matching.
 *
 * @param globals Where to read the runtime's globals from; `globalThis` unless testing.
 * @returns The host platform.
 *
 * @example
 * ```ts
 * import { hostPlatform } from "@ocistore/ocistore/runtime";
 * import { assert, assertEquals } from "@std/assert";
 *
 * assert(hostPlatform().os.length > 0);
 * const node = { process: { platform: "win32", arch: "x64" } };
 * assertEquals(hostPlatform(node), { os: "windows", architecture: "amd64" });
 * ```
 */
export function hostPlatform(globals: object = globalThis): Platform {
  const scope: unknown = globals;
  const build = read(read(scope, "Deno"), "build");
  const denoOS = text(read(build, "os"));
  if (denoOS) {
    const arch = text(read(build, "arch")) ?? "amd64";
    return withVariant(denoOS, NODE_ARCH[arch] ?? arch);
  }
  const process = read(scope, "process");
  const platform = text(read(process, "platform"));
  if (platform) {
    const os = NODE_OS[platform] ?? platform;
    let arch = text(read(process, "arch")) ?? "amd64";
    // Node's ppc64 is little-endian on Linux, big-endian on AIX.
    if (arch === "ppc64" && os === "linux") arch = "ppc64le";
    const armVersion = read(read(read(process, "config"), "variables"), "arm_version");
    return withVariant(
      os,
      NODE_ARCH[arch] ?? arch,
      /^\d+$/.test(String(armVersion)) ? String(armVersion) : undefined,
    );
  }
  const navigator = read(scope, "navigator");
  if (navigator !== undefined) return fromUserAgent(navigator);
  return DEFAULT_PLATFORM;
}

/**
 * Reads the ARM version from a machine name as `uname -m` prints it, the way containerd does
 * (`getCPUVariantFromArch`): `aarch64` is `"8"`, `armv<N>...` is `"<N>"` for N from 3 to 8 and
 * `"unknown"` otherwise. Normalize the result with `normalizePlatform` (`arm` + `"7"` is `arm/v7`).
 *
 * @param machine The machine name, e.g. `armv7l`.
 * @returns The variant number as text, or `"unknown"`.
 * @throws {InvalidArgumentError} With reason `PLATFORM_INVALID` for a name that is neither
 * `aarch64` nor `armv<N>...`.
 *
 * @example
 * ```ts
 * import { cpuVariantFromArch } from "@ocistore/ocistore/runtime";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(cpuVariantFromArch("armv7l"), "7");
 * assertEquals(cpuVariantFromArch("aarch64"), "8");
 * assertThrows(() => cpuVariantFromArch("x86_64"));
 * ```
 */
export function cpuVariantFromArch(machine: string): string {
  const arch = machine.toLowerCase();
  if (arch === "aarch64") return "8";
  if (arch.startsWith("armv") && arch.length >= 5) {
    const version = arch[4];
    return "345678".includes(version) ? version : "unknown";
  }
  throw new InvalidArgumentError(
    `Cannot read a CPU variant from machine ${JSON.stringify(machine)}: ` +
      `expected "aarch64" or "armv" followed by a version`,
    { reason: "PLATFORM_INVALID" },
  );
}
