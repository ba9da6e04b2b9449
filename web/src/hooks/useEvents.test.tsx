import { QueryClient } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import { matchesText, type Agent, type HealthStatus, type ListSort } from "@agentmesh/client";
import { AgentsPage } from "../agents/AgentsPage";
import { LiveProvider } from "../live/LiveContext";
import { LiveSync } from "../live/live-sync";
import { FakeSubscription, fakeClient } from "../test/fake-client";
import { installFakeApi } from "../test/fake-api";
import { agent, deregistered, healthChanged, registered, trustChanged } from "../test/factories";
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

const rowIds = () => screen.queryAllByTestId("agent-row").filter((r) => !r.dataset.leaving).map((r) => r.getAttribute("data-agent-id"));
const stream = () => FakeSubscription.latest();
const emit = (type: string, id: number, data: unknown) => act(() => stream().emit(type, id, data));

/** A registry behind the fake fetch: it filters, sorts and pages as the server does, so the page's requests are what is tested. */
let fleet: Agent[];
let head: number;

function serve() {
  const key = (a: Agent, sort: ListSort) => (sort === "name" ? a.name : sort === "trust_score" ? a.trust_score : Date.parse(a[sort]));
  return installFakeApi({
    "/api/v1/agents": (url) => {
      const p = url.searchParams;
      const sort = (p.get("sort") ?? "name") as ListSort;
      const sign = p.get("order") === "desc" ? -1 : 1;
      const all = fleet
        .filter((a) => (!p.get("health") || a.health_status === p.get("health")) && matchesText(a, p.get("q") ?? ""))
        .sort((a, b) => sign * (key(a, sort) > key(b, sort) ? 1 : key(a, sort) < key(b, sort) ? -1 : 0) || a.id.localeCompare(b.id));
      const offset = Number(p.get("offset") ?? 0);
      const limit = Number(p.get("limit") ?? 100);
      return { agents: all.slice(offset, offset + limit), total: all.length, limit, offset, cursor: head };
    },
    "/api/v1/stats": () => {
      const by_health = Object.fromEntries((["healthy", "degraded", "unhealthy", "offline", "unknown"] as HealthStatus[]).map((h) => [h, fleet.filter((a) => a.health_status === h).length]));
      return { agents: { total: fleet.length, by_health, by_tier: {} }, events: { last_id: head, published: head, oldest_retained_id: 1 }, subscribers: 1 };
    },
  });
}

/** Changes the registry and streams the event, as the server would. */
function change(type: string, data: { agent?: Agent; agent_id: string }) {
  head++;
  fleet = fleet.filter((a) => a.id !== data.agent_id);
  if (data.agent) fleet.push(data.agent);
  emit(type, head, data);
}

beforeEach(() => {
  FakeSubscription.reset();
  fleet = [agent("alpha", { revision: 2 }), agent("bravo", { revision: 1, health_status: "degraded" })];
  head = 40;
});
afterEach(() => vi.unstubAllGlobals());

