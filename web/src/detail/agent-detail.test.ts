import { describe, expect, it } from "vitest";
import { ApiError } from "../api/http";
import { applyRemovals } from "../live/fleet-updates";
import { agent, at, deregistered } from "../test/factories";
import { resolveDetail } from "./agent-detail";

const notFound = new ApiError(404, { code: "agent_not_found", detail: "no agent" });
const removedAfter = (held: ReturnType<typeof agent>, seconds = 100) => applyRemovals({}, [{ id: 11, event: deregistered(held.id, held.revision, seconds) }], () => held);

describe("resolveDetail", () => {
  it("shows the agent as fetched and kept current by events", () => {
    expect(resolveDetail("a", {}, agent("a", { revision: 4, health_status: "degraded" }), null)).toMatchObject({ kind: "live", agent: { revision: 4, health_status: "degraded" } });
  });

  it("says deregistered when the stream saw it go, even if the fetch answered before, with the latest heartbeat either knows", () => {
    const removed = removedAfter(agent("a", { name: "Alpha", revision: 3, last_heartbeat_at: at(10) }), 70);
    const detail = resolveDetail("a", removed, agent("a", { revision: 3, last_heartbeat_at: at(40) }), null);
    expect(detail).toMatchObject({ kind: "deregistered", at: at(70), agent: { name: "Alpha", last_heartbeat_at: at(40) } });
  });

  it("shows a new registration of the same id as live", () => {
    const removed = removedAfter(agent("a", { revision: 3 }));
    const reborn = agent("a", { revision: 1, created_at: at(80) });
    expect(resolveDetail("a", removed, reborn, null)).toMatchObject({ kind: "live", agent: { created_at: at(80) } });
  });

  it("tells loading, missing and failing apart", () => {
    expect(resolveDetail("a", {}, undefined, null)).toEqual({ kind: "loading" });
    expect(resolveDetail("a", {}, undefined, notFound)).toEqual({ kind: "missing" });
    expect(resolveDetail("a", {}, undefined, new TypeError("network"))).toMatchObject({ kind: "error" });
  });
});
