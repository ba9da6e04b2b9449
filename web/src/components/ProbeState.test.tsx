import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { AgentRow } from "../agents/AgentRow";
import type { AgentProbe } from "@agentmesh/client";
import { agent, at } from "../test/factories";

function row(probe: AgentProbe | null | undefined) {
  render(
    <MemoryRouter>
      <table>
        <tbody>
          <AgentRow agent={agent("a", { health_status: "healthy", ...(probe !== undefined ? { probe } : {}) } as never)} />
        </tbody>
      </table>
    </MemoryRouter>,
  );
  return screen.getByTestId("agent-row");
}

describe("a fleet row's probe state", () => {
  it("shows an agent that says healthy but cannot be reached, beside its health", () => {
    const r = row({ kind: "http", state: "failing", failing_since: at(30), last_ok_at: at(0) });
    expect(within(r).getByTestId("health-badge").getAttribute("data-status")).toBe("healthy");
    const state = within(r).getByTestId("probe-state");
    expect(state.getAttribute("data-state")).toBe("failing");
    expect(state.textContent).toBe("unreachable");
    expect(state.getAttribute("title")).toMatch(/^http probe failing since /);
  });

  it("says reachable for a passing probe", () => {
    expect(within(row({ kind: "a2a", state: "passing", failing_since: null, last_ok_at: at(1) })).getByTestId("probe-state").textContent).toBe("reachable");
  });

  it("says probing… before the first verdict", () => {
    expect(within(row({ kind: "tcp", state: "unknown", failing_since: null, last_ok_at: null })).getByTestId("probe-state").textContent).toBe("probing…");
  });

  it("shows nothing for an agent without a probe, or from a registry without probes", () => {
    expect(within(row(null)).queryByTestId("probe-state")).toBeNull();
  });

  it("shows nothing when the snapshot has no probe field at all", () => {
    expect(within(row(undefined)).queryByTestId("probe-state")).toBeNull();
  });
});
