/** `ocistore efficiency SOURCE IMAGE [--ci] [--ci-config FILE]`: dive's wasted-space figures. */
import { readFile } from "node:fs/promises";
import { imageEfficiency } from "../../core/image_efficiency.ts";
import { humanSize } from "../../core/format.ts";
import { SOURCE_FLAGS, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { evaluateDiveRules, parseDiveRules, type RuleResult } from "../dive_ci.ts";
import { openImage } from "./_image_layers.ts";

/** How many inefficient files the table shows. */
const _SHOWN = 20;

/**
 * Measures IMAGE as dive does (efficiency, wasted bytes, user-wasted percent, the files stored
 * more than once) plus the bytes a squash would reclaim, which unlike dive's wasted bytes leave
 * out the copy that survives. With `--ci`, judges it by the `.dive-ci` rules (`--ci-config FILE`,
 * else `./.dive-ci` when present, else dive's defaults) and exits 1 when one fails.
 *
 * @param ctx The command context; operands SOURCE and IMAGE.
 * @returns 0, or 1 when a CI rule fails.
 * @throws {UsageError} For `--ci-config` without `--ci`, or a rules file that cannot be read.
 * @throws {NotFoundError} When IMAGE matches nothing.
 */
async function _run(ctx: CommandContext): Promise<number> {
  if (ctx.options.ciConfig !== undefined && !ctx.options.ci) {
    throw new UsageError("--ci-config is only read with --ci", "efficiency");
  }
  const rules = ctx.options.ci
    ? parseDiveRules(...await _rulesFile(ctx.options.ciConfig))
    : undefined;
  const [sourceText, wanted] = ctx.operands;
  const opened = await ctx.open(sourceText);
  const image = await openImage(ctx, opened, wanted);
  ctx.progress("reading layers");
  const result = await imageEfficiency(
    image.manifest.layers.map((_, i) => image.layers.entries(i)),
  );
  ctx.progress(undefined);
  const verdicts = rules ? evaluateDiveRules(result, rules) : undefined;
  const failed = verdicts?.some((v) => v.status === "fail") ?? false;
  if (ctx.options.output === "json") {
    const document = {
      efficiency: result.efficiency,
      wastedBytes: result.wastedBytes,
      userWastedPercent: Number.isFinite(result.userWastedPercent)
        ? result.userWastedPercent
        : null,
      reclaimableBytes: result.reclaimableBytes,
      inefficientFiles: result.inefficientFiles,
      ...(verdicts ? { ci: { pass: !failed, rules: verdicts } } : {}),
    };
    ctx.io.stdout(JSON.stringify(document, null, 2) + "\n");
    return failed ? 1 : 0;
  }
  const percent = (ratio: number) => `${(ratio * 100).toFixed(4)} %`;
  const lines = [
    `efficiency: ${percent(result.efficiency)}`,
    `wastedBytes: ${result.wastedBytes} bytes (${humanSize(result.wastedBytes)})`,
    `userWastedPercent: ${percent(result.userWastedPercent)}`,
    `reclaimableBytes: ${result.reclaimableBytes} bytes (${humanSize(result.reclaimableBytes)})`,
  ];
  if (result.inefficientFiles.length > 0) {
    lines.push("", `${"Count".padStart(5)}   ${"Wasted".padStart(10)}   Path`);
    for (const file of result.inefficientFiles.slice(0, _SHOWN)) {
      lines.push(
        `${String(file.count).padStart(5)}   ${
          humanSize(file.wastedBytes).padStart(10)
        }   ${file.path}`,
      );
    }
    const more = result.inefficientFiles.length - _SHOWN;
    if (more > 0) lines.push(`(${more} more; -o json lists them all)`);
  }
  if (verdicts) {
    lines.push("", ...verdicts.map(_verdictLine), failed ? "Result: FAIL" : "Result: PASS");
  }
  ctx.io.stdout(lines.map((line) => `${line}\n`).join(""));
  return failed ? 1 : 0;
}

function _verdictLine(verdict: RuleResult): string {
  if (verdict.status === "disabled") return `  SKIP: ${verdict.rule}: rule disabled`;
  if (verdict.status === "pass") return `  PASS: ${verdict.rule}`;
  return `  FAIL: ${verdict.rule}: ${verdict.message}`;
}

/** The rules file's text and name: FILE, else `./.dive-ci` when present, else none. */
async function _rulesFile(file: string | undefined): Promise<[string | undefined, string]> {
  if (file !== undefined) {
    try {
      return [await readFile(file, "utf8"), file];
    } catch (error) {
      throw new UsageError(
        `cannot read --ci-config "${file}": ${(error as Error).message}`,
        "efficiency",
      );
    }
  }
  try {
    return [await readFile(".dive-ci", "utf8"), ".dive-ci"];
  } catch {
    return [undefined, "dive's defaults"];
  }
}

/** `ocistore efficiency SOURCE IMAGE`. */
export const efficiency: Command = {
  name: "efficiency",
  usage: "SOURCE IMAGE",
  summary: "wasted space as dive measures it, and what squashing would reclaim (--ci: judge it)",
  help: `Measure IMAGE as dive does: efficiency (each path's smallest size over all sizes stored),
wasted bytes (every copy of a path stored more than once, the surviving one included),
userWastedPercent (wasted bytes over the layers above the base) and the files that waste most;
beside them reclaimableBytes, the bytes the layers store that the merged filesystem does not
show. With --ci, judge it by the .dive-ci rules lowestEfficiency, highestWastedBytes and
highestUserWastedPercent (camel, kebab or snake case; 'disabled' turns one off) from
--ci-config FILE, else ./.dive-ci, else dive's defaults (0.9, disabled, 0.1); exit code 1 when
one fails. -o json prints {"efficiency","wastedBytes","userWastedPercent","reclaimableBytes",
"inefficientFiles":[{"path","count","wastedBytes"}]} (and "ci" with --ci).`,
  flags: ["ci", "ciConfig", "output", ...SOURCE_FLAGS],
  run: _run,
};
