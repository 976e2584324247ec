/** dive's CI rules (`.dive-ci`): reading the file and judging an image's efficiency by them. */
import type { Efficiency } from "../core/image_efficiency.ts";
import { UsageError } from "./args.ts";

/** The three rules as configured: a threshold, or `undefined` when disabled. */
export interface DiveRules {
  /** Fail when the efficiency is below this (0 to 1). */
  readonly lowestEfficiency?: number;
  /** Fail when more bytes than this are wasted. */
  readonly highestWastedBytes?: number;
  /** Fail when the user-wasted ratio is above this (0 to 1). */
  readonly highestUserWastedPercent?: number;
}

/** One rule's verdict. */
export interface RuleResult {
  /** The rule's name, as dive spells it. */
  readonly rule: keyof DiveRules;
  /** `pass`, `fail` or `disabled`. */
  readonly status: "pass" | "fail" | "disabled";
  /** Why it failed. */
  readonly message?: string;
}

/** dive's defaults (`DefaultCIRules`). */
const _DEFAULTS = {
  lowestEfficiency: "0.9",
  highestWastedBytes: "disabled",
  highestUserWastedPercent: "0.1",
};

const _NAMES: Record<string, keyof DiveRules> = {};
for (const name of Object.keys(_DEFAULTS) as (keyof DiveRules)[]) {
  const words = name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`).split(" ");
  _NAMES[name.toLowerCase()] = name;
  _NAMES[words.join("-")] = name;
  _NAMES[words.join("_")] = name;
}

/** humanize.ParseBytes's units, which dive reads `highestWastedBytes` with. */
const _UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * Reads a `.dive-ci` file: the `rules:` mapping with dive's keys in camel case
 * (`lowestEfficiency`), kebab or snake case (`lowest-efficiency`, `lowest_efficiency`); a rule left
 * out keeps dive's default (0.9, disabled, 0.1), and `disabled`, `off`, `false` or an empty value
 * turns one off. Only this flat shape of YAML is read.
 *
 * @param text The file's text; `undefined` for dive's defaults.
 * @param label The file's name, for errors.
 * @returns The rules.
 * @throws {UsageError} For an unknown rule, or a value out of range or unreadable.
 * @example
 * ```ts
 * import { parseDiveRules } from "./dive_ci.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const rules = parseDiveRules("rules:\n  lowest-efficiency: 0.95\n  highestWastedBytes: 20MB\n", ".dive-ci");
 * assertEquals(rules, { lowestEfficiency: 0.95, highestWastedBytes: 20e6, highestUserWastedPercent: 0.1 });
 * ```
 */
export function parseDiveRules(text: string | undefined, label = ".dive-ci"): DiveRules {
  const values: Record<keyof DiveRules, string> = { ..._DEFAULTS };
  let inRules = false;
  for (const raw of (text ?? "").split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "").replace(/^#.*$/, "");
    if (line.trim() === "" || line.trim() === "---") continue;
    const match = /^(\s*)([^:\s][^:]*?)\s*:\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, indent, key, value] = match;
    if (indent === "") {
      inRules = key === "rules";
      continue;
    }
    if (!inRules) continue;
    const name = _NAMES[key] ?? _NAMES[key.toLowerCase()];
    // dive ignores plugin rules (`plugin1/rule1`) and others it does not know; so does this.
    if (name === undefined) continue;
    values[name] = value.trim().replace(/^(['"])(.*)\1$/, "$2");
  }
  const rules: { -readonly [K in keyof DiveRules]: number } = {};
  for (const name of Object.keys(values) as (keyof DiveRules)[]) {
    const value = values[name];
    if (["", "disabled", "off", "false"].includes(value.trim().toLowerCase())) continue;
    rules[name] = name === "highestWastedBytes" ? _bytes(value, label) : _ratio(name, value, label);
  }
  return rules;
}

function _ratio(name: string, value: string, label: string): number {
  const number = Number(value);
  if (value.trim() === "" || !(number >= 0 && number <= 1)) {
    throw new UsageError(
      `invalid ${name} in ${label}: expected a ratio from 0 to 1, found "${value}"`,
    );
  }
  return number;
}

function _bytes(value: string, label: string): number {
  const match = /^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = match ? _UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(
      `invalid highestWastedBytes in ${label}: expected bytes such as 20MB or 1GiB, found "${value}"`,
    );
  }
  return Math.floor(Number(match[1]) * unit);
}

/**
 * Judges an image as `dive --ci` does: efficiency below `lowestEfficiency`, wasted bytes above
 * `highestWastedBytes`, or user-wasted ratio above `highestUserWastedPercent` fails (a NaN ratio,
 * dive's 0/0 for one layer, passes as it does in Go).
 *
 * @param result The image's efficiency.
 * @param rules The rules.
 * @returns One verdict per rule, in dive's order.
 * @example
 * ```ts
 * import { evaluateDiveRules } from "./dive_ci.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const result = { efficiency: 0.5, wastedBytes: 10, userWastedPercent: 0.01, reclaimableBytes: 5, sizeBytes: 20, userSizeBytes: 10, inefficientFiles: [] };
 * const verdicts = evaluateDiveRules(result, { lowestEfficiency: 0.9 });
 * assertEquals(verdicts.map((v) => v.status), ["fail", "disabled", "disabled"]);
 * ```
 */
export function evaluateDiveRules(result: Efficiency, rules: DiveRules): RuleResult[] {
  const verdict = (rule: keyof DiveRules, failed: boolean, message: string): RuleResult =>
    rules[rule] === undefined
      ? { rule, status: "disabled" }
      : failed
      ? { rule, status: "fail", message }
      : { rule, status: "pass" };
  const { lowestEfficiency, highestWastedBytes, highestUserWastedPercent } = rules;
  return [
    verdict(
      "lowestEfficiency",
      lowestEfficiency !== undefined && lowestEfficiency > result.efficiency,
      `image efficiency is too low (efficiency=${
        result.efficiency.toFixed(2)
      } < threshold=${lowestEfficiency})`,
    ),
    verdict(
      "highestWastedBytes",
      highestWastedBytes !== undefined && result.wastedBytes > highestWastedBytes,
      `too many bytes wasted (wasted-bytes=${result.wastedBytes} > threshold=${highestWastedBytes})`,
    ),
    verdict(
      "highestUserWastedPercent",
      highestUserWastedPercent !== undefined && result.userWastedPercent > highestUserWastedPercent,
      `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${
        result.userWastedPercent.toFixed(2)
      } > threshold=${highestUserWastedPercent})`,
    ),
  ];
}
