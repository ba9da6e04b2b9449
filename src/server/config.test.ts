import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseDuration } from "./config.js";

describe("config", () => {
  it("has documented defaults and is frozen", () => {
    const c = loadConfig();
    expect(c).toMatchObject({
      port: 8000,
      host: "127.0.0.1",
      database: "sqlite:./data/agentmesh.db",
      heartbeatIntervalMs: 10_000,
      offlineAfterMs: 30_000,
      sweepIntervalMs: 1000,
      keepaliveMs: 15_000,
      rateLimit: 20,
      adminToken: null,
      readToken: null,
      logLevel: "info",
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("a flag wins over its AGENTMESH_* variable, which wins over the default", () => {
    const env = { AGENTMESH_OFFLINE_AFTER: "2m", AGENTMESH_PORT: "9001" };
    expect(loadConfig({ env }).offlineAfterMs).toBe(120_000);
    expect(loadConfig({ env, flags: { "offline-after": "45s" } }).offlineAfterMs).toBe(45_000);
    expect(loadConfig({ env, flags: { port: "0" } }).port).toBe(0);
  });

  it("takes 0 for the stream flush interval (every event at once), and a duration", () => {
    expect(loadConfig({ flags: { "stream-flush": "0" } }).streamFlushMs).toBe(0);
    expect(loadConfig({ flags: { "stream-flush": "20ms" } }).streamFlushMs).toBe(20);
  });

  it("reaps nothing by default; --deregister-after takes a duration, from the flag or AGENTMESH_DEREGISTER_AFTER", () => {
    expect(loadConfig().deregisterAfterMs).toBe(0);
    expect(loadConfig({ env: { AGENTMESH_DEREGISTER_AFTER: "7d" } }).deregisterAfterMs).toBe(7 * 86_400_000);
    expect(loadConfig({ env: { AGENTMESH_DEREGISTER_AFTER: "7d" }, flags: { "deregister-after": "0" } }).deregisterAfterMs).toBe(0);
    expect(() => loadConfig({ flags: { "deregister-after": "soon" } })).toThrow(/invalid --deregister-after: "soon"/);
  });

    it("trusts no proxy by default, and takes addresses, CIDR ranges and named ranges", () => {
    expect(loadConfig().trustProxy).toEqual([]);
    expect(loadConfig({ flags: { "trust-proxy": "127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback" } }).trustProxy).toEqual([
      "127.0.0.1",
      "10.0.0.0/8",
      "::1",
      "fd00::/8",
      "loopback",
    ]);
    expect(loadConfig({ env: { AGENTMESH_TRUST_PROXY: "192.168.1.10" } }).trustProxy).toEqual(["192.168.1.10"]);
  });

  it("allows no special range for fetches by default, and takes CIDR lists for --probe-allow and --probe-deny", () => {
    expect(loadConfig()).toMatchObject({ probeAllow: [], probeDeny: [] });
    expect(loadConfig({ flags: { "probe-allow": "127.0.0.0/8, ::1" }, env: { AGENTMESH_PROBE_ALLOW: "10.0.0.0/8" } }).probeAllow).toEqual(["127.0.0.0/8", "::1"]);
    expect(loadConfig({ env: { AGENTMESH_PROBE_DENY: "203.0.113.0/24,2001:db8::/32" } }).probeDeny).toEqual(["203.0.113.0/24", "2001:db8::/32"]);
    expect(() => loadConfig({ flags: { "probe-allow": "127.0.0.0/8,loopback" } })).toThrow(/invalid --probe-allow: .*"loopback" is not an IP address or CIDR range/);
    expect(() => loadConfig({ flags: { "probe-deny": "10.0.0.0/33" } })).toThrow(/invalid --probe-deny/);
  });

  it("has probe defaults and per-instance caps, each settable", () => {
    expect(loadConfig()).toMatchObject({ probeIntervalMs: 30_000, probeTimeoutMs: 5000, probeFailures: 3, probeSuccesses: 2, probeConcurrency: 64, probePerHost: 4 });
    const c = loadConfig({ flags: { "probe-interval": "1m", "probe-timeout": "2s", "probe-failures": "5", "probe-successes": "1", "probe-concurrency": "8", "probe-per-host": "2" } });
    expect(c).toMatchObject({ probeIntervalMs: 60_000, probeTimeoutMs: 2000, probeFailures: 5, probeSuccesses: 1, probeConcurrency: 8, probePerHost: 2 });
  });

  it("parses durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("10")).toBeNull();
    expect(parseDuration("soon")).toBeNull();
  });

  it.each([
    [{ port: "99999" }, "--port"],
    [{ "offline-after": "soon" }, "--offline-after"],
    [{ "heartbeat-interval": "40s" }, "--offline-after"],
    [{ "rate-limit": "-1" }, "--rate-limit"],
    [{ "log-level": "loud" }, "--log-level"],
    [{ database: "mysql://x" }, "--database"],
    [{ "admin-token": "short" }, "--admin-token"],
    [{ colour: "red" }, "--colour"],
    [{ "stream-flush": "fast" }, "--stream-flush"],
    [{ "stream-flush": "-5ms" }, "--stream-flush"],
    [{ "trust-proxy": "true" }, "--trust-proxy"],
    [{ "trust-proxy": "10.0.0.0/33" }, "--trust-proxy"],
    [{ "trust-proxy": "127.0.0.1,nginx.local" }, "--trust-proxy"],
    [{ "trust-proxy": "10.0.0.1/8/8" }, "--trust-proxy"],
    [{ "probe-interval": "1s" }, "--probe-interval"],
    [{ "probe-interval": "2h" }, "--probe-interval"],
    [{ "probe-timeout": "50ms" }, "--probe-timeout"],
    [{ "probe-interval": "10s", "probe-timeout": "10s" }, "--probe-timeout"],
    [{ "probe-failures": "0" }, "--probe-failures"],
    [{ "probe-successes": "11" }, "--probe-successes"],
    [{ "probe-concurrency": "0" }, "--probe-concurrency"],
    [{ "probe-per-host": "0" }, "--probe-per-host"],
  ])("a bad value stops start-up naming the setting: %o", (flags, name) => {
    expect(() => loadConfig({ flags })).toThrow(ConfigError);
    expect(() => loadConfig({ flags })).toThrow(name);
  });

  it("names the variable's setting when the bad value comes from the environment", () => {
    expect(() => loadConfig({ env: { AGENTMESH_SWEEP_INTERVAL: "fast" } })).toThrow("--sweep-interval");
  });
});
