import { QueryClient } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { setUnauthorizedHandler } from "./api/http";
import { sessionKey } from "./api/session";
import { App } from "./App";
import "./index.css";
import { LiveSync } from "./live/live-sync";
import { browserTabSharing } from "./live/shared-stream";

const queryClient = new QueryClient({
  defaultOptions: {
    // The stream keeps the cache current: no refetch on focus or on a timer.
    queries: { refetchOnWindowFocus: false, retry: 1 },
  },
});
// All tabs of this dashboard in the browser share one stream (a browser allows only six connections per origin).
const live = new LiveSync(queryClient, { share: browserTabSharing() });
setUnauthorizedHandler(() => void queryClient.invalidateQueries({ queryKey: sessionKey }));

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App queryClient={queryClient} live={live} />
  </StrictMode>,
);
