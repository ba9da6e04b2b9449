/**
 * Which requests get the dashboard's index.html when no route matched: only a
 * browser (it asks for text/html) navigating to one of the dashboard's own
 * client routes. Everything else is a 404 — registry checkers read an HTML 200
 * at `/.well-known/agent-card.json` or at a missing asset as a broken agent,
 * and a tool asking for `/api/…` or `/favicon.ico` wants a real "not found".
 */

/** The client routes of web/src/App.tsx: the agents page and an agent's page. */
const CLIENT_ROUTES = [/^\/$/, /^\/agents\/[^/]+\/?$/];

export function servesDashboard(method: string, path: string, accept: string | undefined): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  if (!CLIENT_ROUTES.some((r) => r.test(path))) return false;
  return (accept ?? "").split(",").some((part) => part.trim().toLowerCase().startsWith("text/html"));
}
