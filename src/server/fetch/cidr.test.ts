import { describe, expect, it } from "vitest";
import { checkAddress } from "./address-policy.js";
import { cidrContains, parseCidr, parseCidrList, parseIp } from "./cidr.js";

const inRange = (cidr: string, ip: string) => cidrContains(parseCidr(cidr)!, parseIp(ip)!);

describe("CIDR ranges", () => {
  it("matches IPv4 ranges at their edges", () => {
    expect(inRange("10.0.0.0/8", "10.255.255.255")).toBe(true);
    expect(inRange("10.0.0.0/8", "11.0.0.0")).toBe(false);
    expect(inRange("100.64.0.0/10", "100.127.0.1")).toBe(true);
    expect(inRange("100.64.0.0/10", "100.128.0.1")).toBe(false);
    expect(inRange("0.0.0.0/0", "8.8.8.8")).toBe(true);
    expect(inRange("192.168.1.7", "192.168.1.7")).toBe(true);
    expect(inRange("192.168.1.7", "192.168.1.8")).toBe(false);
  });

  it("matches IPv6 ranges, compressed or not, with embedded IPv4 and zones", () => {
    expect(inRange("fe80::/10", "febf:ffff::1")).toBe(true);
    expect(inRange("fe80::/10", "fec0::1")).toBe(false);
    expect(inRange("fc00::/7", "fd12:3456:789a:1::1")).toBe(true);
    expect(inRange("2001:db8::/32", "2001:0db8:0000:0000:0000:0000:0000:0001")).toBe(true);
    expect(inRange("::1/128", "0:0:0:0:0:0:0:1")).toBe(true);
    expect(inRange("fe80::/10", "fe80::1%eth0")).toBe(true);
    expect(inRange("64:ff9b::/96", "64:ff9b::10.0.0.1")).toBe(true);
  });

  it("counts an IPv4-mapped IPv6 address as the IPv4 address inside it", () => {
    expect(inRange("169.254.0.0/16", "::ffff:169.254.169.254")).toBe(true);
    expect(inRange("169.254.0.0/16", "::ffff:a9fe:a9fe")).toBe(true);
    expect(inRange("127.0.0.0/8", "[::ffff:127.0.0.1]")).toBe(true);
    expect(parseCidr("::ffff:10.0.0.0/104")).toMatchObject({ family: 4, prefix: 8 });
    expect(inRange("::ffff:10.0.0.0/104", "10.1.2.3")).toBe(true);
    expect(inRange("::/0", "10.1.2.3")).toBe(false);
  });

  it("clears host bits and refuses what is not a range", () => {
    expect(parseCidr("10.1.2.3/8")).toMatchObject({ family: 4, prefix: 8, base: 10n << 24n });
    for (const bad of ["", "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/-1", "10.0.0.0/8/1", "example.com", "1.2.3.4/ 8"]) expect(parseCidr(bad), bad).toBeNull();
    expect(parseCidrList("127.0.0.0/8, ::1 ,").map((c) => c.text)).toEqual(["127.0.0.0/8", "::1"]);
    expect(() => parseCidrList("127.0.0.0/8,localhost")).toThrow(/"localhost" is not an IP address or CIDR range/);
  });
});

describe("the address policy", () => {
  const rules = (allow: string[] = [], deny: string[] = []) => ({ allow: parseCidrList(allow), deny: parseCidrList(deny) });
  const check = (ip: string, r = rules()) => checkAddress(parseIp(ip)!, ip, r);

  it("reaches public addresses and refuses special ranges by default", () => {
    expect(check("93.184.216.34")).toEqual({ ok: true });
    expect(check("2606:4700::1111")).toEqual({ ok: true });
    for (const ip of ["127.0.0.1", "10.1.1.1", "172.31.0.1", "192.168.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fd00::1", "ff02::1", "::ffff:127.0.0.1"]) {
      expect(check(ip), ip).toMatchObject({ ok: false, reason: expect.stringContaining("--probe-allow") });
    }
  });

  it("never reaches link-local, even when allowed", () => {
    const everything = rules(["0.0.0.0/0", "::/0"]);
    for (const ip of ["169.254.169.254", "::ffff:169.254.169.254", "fe80::1"]) {
      expect(check(ip, everything), ip).toMatchObject({ ok: false, reason: expect.stringContaining("never fetched") });
    }
  });

  it("reaches a special range only where allow covers it, and deny wins", () => {
    const r = rules(["127.0.0.0/8"], ["127.0.0.2"]);
    expect(check("127.0.0.1", r)).toEqual({ ok: true });
    expect(check("::ffff:127.0.0.1", r)).toEqual({ ok: true });
    expect(check("::1", r).ok).toBe(false);
    expect(check("127.0.0.2", r)).toMatchObject({ ok: false, reason: expect.stringContaining("127.0.0.2, --probe-deny") });
    expect(check("8.8.8.8", rules([], ["8.8.8.0/24"]))).toMatchObject({ ok: false, reason: expect.stringContaining("denied range") });
  });
});
