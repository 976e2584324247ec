// What the README says of reloads (issue 27 §7): a layout or registry view lives in the URL and a
// reload reopens it (explorer_browser.ts shows it for a layer's files); an archive file does not
// survive a reload, and the page says so and asks for the file again, instead of showing nothing.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { freshPage, root, sharedExplorer, viewReady } from "./_context.ts";

test("explorer: after a reload an archive is not reopened; the page says a file cannot be kept and asks for it again", async () => {
  const server = await sharedExplorer();
  const work = mkdtempSync(join(tmpdir(), "explorer-reload-"));
  const { context, page } = await freshPage();
  try {
    const archive = join(work, "layout.tar");
    const tar = spawnSync("tar", ["-C", join(root, "examples/layout"), "-cf", archive, "."]);
    assertEquals(tar.status, 0, String(tar.stderr));
    await page.goto(server.url);
    await viewReady(page);
    await page.setInputFiles("#archive-file", archive);
    await page.waitForSelector("#store tbody tr");
    await viewReady(page);
    const opened = page.url();
    assertStringIncludes(opened, "archive=layout.tar");
    await page.reload();
    await viewReady(page);
    assertEquals(page.url(), opened, "the URL still names the archive");
    assertEquals(await page.locator("#store tbody tr").count(), 0);
    assertStringIncludes(
      (await page.textContent("#status")) ?? "",
      'Cannot reopen archive "layout.tar": a page cannot keep a file across reloads; choose or drop it again',
    );
  } finally {
    await context.close();
    rmSync(work, { recursive: true, force: true });
  }
});
