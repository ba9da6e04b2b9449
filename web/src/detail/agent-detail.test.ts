import { describe, expect, it } from "vitest";
import { ApiError } from "../api/http";
import { applyEvent } from "../live/fleet-updates";
import { agent, at, deregistered, fleetOf } from "../test/factories";
import { resolveDetail } from "./agent-detail";

const notFound = new ApiError(404, { code: "agent_not_found", detail: "no agent" });

describe("resolveDetail", () => {
  it("shows the newer of the fetched agent and the live cache, with the latest heartbeat either knows", () => {
    const fetched = agent("a", { revision: 3, last_heartbeat_at: at(50) });
    const live = agent("a", { revision: 4, health_status: "degraded", last_heartbeat_at: at(20) });
    const detail = resolveDetail("a", fleetOf([live]), fetched, null);
    expect(detail).toMatchObject({ kind: "live", agent: { revision: 4, health_status: "degraded", last_heartbeat_at: at(50) } });
  });

  it("says deregistered when the live cache saw it go, even if the fetch answered before", () => {
    let fleet = fleetOf([agent("a", { name: "Alpha", revision: 3 })]);
    fleet = applyEvent(fleet, { id: 11, event: deregistered("a", 3, 70) });
    const detail = resolveDetail("a", fleet, agent("a", { revision: 3 }), null);
    expect(detail).toMatchObject({ kind: "deregistered", at: at(70), agent: { name: "Alpha" } });
  });

  it("shows a new registration of the same id as live", () => {
    let fleet = fleetOf([agent("a", { revision: 3 })]);
    fleet = applyEvent(fleet, { id: 11, event: deregistered("a", 3) });
    const reborn = agent("a", { revision: 1, created_at: at(80) });
    expect(resolveDetail("a", fleet, reborn, null)).toMatchObject({ kind: "live", agent: { created_at: at(80) } });
  });

  it("tells loading, missing and failing apart", () => {
    expect(resolveDetail("a", fleetOf([]), undefined, null)).toEqual({ kind: "loading" });
    expect(resolveDetail("a", fleetOf([]), undefined, notFound)).toEqual({ kind: "missing" });
    expect(resolveDetail("a", undefined, undefined, new TypeError("network"))).toMatchObject({ kind: "error" });
    expect(resolveDetail("a", undefined, agent("a"), null)).toMatchObject({ kind: "live" });
  });
});
