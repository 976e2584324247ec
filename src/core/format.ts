/** Formatting shared by the CLI and the explorer: sizes as crictl prints them (go-units `HumanSizeWithPrecision`: decimal units, Go's `%.*g`) and short IDs. */

const _UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"] as const;

/**
 * Formats a byte count the way crictl's SIZE column does (go-units
 * `HumanSizeWithPrecision(size, 3)`): divide by 1000 while at least 1000, then print with Go's
 * `%.3g`, which rounds half to even on the exact binary value and switches to exponent form when
 * rounding reaches 1000 (`999.5 kB` prints `1e+03kB`, as crictl does).
 *
 * @param size The size in bytes (a non-negative finite number).
 * @param precision Significant digits (default 3).
 * @returns The text, e.g. `12.5MB`.
 * @throws {TypeError} When `size` is not a non-negative finite number.
 * @example
 * ```ts
 * import { humanSize } from "./format.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(humanSize(0), "0B");
 * assertEquals(humanSize(2_957_234), "2.96MB");
 * assertEquals(humanSize(1125), "1.12kB"); // half to even, as Go rounds
 * assertEquals(humanSize(999_500), "1e+03kB");
 * ```
 */
export function humanSize(size: number, precision = 3): string {
  if (typeof size !== "number" || !Number.isFinite(size) || size < 0) {
    throw new TypeError(`Cannot format size: expected a non-negative number, found ${size}`);
  }
  let value = size;
  let unit = 0;
  while (value >= 1000 && unit < _UNITS.length - 1) {
    value = value / 1000;
    unit++;
  }
  return formatGoG(value, precision) + _UNITS[unit];
}

/** Go's `fmt.Sprintf("%.*g", precision, value)` for a non-negative finite value. */
function formatGoG(value: number, precision: number): string {
  if (value === 0) return "0";
  // toPrecision(100) is the exact decimal expansion of any double of this magnitude.
  const [mantissa, exponentText] = value.toPrecision(100).split("e");
  let digits = mantissa.replace(".", "");
  let point = exponentText === undefined ? mantissa.indexOf(".") : 1 + Number(exponentText);
  if (point < 0) point = digits.length;
  const lead = digits.search(/[1-9]/);
  digits = digits.slice(lead);
  point -= lead;
  // Round to `precision` significant digits, half to even (Go's strconv decimal rounding).
  const kept = digits.slice(0, precision).split("").map(Number);
  const rest = digits.slice(precision);
  const half = rest.length > 0 && rest[0] === "5" && /^5?0*$/.test(rest);
  const up = rest.length > 0 &&
    (rest[0] > "5" || (rest[0] === "5" && (!half || kept[kept.length - 1] % 2 === 1)));
  if (up) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === 9) kept[i--] = 0;
    if (i < 0) {
      kept.unshift(1);
      kept.pop();
      point++;
    } else kept[i]++;
  }
  let text = kept.join("").replace(/0+$/, "");
  if (text === "") text = "0";
  const exponent = point - 1;
  if (exponent < -4 || exponent >= precision) {
    const fraction = text.slice(1);
    const sign = exponent < 0 ? "-" : "+";
    const magnitude = String(Math.abs(exponent)).padStart(2, "0");
    return `${text[0]}${fraction ? "." + fraction : ""}e${sign}${magnitude}`;
  }
  if (point <= 0) return `0.${"0".repeat(-point)}${text}`;
  if (text.length <= point) return text + "0".repeat(point - text.length);
  return `${text.slice(0, point)}.${text.slice(point)}`;
}

/**
 * An image or chain ID as crictl's and docker's tables show it: the hex digest's first 13 characters.
 *
 * @param id A digest (`sha256:…`).
 * @returns The short ID.
 * @example
 * ```ts
 * import { shortId } from "./format.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(shortId("sha256:0123456789abcdef0123"), "0123456789abc");
 * ```
 */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 13);
}
