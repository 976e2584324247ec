import { assertEquals, assertThrows } from "@std/assert";
import { test } from "../harness.ts";
import { parseArgs, UsageError } from "../../src/cli/args.ts";

test("parseArgs takes flags anywhere, attached values and combined short flags", () => {
  const parsed = parseArgs(["--platform=linux/arm64", "images", "-qojson", "src", "--no-trunc"]);
  assertEquals(parsed.command, "images");
  assertEquals(parsed.operands, ["src"]);
  assertEquals(parsed.options.platform, "linux/arm64");
  assertEquals([parsed.options.quiet, parsed.options.output, parsed.options.noTrunc], [
    true,
    "json",
    true,
  ]);
  assertEquals(parsed.given, ["platform", "quiet", "output", "no-trunc"]);
});

test("parseArgs treats everything after -- as operands", () => {
  assertEquals(parseArgs(["images", "--", "-weird-dir"]).operands, ["-weird-dir"]);
});

test("parseArgs refuses unknown flags, missing values, bad formats and repeats", () => {
  assertThrows(() => parseArgs(["--nope"]), UsageError, '"--nope"');
  assertThrows(() => parseArgs(["-x"]), UsageError, '"-x"');
  assertThrows(() => parseArgs(["--platform"]), UsageError, "needs a value");
  assertThrows(() => parseArgs(["-o", "yaml"]), UsageError, '"yaml"');
  assertThrows(() => parseArgs(["-q", "--quiet"]), UsageError, "more than once");
  assertThrows(() => parseArgs(["--quiet=1"]), UsageError, "takes no value");
  assertThrows(() => parseArgs(["--base-name="]), UsageError, "needs a value");
});
