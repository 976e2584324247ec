import { assertEquals, assertRejects } from "@std/assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { serveDir } from "./_static_server.ts";
import { httpFiles } from "../../src/adapters/oci_layout.ts";
import {
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  UnsupportedError,
} from "../../src/core/errors.ts";

function site(): string {
  const root = mkdtempSync(join(tmpdir(), "http-files-"));
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d/file.txt"), "0123456789");
  return root;
}

for (const ranges of [true, false]) {
  test(`httpFiles() reads files and ranges from a server that ${ranges ? "honours" : "ignores"} Range`, async () => {
    const server = await serveDir(site(), { ranges });
    try {
      const files = httpFiles(server.url.slice(0, -1));
      assertEquals(new TextDecoder().decode(await files.read("d/file.txt")), "0123456789");
      assertEquals(new TextDecoder().decode(await files.readRange("d/file.txt", 2, 3)), "234");
      assertEquals(new TextDecoder().decode(await files.readRange("d/file.txt", 8, 30)), "89");
      assertEquals((await files.readRange("d/file.txt", 50, 3)).length, 0);
      assertEquals((await files.readRange("d/file.txt", 0, 0)).length, 0);
      assertEquals(await files.stat("d/file.txt"), { isFile: true, isDirectory: false, size: 10 });
      await assertRejects(() => files.read("d/missing"), NotFoundError);
      await assertRejects(() => files.list("d"), UnsupportedError);
      await assertRejects(() => files.read("../etc/passwd"), InvalidArgumentError);
    } finally {
      await server.close();
    }
  });
}

test("httpFiles() maps server errors and network failures to UnavailableError", async () => {
  const failing = httpFiles("https://example.test/", {
    fetch: (() => Promise.resolve(new Response("boom", { status: 500 }))) as typeof fetch,
  });
  await assertRejects(() => failing.read("x"), UnavailableError, "500");
  const offline = httpFiles("https://example.test/", {
    fetch: (() => Promise.reject(new TypeError("network down"))) as typeof fetch,
  });
  await assertRejects(() => offline.read("x"), UnavailableError, "network down");
});
