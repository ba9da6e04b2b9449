/**
 * A plausible fleet for screenshots: agents of every protocol with varied
 * skills, and a short history that spreads health and trust (reports from
 * peers lift or sink trust; some agents degrade, fail or go silent).
 */
import type { AgentCard, ReportedStatus } from "../../../src/shared/agent.js";
import { RegistryClient, type Registered } from "./registry.js";

type Plan = { card: AgentCard; status: ReportedStatus | "silent" | "gone"; trust: "high" | "mid" | "low" };

const skill = (name: string, description: string, ...tags: string[]) => ({ name, description, tags });

export const FLEET: Plan[] = [
  { status: "healthy", trust: "high", card: { id: "planner-01", name: "Trip Planner", version: "2.4.1", protocol: "a2a", provider: "Wayfare Labs", endpoint: "https://planner.wayfare.dev/a2a", description: "Plans multi-leg trips: flights, trains and hotels within a budget.", tags: ["travel", "planning", "prod"], skills: [skill("plan_trip", "Itinerary for dates, places and a budget", "travel"), skill("rebook", "Rebooks after a cancellation", "travel", "ops")] } },
  { status: "healthy", trust: "high", card: { id: "search-eu-1", name: "Web Search (EU)", version: "5.0.3", protocol: "mcp", provider: "Kestrel", endpoint: "https://eu1.kestrel.ai/mcp", description: "Fresh web search with citations, EU data residency.", tags: ["search", "eu", "prod"], skills: [skill("search", "Ranked results with snippets", "web"), skill("news", "Recent news on a topic", "web", "news")] } },
  { status: "healthy", trust: "high", card: { id: "sql-analyst", name: "SQL Analyst", version: "1.12.0", protocol: "http", provider: "Datapath", endpoint: "https://analyst.datapath.io/v1", description: "Answers questions over a warehouse by writing and running read-only SQL.", tags: ["data", "sql", "prod"], skills: [skill("ask", "Question in English → answer with the query", "sql"), skill("explain_query", "Explains a SQL query", "sql")] } },
  { status: "healthy", trust: "mid", card: { id: "translator", name: "Translator", version: "3.1.0", protocol: "grpc", provider: "Lingua", endpoint: "grpc://translate.lingua.net:443", description: "Translation between 40 languages with glossary support.", tags: ["language", "prod"], skills: [skill("translate", "Translate text", "i18n"), skill("detect_language", "Detect the language of a text", "i18n")] } },
  { status: "healthy", trust: "mid", card: { id: "code-review-bot", name: "Code Reviewer", version: "0.9.4", protocol: "a2a", provider: "Forge", endpoint: "https://review.forge.dev/a2a", description: "Reviews pull requests for bugs and style.", tags: ["code", "github", "beta"], skills: [skill("review_pr", "Comments on a pull request diff", "code")] } },
  { status: "degraded", trust: "mid", card: { id: "ocr-worker-3", name: "Document OCR", version: "4.2.0", protocol: "http", provider: "Paperline", endpoint: "https://ocr3.paperline.io/", description: "Extracts text and tables from scanned PDFs.", tags: ["documents", "vision"], skills: [skill("ocr", "Text from images and PDFs", "vision"), skill("tables", "Tables as CSV", "vision", "data")] } },
  { status: "healthy", trust: "high", card: { id: "support-triage", name: "Support Triage", version: "2.0.0", protocol: "websocket", provider: "Helpdesk Co", endpoint: "wss://triage.helpdesk.co/ws", description: "Classifies incoming tickets and drafts first replies.", tags: ["support", "prod"], skills: [skill("classify", "Ticket category and urgency", "support"), skill("draft_reply", "First reply draft", "support", "writing")] } },
  { status: "unhealthy", trust: "low", card: { id: "image-gen-b", name: "Image Generator B", version: "0.3.0-rc.2", protocol: "http", provider: "Pixelry", endpoint: "https://b.pixelry.art/generate", description: "Diffusion image generation (canary).", tags: ["vision", "canary"], skills: [skill("generate_image", "Image from a prompt", "vision")] } },
  { status: "silent", trust: "low", card: { id: "scraper-legacy", name: "Legacy Scraper", version: "1.0.7", protocol: "custom", provider: "Internal", endpoint: "https://scraper.internal.example/run", description: "Old HTML scraper kept for two customers.", tags: ["web", "legacy"], skills: [skill("scrape", "HTML page to structured fields", "web")] } },
  { status: "healthy", trust: "mid", card: { id: "calendar-agent", name: "Calendar Assistant", version: "1.4.2", protocol: "a2a", provider: "Tempo", endpoint: "https://cal.tempo.app/a2a", description: "Finds slots and books meetings across calendars.", tags: ["productivity"], skills: [skill("find_slot", "Common free time", "calendar"), skill("book", "Books a meeting", "calendar")] } },
  { status: "silent", trust: "mid", card: { id: "speech-to-text", name: "Speech to Text", version: "2.2.0", protocol: "grpc", provider: "Voxa", endpoint: "grpc://stt.voxa.ai:443", description: "Streaming transcription with speaker labels.", tags: ["audio", "prod"], skills: [skill("transcribe", "Audio to text", "audio")] } },
  { status: "healthy", trust: "high", card: { id: "invoice-parser", name: "Invoice Parser", version: "3.0.1", protocol: "mcp", provider: "Ledgerly", endpoint: "https://mcp.ledgerly.com/invoices", description: "Parses invoices into line items and totals.", tags: ["finance", "documents", "prod"], skills: [skill("parse_invoice", "Invoice PDF → JSON", "finance")] } },
  { status: "degraded", trust: "low", card: { id: "summarizer-gpu2", name: "Summarizer (gpu2)", version: "1.8.0", protocol: "http", provider: "Internal", endpoint: "http://10.0.4.12:8080/summarize", description: "Long-document summaries.", tags: ["writing", "internal"], skills: [skill("summarize", "Summary of a long text", "writing")] } },
  { status: "healthy", trust: "mid", card: { id: "geo-lookup", name: "Geo Lookup", version: "0.5.1", protocol: "http", provider: "Mapwise", endpoint: "https://api.mapwise.dev/agent", description: "Geocoding and reverse geocoding.", tags: ["maps"], skills: [skill("geocode", "Address → coordinates", "maps"), skill("reverse", "Coordinates → address", "maps")] } },
  { status: "gone", trust: "mid", card: { id: "experiment-42", name: "Experiment 42", version: "0.0.1", protocol: "custom", endpoint: "http://127.0.0.1:9000/", description: "Throwaway.", tags: ["scratch"], skills: [] } },
  { status: "healthy", trust: "low", card: { id: "fresh-agent", name: "Sentiment Scorer", version: "0.1.0", protocol: "mcp", provider: "Moodboard", endpoint: "https://mcp.moodboard.io/", description: "Sentiment of short texts.", tags: ["language", "new"], skills: [skill("score", "Sentiment from −1 to 1", "nlp")] } },
];

