import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { formatTable } from "../../src/cli/table.ts";

test("formatTable pads columns to the widest cell plus 3, at least 20, and leaves the last cell bare", () => {
  const text = formatTable([
    ["IMAGE", "TAG", "SIZE"],
    ["registry.example.com/a/very/long/name", "1.0", "1kB"],
  ]);
  assertEquals(
    text,
    "IMAGE                                   TAG                 SIZE\n" +
      "registry.example.com/a/very/long/name   1.0                 1kB\n",
  );
});

test("formatTable counts code points, as Go's tabwriter counts runes", () => {
  assertEquals(formatTable([["é", "x"]], { minWidth: 0, padding: 1 }), "é x\n");
});
