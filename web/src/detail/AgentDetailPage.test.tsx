/**
 * The agent page's issue-14 parts, read through the client package from the
 * fake API: the probe state in the header, the health explained (reason,
 * probe, cause of the latest change), the recent probe results (extended
 * live by a probe's transition) and the A2A card; and the same page from a
 * registry without probes or cards.
 */
import type { Agent, HealthReport } from "@agentmesh/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import v1 from "../../../test/fixtures/a2a/card-v1.json";
import { useEvents } from "../hooks/useEvents";
import { LiveProvider } from "../live/LiveContext";
import { LiveSync } from "../live/live-sync";
import { installFakeApi, json, list } from "../test/fake-api";
import { FakeSubscription, fakeClient } from "../test/fake-client";
import { agent, at, healthChanged } from "../test/factories";
import { AgentDetailPage } from "./AgentDetailPage";

function Stream() {
  useEvents();
  return null;
}

function mount(id: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const live = new LiveSync(queryClient, { batchMs: 0, stream: { client: fakeClient } });
  render(
    <QueryClientProvider client={queryClient}>
      <LiveProvider live={live}>
        <MemoryRouter initialEntries={[`/agents/${id}`]}>
          <Stream />
          <Routes>
            <Route path="/agents/:id" element={<AgentDetailPage />} />
          </Routes>
        </MemoryRouter>
      </LiveProvider>
    </QueryClientProvider>,
  );
}

const failingSince = at(30);
const reason = `heartbeat says healthy; probe failing since ${failingSince}: connection refused`;
const probed = agent("geo", {
  health_status: "unhealthy",
  protocol: "a2a",
  revision: 4,
  health_reason: reason,
  probe: { kind: "http", state: "failing", failing_since: failingSince, last_ok_at: at(20) },
  card_url: "https://geo.example/.well-known/agent-card.json",
} as Partial<Agent>);

const probedHealth: HealthReport = {
  agent_id: "geo",
  status: "unhealthy",
  last_heartbeat_at: at(40),
  health_reason: reason,
  history: [
    { at: at(1), status: "healthy", previous_status: "unknown", message: null, source: "heartbeat" },
    { at: at(35), status: "unhealthy", previous_status: "healthy", message: null, source: "probe", probe: { kind: "http", ok: false, latency_ms: 4, error: "connection refused" } },
  ],
  probe: {
    probe: { kind: "http", url: "http://127.0.0.1:4000/agents/geo/healthz", interval_ms: 5000, timeout_ms: 2000, failures: 2, successes: 1 },
    state: "failing",
    failing_since: failingSince,
    last_ok_at: at(20),
    next_due_at: at(45),
    recent: [
      { kind: "http", ok: true, latency_ms: 3, status_code: 200, at: at(20) },
      { kind: "http", ok: false, latency_ms: 4, error: "connection refused", at: at(30) },
      { kind: "http", ok: false, latency_ms: 5, error: "connection refused", at: at(35) },
    ],
  },
};

const routes = (a: Agent, health: HealthReport, card: unknown) => ({
  "/api/v1/agents": () => list([a], 10),
  [`/api/v1/agents/${a.id}`]: () => a,
  [`/api/v1/agents/${a.id}/trust`]: () => ({ agent_id: a.id, score: 0.5, tier: "reliable", history: [] }),
  [`/api/v1/agents/${a.id}/health`]: () => health,
  [`/api/v1/agents/${a.id}/card`]: () => card,
  "/api/v1/events/history": () => ({ events: [], cursor: 10, reset: false }),
  // The live layer starts the stream from the event id the totals were read at.
  "/api/v1/stats": () => ({ agents: { total: 1, by_health: {}, by_tier: {} }, events: { last_id: 10, published: 10, oldest_retained_id: 1 }, subscribers: 1 }),
});

beforeEach(() => FakeSubscription.reset());
afterEach(() => vi.unstubAllGlobals());

