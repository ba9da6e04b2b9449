import { describe, expect, it } from "vitest";
import { agent, T0 } from "../store/contract-fixtures.js";
import type { AgentRow } from "../store/store.js";
import { CARD_REFRESH_LEASE_MS, decideCardRefresh, decidePublishedCard, decideRefreshClaim, refreshDelayMs } from "./decide-card.js";

const config = { cardRefreshMs: 600_000 };
const MINUTE = 60_000;
const now = T0 + 3_600_000;
const byUrl = (over: Partial<AgentRow> = {}): AgentRow =>
  agent("a", { card_url: "https://agent.example/.well-known/agent-card.json", a2a_card: '{"name":"A"}', card_etag: '"1"', card_refresh_at: now - 1, ...over });
const payload = (change: { commit: { events: { payload: string }[] } }) => change.commit.events.map((e) => JSON.parse(e.payload));

describe("refreshDelayMs", () => {
  it("follows max-age within 1 minute and 24 hours, and --card-refresh without it", () => {
    expect(refreshDelayMs(null, config)).toBe(600_000);
    expect(refreshDelayMs(120_000, config)).toBe(120_000);
    expect(refreshDelayMs(0, config)).toBe(MINUTE);
    expect(refreshDelayMs(7 * 24 * 3_600_000, config)).toBe(24 * 3_600_000);
  });
});

describe("decideRefreshClaim", () => {
  it("claims a due refresh by moving its time a lease ahead, silently, guarded by the time read", () => {
    const row = byUrl();
    const change = decideRefreshClaim(row, now)!;
    expect(change.next.card_refresh_at).toBe(now + CARD_REFRESH_LEASE_MS);
    expect(change.next.revision).toBe(row.revision);
    expect(change.commit.events).toEqual([]);
    expect(change.commit.mutation).toMatchObject({ op: "update", expect: { cardRefreshAt: now - 1 } });
  });

  it("claims nothing that is not due or not registered by URL", () => {
    expect(decideRefreshClaim(byUrl({ card_refresh_at: now + 1 }), now)).toBeNull();
    expect(decideRefreshClaim(agent("native"), now)).toBeNull();
  });
});

describe("decideCardRefresh", () => {
  const claimed = byUrl({ card_refresh_at: now + CARD_REFRESH_LEASE_MS });
  const until = now + CARD_REFRESH_LEASE_MS;

  it("stores nothing once the claim is lost", () => {
    expect(decideCardRefresh(byUrl({ card_refresh_at: until + 5 }), until, { kind: "failed", problem: { kind: "dns", message: "x" } }, now, config)).toBeNull();
  });

  it("a 304 moves only the schedule and the validators, silently", () => {
    const change = decideCardRefresh(claimed, until, { kind: "not_modified", etag: '"1"', lastModified: null, maxAgeMs: 120_000 }, now, config)!;
    expect(change.commit.events).toEqual([]);
    expect(change.next).toEqual({ ...claimed, card_refresh_at: now + 120_000 });
  });

  it("a failure keeps the card and records why", () => {
    const change = decideCardRefresh(claimed, until, { kind: "failed", problem: { kind: "timeout", message: "no answer in 5s" } }, now, config)!;
    expect(change.commit.events).toEqual([]);
    expect(change.next).toEqual({ ...claimed, card_refresh_at: now + 600_000, card_error: { kind: "timeout", message: "no answer in 5s", at: now } });
  });

  it("a changed card is agent_updated naming the fields; a new published JSON alone is silent", () => {
    const changed = decideCardRefresh(claimed, until, { kind: "fetched", next: { ...claimed, name: "B", a2a_card: '{"name":"B"}' }, maxAgeMs: null }, now, config)!;
    expect(payload(changed)).toEqual([expect.objectContaining({ type: "agent_updated", changed: ["name"] })]);
    expect(changed.next).toMatchObject({ revision: claimed.revision + 1, a2a_card: '{"name":"B"}', card_refresh_at: now + 600_000, card_error: null });
    const silent = decideCardRefresh(claimed, until, { kind: "fetched", next: { ...claimed, a2a_card: '{"name":"A","x":1}' }, maxAgeMs: null }, now, config)!;
    expect(silent.commit.events).toEqual([]);
    expect(silent.next.revision).toBe(claimed.revision);
  });
});

describe("decidePublishedCard", () => {
  it("a native re-registration of an agent registered by URL drops its card, announced as card_url", () => {
    const row = byUrl();
    const change = decidePublishedCard(row, { ...row, card_url: null, a2a_card: null, card_etag: null, card_refresh_at: null }, now)!;
    expect(payload(change)[0].changed).toEqual(["card_url"]);
  });

  it("nothing changed: nothing to write", () => {
    expect(decidePublishedCard(byUrl(), byUrl(), now)).toBeNull();
  });
});
