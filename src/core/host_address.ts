/** Host and address rules: which names and IP addresses are loopback, private or metadata. */

/**
 * Whether `host` (a hostname as `URL` prints it, with an optional `:port`) is a loopback name
 * or address: `localhost`, `127.0.0.0/8` or `[::1]`.
 *
 * @example
 * ```ts
 * import { isLoopbackHost } from "./host_address.ts";
 * console.assert(isLoopbackHost("127.0.0.1:5000") && !isLoopbackHost("ghcr.io"));
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith("[")
    ? host.slice(0, host.indexOf("]") + 1)
    : host.replace(/:\d+$/, "");
  return name === "localhost" || name === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function _ipv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return undefined;
  }
  return parts.map(Number);
}

/** The 16 bytes of an IPv6 address, or undefined when `text` is not one. */
function _ipv6(text: string): number[] | undefined {
  let address = text.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!address.includes(":")) return undefined;
  const v4 = address.match(/:(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    // The dotted tail (`::ffff:10.0.0.1`) is two more 16-bit words.
    const bytes = _ipv4(v4[1]);
    if (!bytes) return undefined;
    const hex = (hi: number, lo: number) => (hi << 8 | lo).toString(16);
    address = address.slice(0, -v4[1].length) + hex(bytes[0], bytes[1]) + ":" +
      hex(bytes[2], bytes[3]);
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === "" ? [] : s.split(":"));
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  const words = [...head, ...rest].map((w) => (/^[0-9a-f]{1,4}$/i.test(w) ? parseInt(w, 16) : NaN));
  if (words.some(Number.isNaN)) return undefined;
  const missing = 8 - words.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [
    ...words.slice(0, head.length),
    ...Array(halves.length === 2 ? missing : 0).fill(0),
    ...words.slice(head.length),
  ];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

function _privateIpv4([a, b]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 || a >= 224 || // this network, private, loopback, multicast
    (a === 100 && b >= 64 && b < 128) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, where cloud metadata (169.254.169.254) lives
    (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) ||
    (a === 192 && b === 0) || (a === 198 && (b === 18 || b === 19)); // IETF and benchmarking
}

/**
 * Whether `address` (an IPv4 or IPv6 literal, brackets allowed) is one a proxy must not reach on
 * a stranger's behalf: unspecified, loopback, private, carrier-grade NAT, link-local (which holds
 * the cloud metadata address 169.254.169.254), unique-local IPv6 (which holds `fd00:ec2::254`),
 * multicast, or IPv4 such one mapped into IPv6. Text that is no address counts as private too,
 * so a caller cannot be talked past the rule by a spelling it does not parse.
 *
 * @example
 * ```ts
 * import { isPrivateAddress } from "./host_address.ts";
 * console.assert(isPrivateAddress("169.254.169.254") && isPrivateAddress("[::ffff:10.0.0.1]"));
 * console.assert(!isPrivateAddress("140.82.112.34"));
 * ```
 */
export function isPrivateAddress(address: string): boolean {
  const v4 = _ipv4(address);
  if (v4) return _privateIpv4(v4);
  const v6 = _ipv6(address);
  if (!v6) return true;
  const isZero = (from: number, to: number) => v6.slice(from, to).every((b) => b === 0);
  if (isZero(0, 10) && v6[10] === 0xff && v6[11] === 0xff) return _privateIpv4(v6.slice(12));
  if (isZero(0, 15) && (v6[15] === 0 || v6[15] === 1)) return true; // :: and ::1
  return (v6[0] & 0xfe) === 0xfc || // fc00::/7 unique local
    (v6[0] === 0xfe && (v6[1] & 0xc0) === 0x80) || // fe80::/10 link-local
    v6[0] === 0xff || // multicast
    (v6[0] === 0x20 && v6[1] === 0x02 && _privateIpv4(v6.slice(2, 6))); // 6to4 of a private v4
}

/**
 * Whether `hostname` is an IP literal (so it needs no resolving, and its address is itself).
 *
 * @example
 * ```ts
 * import { isAddressLiteral } from "./host_address.ts";
 * console.assert(isAddressLiteral("[::1]") && !isAddressLiteral("quay.io"));
 * ```
 */
export function isAddressLiteral(hostname: string): boolean {
  return _ipv4(hostname) !== undefined || _ipv6(hostname) !== undefined;
}
