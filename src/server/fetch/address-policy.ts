/**
 * Which addresses the guarded fetcher may connect to. A pure rule: the
 * resolved address and the operator's lists in, a decision out.
 *
 * - Link-local (169.254.0.0/16, fe80::/10) is never reached, whatever `allow`
 *   says: it holds the cloud metadata endpoints (169.254.169.254), which hand
 *   out credentials to whoever asks from the machine.
 * - `deny` ranges are always refused, and win over `allow`.
 * - Loopback, private, CGNAT, unique-local, unspecified, multicast and other
 *   special-purpose ranges are refused unless an `allow` range covers the address.
 * - Everything else (the public internet) is reached.
 */
import { cidrContains, parseCidr, unmapped, type Cidr, type IpAddress } from "./cidr.js";

interface Range {
  cidr: Cidr;
  /** What the address is, as the refusal says it. */
  label: string;
}

const range = (text: string, label: string): Range => ({ cidr: parseCidr(text)!, label });

const LINK_LOCAL: Range[] = [range("169.254.0.0/16", "link-local (cloud metadata)"), range("fe80::/10", "link-local")];

/** Special-purpose ranges (IANA registries), reached only when allowed. */
const SPECIAL: Range[] = [
  range("0.0.0.0/8", "unspecified ('this network')"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "carrier-grade NAT (shared)"),
  range("127.0.0.0/8", "loopback"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "IETF protocol assignment"),
  range("192.0.2.0/24", "documentation (reserved)"),
  range("192.88.99.0/24", "6to4 relay (reserved)"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "benchmarking (reserved)"),
  range("198.51.100.0/24", "documentation (reserved)"),
  range("203.0.113.0/24", "documentation (reserved)"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("::/96", "IPv4-compatible (reserved)"),
  range("64:ff9b::/96", "NAT64 (reserved)"),
  range("64:ff9b:1::/48", "NAT64 (reserved)"),
  range("100::/64", "discard (reserved)"),
  range("2001:db8::/32", "documentation (reserved)"),
  range("fc00::/7", "unique-local (private)"),
  range("fec0::/10", "site-local (reserved)"),
  range("ff00::/8", "multicast"),
];

export interface AddressRules {
  allow: readonly Cidr[];
  deny: readonly Cidr[];
}

export type AddressDecision = { ok: true } | { ok: false; reason: string };

const show = (addr: IpAddress, text: string) => (addr.family === 6 && text.includes(":") ? `[${text}]` : text);

/** May the fetcher connect to this address? `text` is the address as resolved, for the message. */
export function checkAddress(address: IpAddress, text: string, rules: AddressRules): AddressDecision {
  const addr = unmapped(address);
  const shown = show(addr, text);
  const denied = rules.deny.find((c) => cidrContains(c, addr));
  if (denied) return { ok: false, reason: `${shown} is in a denied range (${denied.text}, --probe-deny)` };
  const linkLocal = LINK_LOCAL.find((r) => cidrContains(r.cidr, addr));
  if (linkLocal) return { ok: false, reason: `${shown} is a ${linkLocal.label} address, which is never fetched` };
  const special = SPECIAL.find((r) => cidrContains(r.cidr, addr));
  if (special && !rules.allow.some((c) => cidrContains(c, addr))) {
    return { ok: false, reason: `${shown} is a ${special.label} address; the registry reaches it only if --probe-allow covers it` };
  }
  return { ok: true };
}
