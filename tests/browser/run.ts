/**
 * The browser stage: the explorer and the library in Debian's chromium (playwright-core), plus the
 * core suite bundled and run inside a page. Ends with `browser: N passed, N failed`, counting the
 * in-page tests too. Usage: `deno run -A tests/browser/run.ts [substring-filter]`.
 */
import process from "node:process";
import { registeredTests } from "../harness.ts";
import { closeShared, extraCounts } from "./_context.ts";
import "./explorer_browser.ts";
import "./fs_views_browser.ts";
import "./big_layer_browser.ts";
import "./page_suite_browser.ts";
import "./bundle_browser.ts";
import "./registry_browser.ts";
import "./serve_browser.ts";
import "./reload_browser.ts";

const filter = process.argv.slice(2).find((a) => !a.startsWith("-")) ?? "";
let passed = 0;
let failed = 0;
try {
  for (const { name, fn } of registeredTests()) {
    if (filter && !name.includes(filter)) continue;
    const started = performance.now();
    try {
      await fn();
      passed++;
      console.log(`ok   ${name} (${Math.round(performance.now() - started)} ms)`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${name}`);
      console.log(String((error as Error)?.stack ?? error).replace(/^/gm, "     "));
    }
  }
} finally {
  await closeShared();
}
const extra = extraCounts();
console.log(`browser: ${passed + extra.passed} passed, ${failed + extra.failed} failed`);
process.exit(failed + extra.failed === 0 ? 0 : 1);
