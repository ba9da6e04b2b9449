/**
 * IP addresses and CIDR ranges as numbers, for the guarded fetcher's address
 * policy (address-policy.ts) and the `--probe-allow` / `--probe-deny` settings.
 * IPv4 addresses are 32-bit, IPv6 128-bit; an IPv4-mapped IPv6 address
 * (`::ffff:10.0.0.1`) is the IPv4 address inside it, so a range written for
 * IPv4 cannot be bypassed by writing the address the other way.
 */
import { isIPv4, isIPv6 } from "node:net";

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export interface Cidr {
  family: 4 | 6;
  /** The range's first address (host bits cleared). */
  base: bigint;
  prefix: number;
  /** As written, for messages. */
  text: string;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseV4(text: string): bigint {
  return text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(text: string): bigint {
  let head = text;
  let tail: bigint[] = [];
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) is two 16-bit groups.
  const lastColon = head.lastIndexOf(":");
  if (head.includes(".")) {
    const v4 = parseV4(head.slice(lastColon + 1));
    head = head.slice(0, lastColon + 1) + "0:0";
    tail = [v4 >> 16n, v4 & 0xffffn];
  }
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => BigInt(parseInt(g, 16))));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = right === undefined ? l : [...l, ...Array<bigint>(8 - l.length - r.length).fill(0n), ...r];
  if (tail.length) all.splice(6, 2, ...tail);
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** An IPv4-mapped IPv6 address as the IPv4 address it carries; any other address as it is. */
export function unmapped(addr: IpAddress): IpAddress {
  if (addr.family === 6 && addr.value >> 32n === 0xffffn) return { family: 4, value: addr.value & 0xffffffffn };
  return addr;
}

/** Parses an IPv4 or IPv6 address (brackets and a `%zone` are dropped); null if it is not one. */
export function parseIp(text: string): IpAddress | null {
  const bare = text.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  if (isIPv4(bare)) return { family: 4, value: parseV4(bare) };
  if (isIPv6(bare)) return unmapped({ family: 6, value: parseV6(bare) });
  return null;
}

/** Parses `10.0.0.0/8`, `fc00::/7`, or a lone address (a /32 or /128); null if malformed. */
export function parseCidr(text: string): Cidr | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const ipText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  const bare = ipText.replace(/^\[(.*)\]$/, "$1");
  const family = isIPv4(bare) ? 4 : isIPv6(bare) ? 6 : 0;
  if (family === 0) return null;
  let prefix: number = BITS[family];
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > BITS[family]) return null;
    prefix = Number(prefixText);
  }
  let value = family === 4 ? parseV4(bare) : parseV6(bare);
  let fam: 4 | 6 = family;
  // ::ffff:0:0/96 and narrower are IPv4 ranges written the IPv6 way.
  if (fam === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
    value &= 0xffffffffn;
    prefix -= 96;
    fam = 4;
  }
  const hostBits = BigInt(BITS[fam] - prefix);
  return { family: fam, base: (value >> hostBits) << hostBits, prefix, text: trimmed };
}

/** Whether the range holds the address (IPv4-mapped addresses count as IPv4). */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  const addr = unmapped(address);
  if (addr.family !== cidr.family) return false;
  const hostBits = BigInt(BITS[cidr.family] - cidr.prefix);
  return addr.value >> hostBits === cidr.base >> hostBits;
}

/** Parses a comma-separated list of ranges; throws naming the first entry that is not one. */
export function parseCidrList(text: string | string[]): Cidr[] {
  const items = (Array.isArray(text) ? text : text.split(",")).map((s) => s.trim()).filter(Boolean);
  return items.map((item) => {
    const cidr = parseCidr(item);
    if (!cidr) throw new Error(`${JSON.stringify(item)} is not an IP address or CIDR range such as 10.0.0.0/8 or fc00::/7`);
    return cidr;
  });
}
