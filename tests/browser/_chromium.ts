/** Debian's chromium driven by playwright-core, as ../shared/REALTOOLS.md describes (no downloaded browser). */
import { type Browser, chromium } from "playwright-core";

/** The flags a root, headless, container-friendly chromium needs. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** Launches /usr/bin/chromium headless. */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({ executablePath: "/usr/bin/chromium", args: [...CHROMIUM_ARGS] });
}
