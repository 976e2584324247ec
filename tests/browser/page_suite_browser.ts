// The core test suite (and the in-page tests of the IndexedDB cache and the tar reader), bundled
// and run inside chromium; their counts join the stage's summary.
import { assert, assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { addCounts, freshPage, sharedExplorer } from "./_context.ts";
import { buildPageSuite, pageSuiteFiles } from "./_page_suite.ts";

test("page suite: the core tests, the IndexedDB cache tests and the tar reader tests pass in chromium", async () => {
  const [bundle, server] = await Promise.all([buildPageSuite(), sharedExplorer()]);
  const { context, page } = await freshPage();
  try {
    const base = `${server.url}suite/`;
    await page.route(`${base}**`, (route) => {
      const js = route.request().url().endsWith(".js");
      return route.fulfill({
        contentType: js ? "text/javascript" : "text/html",
        body: js ? bundle : '<!doctype html><script type="module" src="suite.js"></script>',
      });
    });
    await page.goto(base);
    await page.waitForFunction(() => "__suite" in globalThis, undefined, { timeout: 120_000 });
    const suite = await page.evaluate(() =>
      (globalThis as unknown as { __suite: { passed: number; failed: number; failures: string[] } })
        .__suite
    );
    console.log(
      `     in page: ${suite.passed} passed, ${suite.failed} failed (${pageSuiteFiles().length} files)`,
    );
    for (const failure of suite.failures) {
      console.log(`     FAIL (page) ${failure.replace(/\n/g, "\n       ")}`);
    }
    addCounts(suite.passed, suite.failed);
    assert(suite.passed > 100, `expected the whole core suite, found ${suite.passed} tests`);
    assertEquals(suite.failures, []);
  } finally {
    await context.close();
  }
});
