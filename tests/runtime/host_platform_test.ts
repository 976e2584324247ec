import { assertEquals, assertThrows } from "@std/assert";
import { arch, platform } from "node:os";
import { test, testEach } from "../harness.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";
import { cpuVariantFromArch, hostPlatform } from "../../src/runtime/host_platform.ts";
import { casesOf } from "../core/_platform_vectors.ts";

test("hostPlatform() reports this runtime's host as containerd's DefaultSpec would", () => {
  const os = ({ win32: "windows", sunos: "solaris" } as Record<string, string>)[platform()] ??
    platform();
  const cpu = ({ x64: "amd64", ia32: "386" } as Record<string, string>)[arch()] ?? arch();
  const host = hostPlatform();
  assertEquals([host.os, host.architecture], [os, cpu]);
  const [defaults] = casesOf("default", "HEAD");
  // The vectors were captured on a non-ARM host, where DefaultSpec has no variant.
  if (cpu !== "arm" && cpu !== "arm64") {
    assertEquals(host, { ...defaults.expect.DefaultSpec, os, architecture: cpu });
  }
});

const runtimeGlobals: [object, object][] = [
  [{ Deno: { build: { os: "darwin", arch: "aarch64" } } }, {
    os: "darwin",
    architecture: "arm64",
    variant: "v8",
  }],
  [{ Deno: { build: { os: "windows", arch: "x86_64" } }, process: { platform: "linux" } }, {
    os: "windows",
    architecture: "amd64",
  }],
  [{ process: { platform: "linux", arch: "ia32" } }, { os: "linux", architecture: "386" }],
  [{ process: { platform: "linux", arch: "ppc64" } }, { os: "linux", architecture: "ppc64le" }],
  [{ process: { platform: "aix", arch: "ppc64" } }, { os: "aix", architecture: "ppc64" }],
  [{ process: { platform: "sunos", arch: "x64" } }, { os: "solaris", architecture: "amd64" }],
  [{ process: { platform: "linux", arch: "arm", config: { variables: { arm_version: "6" } } } }, {
    os: "linux",
    architecture: "arm",
    variant: "v6",
  }],
  [{ process: { platform: "linux", arch: "arm" } }, {
    os: "linux",
    architecture: "arm",
    variant: "v7",
  }],
  [{}, { os: "linux", architecture: "amd64" }],
  [{ Deno: 1, process: null }, { os: "linux", architecture: "amd64" }],
];

testEach(
  "hostPlatform() maps Deno, Node and Bun names to OCI names:",
  runtimeGlobals,
  ([globals]) => JSON.stringify(globals),
  ([globals, expected]) => assertEquals(hostPlatform(globals), expected, JSON.stringify(globals)),
);

const agents: [string, object, string?][] = [
  [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    { os: "windows", architecture: "amd64" },
  ],
  [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15",
    { os: "darwin", architecture: "amd64" },
  ],
  ["Mozilla/5.0 (X11; Linux aarch64; rv:128.0) Gecko/20100101 Firefox/128.0", {
    os: "linux",
    architecture: "arm64",
    variant: "v8",
  }],
  ["Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 Chrome/126.0", {
    os: "linux",
    architecture: "arm",
    variant: "v7",
  }],
  ["Mozilla/5.0 (X11; Linux i686; rv:128.0) Gecko/20100101 Firefox/128.0", {
    os: "linux",
    architecture: "386",
  }],
  ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0", {
    os: "linux",
    architecture: "amd64",
  }],
  ["Mozilla/5.0 Chrome/126.0", { os: "windows", architecture: "amd64" }, "Windows"],
];

testEach(
  "hostPlatform() reads a browser's user agent as a best effort:",
  agents,
  ([userAgent, , hint]) => JSON.stringify(hint ? `${userAgent} + ${hint}` : userAgent),
  ([userAgent, expected, hint]) => {
    const navigator = { userAgent, ...(hint ? { userAgentData: { platform: hint } } : {}) };
    assertEquals(hostPlatform({ navigator }), expected, userAgent);
  },
);

for (const version of ["HEAD", "9e819fb4a8"]) {
  testEach(
    `cpuVariantFromArch() ${version} TestGetCPUVariantFromArch`,
    casesOf("cpuVariantFromArch", version),
    (c) => c.name ?? JSON.stringify(c.input),
    (c) => {
      if (c.expect.error) {
        const error = assertThrows(() => cpuVariantFromArch(c.input), InvalidArgumentError);
        assertEquals(error.reason, "PLATFORM_INVALID");
      } else {
        assertEquals(cpuVariantFromArch(c.input), c.expect.variant, c.name);
      }
    },
  );
}

test("cpuVariantFromArch() rejects an empty architecture and a bare arm", () => {
  assertThrows(() => cpuVariantFromArch(""), InvalidArgumentError);
  assertThrows(() => cpuVariantFromArch("arm"), InvalidArgumentError);
});
