import { describe, expect, it } from "vitest";
import { defaultProbeFor } from "./default-probe.js";

describe("defaultProbeFor", () => {
  const url = "https://agent.example/.well-known/agent-card.json";

  it("gives a URL registration an a2a probe of the card it was registered from", () => {
    expect(defaultProbeFor({ card_url: url })).toEqual({ kind: "a2a", url });
  });

  it("gives a native or inline registration no probe", () => {
    expect(defaultProbeFor({})).toBeNull();
    expect(defaultProbeFor({ card_url: null })).toBeNull();
  });

  it("keeps the probe the registration names, and null as no probe", () => {
    const http = { kind: "http" as const, url: "https://agent.example/healthz", interval_ms: 60_000 };
    expect(defaultProbeFor({ card_url: url, probe: http })).toBe(http);
    expect(defaultProbeFor({ card_url: url, probe: null })).toBeNull();
    expect(defaultProbeFor({ probe: http })).toBe(http);
  });
});
