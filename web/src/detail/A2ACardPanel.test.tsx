import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import v03 from "../../../test/fixtures/a2a/card-v03.json";
import v1 from "../../../test/fixtures/a2a/card-v1.json";
import type { A2AAgentCard } from "@agentmesh/client";
import { A2ACardPanel } from "./A2ACardPanel";

describe("A2ACardPanel", () => {
  it("shows a 1.0 card's interfaces, security schemes, capabilities and skills with their examples", () => {
    render(<A2ACardPanel card={v1 as A2AAgentCard} cardUrl="https://georoute-agent.example.com/.well-known/agent-card.json" />);
    const card = screen.getByTestId("a2a-card");
    expect(card.textContent).toContain("Published at https://georoute-agent.example.com/.well-known/agent-card.json");
    const interfaces = within(screen.getByTestId("a2a-interfaces")).getAllByRole("listitem").map((li) => li.textContent);
    expect(interfaces).toEqual([
      "JSONRPChttps://georoute-agent.example.com/a2a/v1A2A 1.0",
      "GRPChttps://georoute-agent.example.com/a2a/grpcA2A 1.0",
      "HTTP+JSONhttps://georoute-agent.example.com/a2a/jsonA2A 1.0",
    ]);
    expect(screen.getByTestId("a2a-security").textContent).toBe("google · OpenID Connect");
    expect(card.textContent).toContain("streaming");
    const skills = within(screen.getByTestId("a2a-skills")).getAllByRole("listitem", { name: "" }).filter((li) => li.parentElement === screen.getByTestId("a2a-skills"));
    expect(skills).toHaveLength(2);
    expect(skills[0].textContent).toContain("Traffic-Aware Route Optimizer");
    expect(skills[0].textContent).toContain("in: application/json, text/plain");
    expect(skills[0].textContent).toContain("2 examples");
  });

  it("reads a 0.3 card's one url and transport, and says when the card is mapped rather than published", () => {
    render(<A2ACardPanel card={v03 as unknown as A2AAgentCard} cardUrl={null} />);
    expect(screen.getByTestId("a2a-card").textContent).toContain("Mapped from the registered fields");
    expect(within(screen.getByTestId("a2a-interfaces")).getAllByRole("listitem")[0].textContent).toContain((v03 as { url: string }).url);
    expect(screen.getByTestId("a2a-security").textContent).toBe("bearer · HTTP bearer (JWT)");
  });
});
