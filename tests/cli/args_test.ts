import { assert, assertEquals, assertThrows } from "@std/assert";
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

test("the flag table drives each command's help and which flags it accepts", async () => {
  const { FLAGS } = await import("../../src/cli/args.ts");
  const { loadCommands } = await import("../../src/cli/commands/mod.ts");
  const { main } = await import("../../src/cli/main.ts");
  const silent = { stdout: () => {}, stderr: () => {} };
  const commands = await loadCommands();
  assert(commands.length >= 5);
  for (const command of commands) {
    let help = "";
    await main([command.name, "--help"], { ...silent, stdout: (t) => void (help += t) });
    assert(help.startsWith(`Usage: ocistore ${command.name} ${command.usage} [FLAGS]\n`), help);
    for (const [name, flag] of Object.entries(FLAGS)) {
      if (flag.scope === "global") continue;
      const accepted = flag.scope === "common" ||
        (command.flags as readonly string[]).includes(name);
      const listed = new RegExp(`^ {2}(-\\w, )?--${flag.long}\\b`, "m").test(help);
      assertEquals(listed, accepted, `${command.name} --${flag.long}`);
      let err = "";
      await main([command.name, `--${flag.long}`, ...(flag.type === "string" ? ["x"] : [])], {
        ...silent,
        stderr: (t) => void (err += t),
      });
      assertEquals(
        err.includes(`${command.name} does not take --${flag.long}`),
        !accepted,
        `${command.name} --${flag.long}: ${err}`,
      );
    }
  }
});

test("each entry of the lazy command table loads the command of its name, once each", async () => {
  const { COMMANDS } = await import("../../src/cli/commands/mod.ts");
  const names = COMMANDS.map((entry) => entry.name);
  assertEquals(new Set(names).size, names.length);
  for (const entry of COMMANDS) assertEquals((await entry.load()).name, entry.name);
});
