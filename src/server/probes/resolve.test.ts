import { Compile } from "typebox/compile";
import { describe, expect, it } from "vitest";
import { ProbeSpec } from "../../shared/probe.js";
import { probeFollowingEndpoint, probeHost, resolveProbe, wellKnownCardUrl } from "./resolve.js";

const defaults = { probeIntervalMs: 30_000, probeTimeoutMs: 5000, probeFailures: 3, probeSuccesses: 2 };
const agent = { endpoint: "https://agent.example:8443/rpc" };

describe("probe specs", () => {
  const check = Compile(ProbeSpec);

  it("the schema takes each kind with its own fields and refuses settings outside the server's bounds", () => {
    expect(check.Check({ kind: "http", url: "https://a.example/healthz" })).toBe(true);
    expect(check.Check({ kind: "a2a" })).toBe(true);
    expect(check.Check({ kind: "tcp", host: "a.example", port: 7000, interval_ms: 60_000, failures: 5 })).toBe(true);
    expect(check.Check({ kind: "http" })).toBe(false); // no url
    expect(check.Check({ kind: "http", url: "ftp://a.example/" })).toBe(false);
    expect(check.Check({ kind: "tcp", host: "a.example", port: 70000 })).toBe(false);
    expect(check.Check({ kind: "tcp", host: "a.example", port: 7000, url: "http://x" })).toBe(false);
    expect(check.Check({ kind: "http", url: "https://a.example/", interval_ms: 1000 })).toBe(false);
    expect(check.Check({ kind: "http", url: "https://a.example/", failures: 0 })).toBe(false);
    expect(check.Check({ kind: "ping", url: "https://a.example/" })).toBe(false);
    expect(check.Check({ kind: "http", url: "https://a.example/", interval: "30s" })).toBe(false);
  });
});

describe("resolveProbe", () => {
  it("fills what the agent left out from the server's defaults", () => {
    expect(resolveProbe({ kind: "http", url: "https://a.example/h", failures: 5 }, defaults, agent)).toEqual({
      ok: true,
      probe: { kind: "http", url: "https://a.example/h", interval_ms: 30_000, timeout_ms: 5000, failures: 5, successes: 2 },
    });
  });

  it("an a2a probe checks the card URL it was registered from, else the endpoint's well-known card", () => {
    const fromEndpoint = resolveProbe({ kind: "a2a" }, defaults, agent);
    expect(fromEndpoint.ok && fromEndpoint.probe).toMatchObject({ url: "https://agent.example:8443/.well-known/agent-card.json" });
    const fromCard = resolveProbe({ kind: "a2a" }, defaults, { ...agent, cardUrl: "https://cards.example/a.json" });
    expect(fromCard.ok && fromCard.probe).toMatchObject({ url: "https://cards.example/a.json" });
    const grpc = resolveProbe({ kind: "a2a" }, defaults, { endpoint: "grpc://agent.example:50051" });
    expect(grpc).toEqual({ ok: false, error: { field: "body.probe.url", message: expect.stringContaining("not an http(s) URL") } });
  });

  it("refuses a timeout as long as the interval, naming the field the agent set", () => {
    const own = resolveProbe({ kind: "tcp", host: "h", port: 1, interval_ms: 5000, timeout_ms: 5000 }, defaults, agent);
    expect(own).toEqual({ ok: false, error: { field: "body.probe.timeout_ms", message: "the timeout (5000ms) must be shorter than the interval (5000ms)" } });
    const short = resolveProbe({ kind: "tcp", host: "h", port: 1, interval_ms: 5000 }, { ...defaults, probeTimeoutMs: 6000 }, agent);
    expect(!short.ok && short.error.field).toBe("body.probe.interval_ms");
  });

  it("names the host each probe talks to, for the per-host cap", () => {
    expect(probeHost({ kind: "tcp", host: "DB.example", port: 1, interval_ms: 1, timeout_ms: 1, failures: 1, successes: 1 })).toBe("db.example");
    expect(probeHost({ kind: "http", url: "http://[::1]:80/x", interval_ms: 1, timeout_ms: 1, failures: 1, successes: 1 })).toBe("[::1]");
    expect(wellKnownCardUrl("not a url")).toBeNull();
  });

  it("moves an a2a probe derived from the endpoint with the endpoint, and nothing else", () => {
    const settings = { interval_ms: 30_000, timeout_ms: 5000, failures: 3, successes: 2 };
    const derived = { kind: "a2a" as const, url: "https://old.example/.well-known/agent-card.json", ...settings };
    const before = { endpoint: "https://old.example/a2a", card_url: null };
    const after = { endpoint: "https://new.example:8443/a2a", card_url: null };
    expect(probeFollowingEndpoint(derived, before, after)).toEqual({ ...derived, url: "https://new.example:8443/.well-known/agent-card.json" });
    // A URL of its own, another kind, a card URL, the same origin, or a new endpoint that is not http(s): nothing moves.
    expect(probeFollowingEndpoint({ ...derived, url: "https://cards.example/a.json" }, before, after)).toBeNull();
    expect(probeFollowingEndpoint({ kind: "http", url: derived.url, ...settings }, before, after)).toBeNull();
    expect(probeFollowingEndpoint(derived, { ...before, card_url: "https://old.example/card" }, { ...after, card_url: "https://old.example/card" })).toBeNull();
    expect(probeFollowingEndpoint(derived, before, { ...after, endpoint: "https://old.example/v2" })).toBeNull();
    expect(probeFollowingEndpoint(derived, before, { ...after, endpoint: "grpc://new.example:50051" })).toBeNull();
    expect(probeFollowingEndpoint(null, before, after)).toBeNull();
  });

  it("refuses a probe URL that carries credentials, since the probe is shown to every reader", () => {
    for (const spec of [{ kind: "http" as const, url: "https://user:secret@agent.example/healthz" }, { kind: "a2a" as const, url: "https://token@agent.example/card.json" }]) {
      expect(resolveProbe(spec, defaults, agent)).toEqual({ ok: false, error: { field: "body.probe.url", message: expect.stringContaining("credentials") } });
    }
    expect(resolveProbe({ kind: "http", url: "https://agent.example/healthz?x=1" }, defaults, agent).ok).toBe(true);
  });
});