export interface SimulatedFleet {
  agents: Map<string, Registered>;
  /** Stops the heartbeats. */
  stop(): void;
}

/**
 * Registers the fleet and keeps it heartbeating (every `beatMs`) while peers'
 * reports spread trust; then the "silent" agents stop (they go offline) and
 * one agent deregisters.
 */
export async function simulateFleet(client: RegistryClient, beatMs = 500): Promise<SimulatedFleet> {
  const agents = new Map<string, Registered>();
  for (const plan of FLEET) agents.set(plan.card.id, await client.register(plan.card));
  const silent = new Set<string>();
  let statusesOn = false;
  const beat = () =>
    Promise.all(
      FLEET.filter((p) => agents.has(p.card.id) && !silent.has(p.card.id)).map((p) => {
        const status = statusesOn && p.status !== "silent" && p.status !== "gone" ? p.status : undefined;
        return client.heartbeat(p.card.id, agents.get(p.card.id)!.token, status).catch(() => {});
      }),
    );
  await beat();
  const timer = setInterval(() => void beat(), beatMs);

  const reporters = [...agents.values()];
  // Each subject gets its own mix: how many peers report on it, how often, and how it went.
  await Promise.all(
    FLEET.map(async (plan, index) => {
      const id = plan.card.id;
      const peers = reporters.filter((r) => r.agent.id !== id);
      const count = plan.trust === "high" ? peers.length : plan.trust === "mid" ? 4 + ((index * 5) % 9) : 2 + (index % 4);
      const rounds = plan.trust === "high" ? 4 + (index % 3) : plan.trust === "mid" ? 1 + (index % 2) : 1;
      for (let round = 0; round < rounds; round++) {
        for (const reporter of peers.slice(0, count)) {
          const outcome = plan.trust === "low" ? (round % 2 ? "timeout" : "failure") : plan.trust === "mid" && (round + reporter.agent.id.length) % 5 === 0 ? "failure" : "success";
          await client.report(id, reporter.token, outcome, outcome === "success" ? 120 + round * 40 : undefined);
        }
      }
    }),
  );
  statusesOn = true;
  for (const plan of FLEET) if (plan.status === "silent") silent.add(plan.card.id);
  await beat();
  const gone = FLEET.find((p) => p.status === "gone")!;
  await client.deregister(gone.card.id, agents.get(gone.card.id)!.token);
  agents.delete(gone.card.id);
  return { agents, stop: () => clearInterval(timer) };
}
