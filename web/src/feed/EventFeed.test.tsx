import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { useState } from "react";
import { MemoryRouter } from "react-router";
import { describe, expect, it, vi } from "vitest";
import { LiveProvider } from "../live/LiveContext";
import { LiveSync } from "../live/live-sync";
import { fakeClient } from "../test/fake-client";
import { agent, registered } from "../test/factories";
import { EventFeed } from "./EventFeed";

// Counts the feed's renders through the clock times it formats (two per line).
const formatted = vi.hoisted(() => ({ count: 0 }));
vi.mock("../format/time", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../format/time")>();
  return {
    ...actual,
    clockTime: (at: string | number) => {
      formatted.count++;
      return actual.clockTime(at);
    },
  };
});

describe("EventFeed on the agents page", () => {
  // The agents page re-renders on every scroll frame; its feed of up to 200 lines
  // must not re-render with it, only when the feed itself changes.
  it("does not re-render when the page around it does", () => {
    const queryClient = new QueryClient();
    const live = new LiveSync(queryClient, { batchMs: 0, stream: { client: fakeClient } });
    let scroll: (n: number) => void = () => {};
    function Page() {
      const [n, setN] = useState(0);
      scroll = setN;
      return (
        <div data-testid="page" data-n={n}>
          <EventFeed />
        </div>
      );
    }
    render(
      <QueryClientProvider client={queryClient}>
        <LiveProvider live={live}>
          <MemoryRouter>
            <Page />
          </MemoryRouter>
        </LiveProvider>
      </QueryClientProvider>,
    );
    act(() => live.feed.push(Array.from({ length: 50 }, (_, i) => ({ id: i + 1, event: registered(agent(`a-${i}`)) }))));
    const afterEvents = formatted.count;
    expect(afterEvents).toBeGreaterThanOrEqual(50);

    for (let i = 1; i <= 5; i++) act(() => scroll(i));
    expect(screen.getByTestId("page").dataset.n).toBe("5");
    expect(formatted.count).toBe(afterEvents);

    act(() => live.feed.push([{ id: 51, event: registered(agent("a-50")) }]));
    expect(formatted.count).toBeGreaterThan(afterEvents);
  });
});