describe("the agent page with probes and an A2A card", () => {
  it("says the agent is unreachable although it heartbeats, why, and what the probe saw", async () => {
    const api = installFakeApi(routes(probed, probedHealth, v1));
    mount("geo");
    await waitFor(() => expect(screen.getByTestId("agent-detail")).toBeTruthy());
    const detail = screen.getByTestId("agent-detail");
    expect(within(detail.querySelector("header")!).getByTestId("probe-state").textContent).toBe("unreachable");

    await waitFor(() => expect(screen.getByTestId("health-reason").textContent).toBe(reason));
    expect(screen.getByTestId("probe-summary").textContent).toContain("the registry checks it with an http probe");
    expect(screen.getByTestId("health-cause").textContent).toContain("to unhealthy, by the registry's probe: http probe failed after 4 ms: connection refused");

    const results = within(screen.getByTestId("probe-results")).getAllByTestId("probe-result");
    expect(results.map((r) => r.dataset.ok)).toEqual(["false", "false", "true"]);
    expect(screen.getByTestId("probe-results").textContent).toContain("http://127.0.0.1:4000/agents/geo/healthz every 5 s (timeout 2 s)");

    await waitFor(() => expect(screen.getByTestId("a2a-card")).toBeTruthy());
    expect(screen.getByTestId("a2a-card").textContent).toContain("Published at https://geo.example/.well-known/agent-card.json");
    expect(within(screen.getByTestId("a2a-interfaces")).getAllByRole("listitem")).toHaveLength(3);
    expect(screen.getByTestId("a2a-security").textContent).toContain("OpenID Connect");
    // Health and card came through the client package (one call each), not the page's own fetch helper.
    expect(api.count("GET /api/v1/agents/geo/health")).toBe(1);
    expect(api.count("GET /api/v1/agents/geo/card")).toBe(1);
  });

  it("adds a probe transition from the stream to the recent results and the cause, with no request", async () => {
    const api = installFakeApi(routes(probed, probedHealth, v1));
    mount("geo");
    await waitFor(() => expect(screen.getAllByTestId("probe-result")).toHaveLength(3));
    act(() => FakeSubscription.latest().open());
    const before = api.calls.length;

    const recovered = { ...probed, health_status: "healthy", revision: 5, updated_at: at(50), health_reason: null, probe: { kind: "http", state: "passing", failing_since: null, last_ok_at: at(50) } } as Agent;
    const event = { ...healthChanged(recovered, "unhealthy"), source: "probe" as const, probe: { kind: "http" as const, ok: true, latency_ms: 2, status_code: 200 } };
    act(() => FakeSubscription.latest().emit("agent_health_changed", 11, event));

    await waitFor(() => expect(screen.getAllByTestId("probe-result")).toHaveLength(4));
    expect(screen.getAllByTestId("probe-result")[0].dataset.ok).toBe("true");
    expect(screen.getByTestId("health-cause").textContent).toContain("to healthy, by the registry's probe: http probe 200 in 2 ms");
    expect(within(screen.getByTestId("agent-detail").querySelector("header")!).getByTestId("probe-state").textContent).toBe("reachable");
    expect(screen.queryByTestId("health-reason")).toBeNull();
    // Neither the health nor the card (whose fields did not change) was read again.
    expect(api.calls.slice(before).filter((c) => !c.startsWith("GET /api/v1/events/history"))).toEqual([]);
  });

  it("from a registry without probes or cards: says the health is the agent's own word and that no card is served", async () => {
    const plain = agent("plain", { health_status: "healthy" });
    installFakeApi({
      ...routes(plain, { agent_id: "plain", status: "healthy", health_reason: null, probe: null, last_heartbeat_at: at(0), history: [{ at: at(1), status: "healthy", previous_status: "unknown", message: null }] }, null),
      "/api/v1/agents/plain/card": () => json({ code: "not_found", title: "Not found", status: 404, detail: "Route GET:/api/v1/agents/plain/card not found" }, 404),
    });
    mount("plain");
    await waitFor(() => expect(screen.getByTestId("probe-summary").textContent).toBe("Not probed: the health shown is what the agent reports about itself."));
    expect(screen.queryByTestId("probe-state")).toBeNull();
    expect(screen.queryByTestId("health-cause")).toBeNull();
    expect(screen.queryByTestId("probe-results")).toBeNull();
    await waitFor(() => expect(screen.getByText("This registry serves no A2A card for the agent.")).toBeTruthy());
  });
});
