/**
 * The simulated agents' own web presence: one small HTTP server on 127.0.0.1,
 * a path per agent, serving each agent's A2A card
 * (`/agents/<id>/.well-known/agent-card.json`) and a health endpoint
 * (`/agents/<id>/healthz`). The registry probes these, so what it sees is
 * real network traffic, not a flag. While an agent is cut off (or silent) its
 * paths close the connection without answering, as a crashed or firewalled
 * process would; its heartbeats, sent from elsewhere in the simulation, may
 * still say "healthy".
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toA2ACard } from "../../server/a2a/map-card.js";
import type { A2ACardV1 } from "../../server/a2a/types.js";
import type { AgentCard } from "../../shared/agent.js";
import { hash32 } from "./random.js";

export const CARD_PATH = "/.well-known/agent-card.json";
export const HEALTH_PATH = "/healthz";

export interface CardServerAgent {
  card: AgentCard;
  /** Asked at every request: false closes the connection unanswered. */
  reachable(): boolean;
}

export interface CardServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  cardUrl(id: string): string;
  healthUrl(id: string): string;
  /** Requests answered and refused so far (a refused one is a closed connection). */
  readonly counts: { answered: number; refused: number };
  close(): Promise<void>;
}

/** A few of the security schemes A2A 1.0 cards declare, so the dashboard has something real to show. */
const SECURITY: Record<string, unknown>[] = [
  { bearer: { httpAuthSecurityScheme: { scheme: "Bearer", bearerFormat: "JWT", description: "A token from the provider's identity service" } } },
  { apiKey: { apiKeySecurityScheme: { location: "header", name: "X-API-Key" } } },
  { oauth: { oauth2SecurityScheme: { flows: { clientCredentials: { tokenUrl: "https://auth.example/oauth/token", scopes: { invoke: "Call the agent's skills" } } } } } },
  {},
];

/**
 * The agent's card as A2A 1.0 JSON: the registry's own mapping of its fields
 * (`toA2ACard`), plus what a real agent would declare and AgentMesh has no
 * field for: capabilities and, for most, a security scheme.
 */
export function simulatedA2ACard(card: AgentCard): A2ACardV1 {
  const a2a = toA2ACard({ ...card, description: card.description ?? "", skills: card.skills ?? [], provider: card.provider ?? null, metadata: card.metadata ?? null });
  const h = hash32(`card:${card.id}`);
  const security = SECURITY[h % SECURITY.length];
  a2a.capabilities = { streaming: h % 3 !== 0, pushNotifications: h % 5 === 0 };
  if (Object.keys(security).length > 0) {
    a2a.securitySchemes = security;
    a2a.securityRequirements = [{ schemes: Object.fromEntries(Object.keys(security).map((name) => [name, { list: [] }])) }];
  }
  return a2a;
}

export async function startCardServer(agents: readonly CardServerAgent[]): Promise<CardServer> {
  const byId = new Map(agents.map((a) => [a.card.id, { agent: a, body: JSON.stringify(simulatedA2ACard(a.card)) }]));
  const counts = { answered: 0, refused: 0 };
  const server: Server = createServer((req, res) => {
    const match = /^\/agents\/([^/]+)(\/.*)$/.exec((req.url ?? "").split("?")[0]);
    const entry = match ? byId.get(decodeURIComponent(match[1])) : undefined;
    const path = match?.[2];
    if (!entry || (path !== CARD_PATH && path !== HEALTH_PATH)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    if (!entry.agent.reachable()) {
      counts.refused++;
      req.socket.destroy();
      return;
    }
    counts.answered++;
    if (path === CARD_PATH) res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" }).end(entry.body);
    else res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
  });
  // Probes come every few seconds; a kept-alive socket must not hold close() up.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = (id: string) => `${origin}/agents/${encodeURIComponent(id)}`;
  return {
    origin,
    counts,
    cardUrl: (id) => `${base(id)}${CARD_PATH}`,
    healthUrl: (id) => `${base(id)}${HEALTH_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
