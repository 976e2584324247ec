import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
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
  const { commandFlags } = await import("../../src/cli/usage.ts");
  const { main } = await import("../../src/cli/main.ts");
  const silent = { stdout: () => {}, stderr: () => {} };
  const commands = await loadCommands();
  assert(commands.length >= 5);
  for (const command of commands) {
    let help = "";
    await main([command.name, "--help"], { ...silent, stdout: (t) => void (help += t) });
    assert(help.startsWith(`Usage: ocistore ${command.name} ${command.usage} [FLAGS]\n`), help);
    const taken = new Map(commandFlags(command).map((flag) => [flag.name as string, flag]));
    for (const [name, flag] of Object.entries(FLAGS)) {
      if (flag.scope === "global") continue;
      const accepted = taken.has(name);
      const line = new RegExp(`^ {2}(-\\w, )?--${flag.long}\\b.*$`, "m").exec(help)?.[0];
      assertEquals(line !== undefined, accepted, `${command.name} --${flag.long}`);
      // The line is this command's: its own help and default, no other command's words.
      const own = taken.get(name);
      if (own) {
        assert(line!.endsWith(own.help + (own.default ? ` (default: ${own.default})` : "")), line);
        for (const other of commands) {
          if (other !== command) assert(!line!.includes(`(${other.name})`), line);
          if (other !== command) assert(!line!.includes(`for ${other.name}`), line);
        }
      }
      let err = "";
      const value = "choices" in flag ? flag.choices[0] : "0";
      await main([command.name, `--${flag.long}`, ...(flag.type === "string" ? [value] : [])], {
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

test("only --help and --debug are every command's; tags takes the registry's flags, not a layout's", async () => {
  const { COMMON_FLAGS } = await import("../../src/cli/usage.ts");
  const { main } = await import("../../src/cli/main.ts");
  assertEquals([...COMMON_FLAGS].sort(), ["debug", "help"]);
  let help = "";
  await main(["tags", "--help"], { stdout: (t) => void (help += t), stderr: () => {} });
  for (const flag of ["--platform", "--base-name", "--digest-refs", "--cache-dir", "image IDs"]) {
    assert(!help.includes(flag), `tags --help lists ${flag}:\n${help}`);
  }
  for (const flag of ["--plain-http", "--creds", "--authfile", "-o, --output"]) {
    assert(help.includes(flag), `tags --help lacks ${flag}:\n${help}`);
  }
});

test("each command's -o default is the one its help states, inspect's json and images' table", async () => {
  const { loadCommands } = await import("../../src/cli/commands/mod.ts");
  const { main } = await import("../../src/cli/main.ts");
  for (const command of await loadCommands()) {
    let help = "";
    await main([command.name, "--help"], { stdout: (t) => void (help += t), stderr: () => {} });
    const stated = /^ {2}-o, --output FMT .*\(default: (\w+)\)$/m.exec(help)?.[1];
    if (command.name === "inspect") assertEquals(stated, "json");
    else if (stated !== undefined) assertEquals(stated, "table", command.name);
  }
  const run = async (argv: string[]) => {
    let out = "";
    const code = await main(argv, { stdout: (t) => void (out += t), stderr: () => {} });
    assertEquals(code, 0, argv.join(" "));
    return out;
  };
  const image = (await run(["images", "-q"])).split("\n")[0];
  assertEquals(JSON.parse(await run(["inspect", "examples/layout", image])).status.id, image);
  assert((await run(["images"])).startsWith("IMAGE"));
});

test("usage mistakes are found before any SOURCE is opened, for every command", async () => {
  const { loadCommands } = await import("../../src/cli/commands/mod.ts");
  const { main } = await import("../../src/cli/main.ts");
  // Opened, this SOURCE would fail with "Cannot open …", not with the usage line.
  const missing = "/nonexistent/ocistore-usage-test";
  const line = async (argv: string[]) => {
    let err = "";
    const code = await main(argv, { stdout: () => {}, stderr: (t) => void (err += t) });
    return { code, err };
  };
  for (const command of await loadCommands()) {
    const words = command.usage.split(/\s+/).filter(Boolean);
    const required = words.filter((word) => !word.startsWith("[")).length;
    const counts = [words.length + 1, ...(required > 0 ? [required - 1] : [])];
    for (const count of counts) {
      const { code, err } = await line([command.name, ...Array(count).fill(missing)]);
      assertEquals(code, 2, command.name);
      assertEquals(
        err,
        `ocistore: ${command.name} takes ${command.usage || "no operands"}, found ${count} operand${
          count === 1 ? "" : "s"
        } (see 'ocistore ${command.name} --help')\n`,
      );
    }
  }
  // A flag value refused while parsing points at the help of the command, wherever the flag stands.
  for (
    const argv of [["files", missing, "app", "--layer", "top"], ["--layer=top", "files", missing]]
  ) {
    const layer = await line(argv);
    assertEquals(layer.code, 2);
    assertEquals(
      layer.err,
      `ocistore: invalid --layer "top": expected a whole number (0, 1, …) (see 'ocistore files --help')\n`,
    );
  }
  const choice = await line(["tags", missing, "-o", "yaml"]);
  assertEquals(
    choice.err,
    `ocistore: cannot use output format "yaml": expected "table" or "json" (see 'ocistore tags --help')\n`,
  );
  // No command, or a first operand that is no command: the overview's help.
  for (const argv of [["--layer", "top"], ["frobnicate", "--layer", "top"], ["help", "--nope"]]) {
    assertStringIncludes((await line(argv)).err, "(see 'ocistore --help')\n", argv.join(" "));
  }
});

test("each entry of the lazy command table loads the command of its name, once each", async () => {
  const { COMMANDS } = await import("../../src/cli/commands/mod.ts");
  const names = COMMANDS.map((entry) => entry.name);
  assertEquals(new Set(names).size, names.length);
  for (const entry of COMMANDS) assertEquals((await entry.load()).name, entry.name);
});
