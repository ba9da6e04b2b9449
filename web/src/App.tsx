import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { BrowserRouter, Route, Routes } from "react-router";
import { AgentsPage } from "./agents/AgentsPage";
import { AgentDetailPage } from "./detail/AgentDetailPage";
import type { LiveSync } from "./live/live-sync";
import { LiveProvider } from "./live/LiveContext";
import { SessionGate } from "./session/SessionGate";
import { Shell } from "./Shell";

export function App({ queryClient, live }: { queryClient: QueryClient; live: LiveSync }) {
  return (
    <QueryClientProvider client={queryClient}>
      <LiveProvider live={live}>
        <BrowserRouter>
          <SessionGate>
            <Routes>
              <Route element={<Shell />}>
                <Route index element={<AgentsPage />} />
                <Route path="agents/:id" element={<AgentDetailPage />} />
                <Route path="*" element={<p className="p-4 text-sm text-zinc-400">No such page.</p>} />
              </Route>
            </Routes>
          </SessionGate>
        </BrowserRouter>
      </LiveProvider>
    </QueryClientProvider>
  );
}
