import { QueryClient } from "@tanstack/react-query";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import type { Agent } from "@agentmesh/client";
import { AgentsPage } from "../agents/AgentsPage";
import { LiveProvider } from "../live/LiveContext";
import { LiveSync } from "../live/live-sync";
import { FakeSubscription, fakeClient } from "../test/fake-client";
import { installFakeApi, list } from "../test/fake-api";
import { agent, deregistered, healthChanged, registered, trustChanged, updated } from "../test/factories";
import { useEvents } from "./useEvents";

function Probe() {
  const state = useEvents();
  return <div data-testid="probe" data-status={state.status} data-resyncing={String(state.resyncing)} />;
}

function mount(path = "/") {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const live = new LiveSync(queryClient, { batchMs: 0, stream: { client: fakeClient } });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <LiveProvider live={live}>
        <MemoryRouter initialEntries={[path]}>
          <Probe />
          <Routes>
            <Route path="/" element={<AgentsPage />} />
          </Routes>
        </MemoryRouter>
      </LiveProvider>
    </QueryClientProvider>,
  );
  return { queryClient, live, view };
}

const rowIds = () => screen.queryAllByTestId("agent-row").map((r) => r.getAttribute("data-agent-id"));
const stream = () => FakeSubscription.latest();
const emit = (type: string, id: number, data: unknown) => act(() => stream().emit(type, id, data));

let fleet: Agent[];
let cursor: number;

beforeEach(() => {
  FakeSubscription.reset();
  fleet = [agent("alpha", { revision: 2 }), agent("bravo", { revision: 1, health_status: "degraded" })];
  cursor = 40;
});
afterEach(() => vi.unstubAllGlobals());

describe("useEvents", () => {
  it("lists once, then opens one stream from the list's cursor", async () => {
    const api = installFakeApi({ "/api/v1/agents": () => list(fleet, cursor) });
    mount();
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "bravo"]));
    expect(api.count("GET /api/v1/agents")).toBe(1);
    expect(FakeSubscription.created).toHaveLength(1);
    expect(stream().lastEventIdParam).toBe("40");
    act(() => stream().open());
    expect(screen.getByTestId("probe").dataset.status).toBe("live");
  });

  it("applies events to the table from their snapshots, with no request", async () => {
    const api = installFakeApi({ "/api/v1/agents": () => list(fleet, cursor) });
    mount();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    act(() => stream().open());

    emit("agent_registered", 41, registered(agent("charlie")));
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "bravo", "charlie"]));

    emit("agent_health_changed", 42, healthChanged(agent("bravo", { health_status: "offline", revision: 2 }), "degraded"));
    const badge = () => within(screen.getAllByTestId("agent-row").find((r) => r.dataset.agentId === "bravo")!).getByTestId("health-badge");
    await waitFor(() => expect(badge().dataset.status).toBe("offline"));

    emit("agent_deregistered", 43, deregistered("alpha", 2));
    await waitFor(() => expect(rowIds()).toEqual(["bravo", "charlie"]));
    expect(screen.getByTestId("total-all").textContent).toBe("2");
    expect(api.calls).toEqual(["GET /api/v1/agents"]);
  });

  it("ignores a stale snapshot", async () => {
    installFakeApi({ "/api/v1/agents": () => list([agent("alpha", { revision: 5, version: "5.0.0" })], cursor) });
    mount();
    await waitFor(() => expect(rowIds()).toEqual(["alpha"]));
    emit("agent_updated", 41, updated(agent("alpha", { revision: 4, version: "4.0.0" })));
    emit("agent_registered", 42, registered(agent("zulu")));
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "zulu"]));
    expect(screen.getAllByTestId("agent-row")[0].dataset.revision).toBe("5");
    expect(screen.getByText("5.0.0")).toBeTruthy();
  });

  it("keeps a filtered, sorted view right as agents enter, leave and move", async () => {
    fleet = [agent("a", { trust_score: 0.9, trust_tier: "elite" }), agent("b", { trust_score: 0.6 }), agent("c", { trust_score: 0.55, health_status: "offline" })];
    installFakeApi({ "/api/v1/agents": () => list(fleet, cursor) });
    mount("/?health=healthy&sort=trust_score");
    await waitFor(() => expect(rowIds()).toEqual(["a", "b"]));

    emit("trust_score_changed", 41, trustChanged(agent("b", { trust_score: 0.95, trust_tier: "elite", revision: 2 }), 0.6));
    await waitFor(() => expect(rowIds()).toEqual(["b", "a"]));
    emit("agent_health_changed", 42, healthChanged(agent("a", { health_status: "unhealthy", trust_score: 0.9, trust_tier: "elite", revision: 2 }), "healthy"));
    await waitFor(() => expect(rowIds()).toEqual(["b"]));
    emit("agent_health_changed", 43, healthChanged(agent("c", { health_status: "healthy", trust_score: 0.55, revision: 2 }), "offline"));
    await waitFor(() => expect(rowIds()).toEqual(["b", "c"]));
    expect(screen.getByTestId("total-healthy").textContent).toContain("2");
  });

  it("on reset, refetches once and keeps the events that arrived meanwhile", async () => {
    let release: () => void = () => {};
    let lists = 0;
    const api = installFakeApi({
      "/api/v1/agents": async () => {
        lists++;
        if (lists === 1) return list(fleet, cursor);
        await new Promise<void>((r) => (release = r));
        return list([agent("alpha", { revision: 9 }), agent("delta")], 100);
      },
    });
    mount();
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "bravo"]));
    act(() => stream().open());

    emit("reset", 100, { type: "reset", cursor: 100, reason: "history_pruned", requested: 40 });
    emit("reset", 100, { type: "reset", cursor: 100, reason: "history_pruned", requested: 40 });
    await waitFor(() => expect(screen.getByTestId("probe").dataset.resyncing).toBe("true"));
    emit("agent_registered", 101, registered(agent("echo")));
    await act(async () => release());
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "delta", "echo"]));
    await waitFor(() => expect(screen.getByTestId("probe").dataset.resyncing).toBe("false"));
    // One list call for the page, one for both resets (the snapshot is as new as the second asks).
    expect(api.count("GET /api/v1/agents")).toBe(2);
    expect(FakeSubscription.created).toHaveLength(1);
  });
});