describe("the agents page, live", () => {
  it("reads the totals and one page of rows, then opens one stream from the totals' event id", async () => {
    const api = serve();
    mount();
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "bravo"]));
    expect(api.count("GET /api/v1/agents")).toBe(1);
    expect(api.calls.find((c) => c.startsWith("GET /api/v1/stats"))).toBeDefined();
    await waitFor(() => expect(FakeSubscription.created).toHaveLength(1));
    expect(stream().lastEventIdParam).toBe("40");
    act(() => stream().open());
    expect(screen.getByTestId("probe").dataset.status).toBe("live");
  });

  it("refetches its rows and totals when events may change them, once for a burst", async () => {
    const api = serve();
    mount();
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await waitFor(() => expect(FakeSubscription.created).toHaveLength(1));
    act(() => stream().open());
    const before = api.count("GET /api/v1/agents");

    for (const id of ["charlie", "delta", "echo"]) change("agent_registered", registered(agent(id)));
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "bravo", "charlie", "delta", "echo"]));
    expect(api.count("GET /api/v1/agents")).toBe(before + 1);
    expect(screen.getAllByTestId("agent-row").find((r) => r.dataset.agentId === "delta")!.dataset.entered).toBe("true");

    change("agent_health_changed", healthChanged(agent("bravo", { health_status: "offline", revision: 2 }), "degraded"));
    const badge = () => within(screen.getAllByTestId("agent-row").find((r) => r.dataset.agentId === "bravo")!).getByTestId("health-badge");
    await waitFor(() => expect(badge().dataset.status).toBe("offline"));

    change("agent_deregistered", deregistered("alpha", 2));
    await waitFor(() => expect(rowIds()).toEqual(["bravo", "charlie", "delta", "echo"]));
    await waitFor(() => expect(screen.getByTestId("total-all").textContent).toBe("4"));
  });

  it("keeps a filtered view sorted by trust exact as agents enter, leave and move", async () => {
    fleet = [agent("a", { trust_score: 0.9, trust_tier: "elite" }), agent("b", { trust_score: 0.6 }), agent("c", { trust_score: 0.55, health_status: "offline" })];
    serve();
    mount("/?health=healthy&sort=trust_score");
    await waitFor(() => expect(rowIds()).toEqual(["a", "b"]));
    await waitFor(() => expect(FakeSubscription.created).toHaveLength(1));
    act(() => stream().open());

    change("trust_score_changed", trustChanged(agent("b", { trust_score: 0.95, trust_tier: "elite", revision: 2 }), 0.6));
    await waitFor(() => expect(rowIds()).toEqual(["b", "a"]));
    change("agent_health_changed", healthChanged(agent("a", { health_status: "unhealthy", trust_score: 0.9, trust_tier: "elite", revision: 2 }), "healthy"));
    await waitFor(() => expect(rowIds()).toEqual(["b"]));
    expect(screen.getAllByTestId("agent-row").find((r) => r.dataset.agentId === "a")?.dataset.leaving).toBe("true");
    change("agent_health_changed", healthChanged(agent("c", { health_status: "healthy", trust_score: 0.55, revision: 2 }), "offline"));
    await waitFor(() => expect(rowIds()).toEqual(["b", "c"]));
    await waitFor(() => expect(screen.getByTestId("total-healthy").textContent).toContain("2"));
  });

  it("does not refetch for an event that cannot touch the rows held", async () => {
    fleet = [agent("a", { tags: ["needle"] })];
    const api = serve();
    mount("/?q=needle");
    await waitFor(() => expect(rowIds()).toEqual(["a"]));
    await waitFor(() => expect(FakeSubscription.created).toHaveLength(1));
    act(() => stream().open());
    const before = api.count("GET /api/v1/agents");
    change("agent_registered", registered(agent("hay")));
    change("agent_registered", registered(agent("needle-2", { tags: ["needle"] })));
    await waitFor(() => expect(rowIds()).toEqual(["a", "needle-2"]));
    expect(api.count("GET /api/v1/agents")).toBe(before + 1);
  });

  it("on reset, reads the rows and totals again", async () => {
    const api = serve();
    mount();
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "bravo"]));
    await waitFor(() => expect(FakeSubscription.created).toHaveLength(1));
    act(() => stream().open());
    fleet = [agent("alpha", { revision: 9 }), agent("delta")];
    head = 100;
    emit("reset", 100, { type: "reset", cursor: 100, reason: "history_pruned", requested: 40 });
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "delta"]));
    await waitFor(() => expect(screen.getByTestId("probe").dataset.resyncing).toBe("false"));
    expect(api.count("GET /api/v1/agents")).toBe(2);
    expect(FakeSubscription.created).toHaveLength(1);
  });

  it("asks for a search once typing pauses, not once per key", async () => {
    fleet = [agent("alpha"), agent("vision-1", { name: "vision one" }), agent("vision-2", { name: "vision two" })];
    serve();
    mount();
    await waitFor(() => expect(rowIds()).toEqual(["alpha", "vision-1", "vision-2"]));
    const box = screen.getByLabelText("Search agents");
    for (const text of ["v", "vi", "vis", "visi", "visio", "vision"]) fireEvent.change(box, { target: { value: text } });
    await waitFor(() => expect(rowIds()).toEqual(["vision-1", "vision-2"]));
    const searched = vi
      .mocked(fetch)
      .mock.calls.map(([input]) => new URL(String(input), "http://dashboard.test"))
      .filter((url) => url.pathname === "/api/v1/agents" && url.searchParams.get("q"))
      .map((url) => url.searchParams.get("q"));
    expect(searched).toEqual(["vision"]);
  });
});
