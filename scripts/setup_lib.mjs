// Installs what the project needs on a bare machine with only Node.js and npm: the npm packages
// (Deno and Bun come from the npm registry) and, when running as root, Debian's real tools.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Debian packages the tests drive for real, and a command each one provides. */
const debianPackages = {
  skopeo: "skopeo",
  umoci: "umoci",
  containerd: "containerd",
  runc: "runc",
  "busybox-static": "busybox",
  tar: "tar",
  chromium: "chromium",
  zstd: "zstd",
  "docker-registry": "docker-registry",
  "apache2-utils": "htpasswd",
  openssl: "openssl",
};

function has(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Installs npm packages (if missing) and Debian packages (if missing and we are root). */
export function ensureSetup(root) {
  if (
    !existsSync(join(root, "node_modules/.bin/deno")) ||
    !existsSync(join(root, "node_modules/.bin/bun"))
  ) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  }
  const missing = Object.entries(debianPackages).filter(([, command]) => !has(command)).map((
    [pkg],
  ) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`warning: not root, cannot install Debian packages: ${missing.join(" ")}`);
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", ...missing], { stdio: "inherit", env });
}
