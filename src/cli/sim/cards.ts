/**
 * Plausible agent cards for a simulated fleet, derived from a seed: varied
 * roles, names, protocols, skills, tags and providers, each with a persona
 * (how reliable, how flaky, how fast) that drives its simulated behaviour.
 * Every card is tagged `simulated` so it can be filtered out.
 */
import type { AgentCard, Protocol, Skill } from "../../shared/agent.js";
import { createRandom, hash32, type Random } from "./random.js";

export interface Persona {
  /** Probability that an invocation of a healthy agent succeeds. */
  reliability: number;
  /** Multiplies the chance of degrading, failing and going silent. */
  flakiness: number;
  /** Typical latency of a successful invocation. */
  latencyMs: number;
}

export interface SimAgent {
  card: AgentCard;
  persona: Persona;
}

interface Role {
  slug: string;
  title: string;
  description: string;
  skills: [string, string, string[]][];
  tags: string[];
}

const ROLES: Role[] = [
  { slug: "summarizer", title: "Summarizer", description: "Condenses long documents into briefs", skills: [["summarize", "Summarize a document", ["nlp"]], ["outline", "Extract an outline", ["nlp"]]], tags: ["nlp", "documents"] },
  { slug: "translator", title: "Translator", description: "Translates text between 40 languages", skills: [["translate", "Translate text", ["nlp", "i18n"]], ["detect-language", "Detect the language of a text", ["nlp"]]], tags: ["nlp", "i18n"] },
  { slug: "code-reviewer", title: "Code Reviewer", description: "Reviews pull requests and suggests fixes", skills: [["review-diff", "Review a diff", ["code"]], ["suggest-tests", "Suggest missing tests", ["code", "testing"]]], tags: ["code", "devtools"] },
  { slug: "sql-analyst", title: "SQL Analyst", description: "Answers questions over the data warehouse", skills: [["text-to-sql", "Turn a question into SQL", ["data"]], ["explain-query", "Explain a query plan", ["data"]]], tags: ["data", "analytics"] },
  { slug: "researcher", title: "Web Researcher", description: "Searches the web and cites its sources", skills: [["search", "Search the web", ["web"]], ["cite", "Attach citations", ["web", "nlp"]]], tags: ["web", "research"] },
  { slug: "planner", title: "Task Planner", description: "Breaks goals into steps and delegates them", skills: [["plan", "Plan a multi-step task", ["orchestration"]], ["delegate", "Route a step to another agent", ["orchestration"]]], tags: ["orchestration"] },
  { slug: "retriever", title: "Retriever", description: "Finds relevant passages in the knowledge base", skills: [["retrieve", "Retrieve passages for a query", ["rag"]], ["rerank", "Rerank candidate passages", ["rag"]]], tags: ["rag", "search"] },
  { slug: "invoice-parser", title: "Invoice Parser", description: "Extracts line items and totals from invoices", skills: [["parse-invoice", "Parse an invoice PDF", ["documents", "finance"]], ["validate-totals", "Check totals and taxes", ["finance"]]], tags: ["finance", "documents"] },
  { slug: "captioner", title: "Image Captioner", description: "Describes images for search and accessibility", skills: [["caption", "Caption an image", ["vision"]], ["alt-text", "Write alt text", ["vision", "a11y"]]], tags: ["vision"] },
  { slug: "transcriber", title: "Transcriber", description: "Turns speech into timestamped text", skills: [["transcribe", "Transcribe audio", ["speech"]], ["diarize", "Label speakers", ["speech"]]], tags: ["speech", "audio"] },
  { slug: "guardrail", title: "Guardrail", description: "Screens prompts and answers against policy", skills: [["moderate", "Check content against policy", ["safety"]], ["redact-pii", "Redact personal data", ["safety", "privacy"]]], tags: ["safety"] },
  { slug: "scheduler", title: "Scheduler", description: "Books meetings across calendars", skills: [["find-slot", "Find a common free slot", ["calendar"]], ["book", "Book a meeting", ["calendar"]]], tags: ["productivity"] },
  { slug: "support-bot", title: "Support Agent", description: "Answers customer questions from the help center", skills: [["answer", "Answer a support question", ["support", "nlp"]], ["escalate", "Escalate to a human", ["support"]]], tags: ["support", "customer"] },
  { slug: "sentiment", title: "Sentiment Analyzer", description: "Scores the sentiment of reviews and tickets", skills: [["score-sentiment", "Score sentiment", ["nlp"]]], tags: ["nlp", "analytics"] },
];

const ADJECTIVES = ["Swift", "Quiet", "Bright", "Steady", "Nimble", "Keen", "Patient", "Bold", "Clever", "Lucid", "Brisk", "Careful"];
const PROVIDERS = ["Acme AI", "Northwind Labs", "Contoso", "Globex", "Initech", "Tyrell Systems", "Aperture", "Soylent Compute"];
const REGIONS = ["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-1"];
const MODELS = ["small-8b", "medium-70b", "large-405b", "vision-11b", "distilled-3b"];
/** Weighted toward the protocols agents commonly speak. */
const PROTOCOLS: Protocol[] = ["a2a", "a2a", "a2a", "mcp", "mcp", "http", "http", "grpc", "websocket", "custom"];
const PATHS: Record<Protocol, string> = { a2a: "/a2a", mcp: "/mcp", http: "/v1/invoke", grpc: "", websocket: "/ws", custom: "/rpc" };

/** A short, stable tag for a seed, used in agent ids so fleets of different seeds do not collide. */
export function seedTag(seed: string | number): string {
  return hash32(`tag:${seed}`).toString(36).slice(0, 3).padStart(3, "0");
}

function card(rnd: Random, role: Role, id: string): AgentCard {
  const protocol = rnd.pick(PROTOCOLS);
  const scheme = protocol === "grpc" ? "grpcs" : protocol === "websocket" ? "wss" : "https";
  const skills: Skill[] = role.skills.map(([name, description, tags]) => ({ name, description, tags }));
  const tags = [...role.tags, ...(rnd.chance(0.4) ? [rnd.pick(["beta", "gpu", "internal", "experimental", "eu-only"])] : []), "simulated"];
  return {
    id,
    name: `${rnd.pick(ADJECTIVES)} ${role.title}`,
    version: `${rnd.int(0, 3)}.${rnd.int(0, 12)}.${rnd.int(0, 20)}`,
    description: role.description,
    endpoint: `${scheme}://${id}.agents.example${PATHS[protocol]}`,
    protocol,
    skills,
    tags: [...new Set(tags)],
    provider: rnd.pick(PROVIDERS),
    metadata: { region: rnd.pick(REGIONS), model: rnd.pick(MODELS), simulated: true },
  };
}

/** `count` agents for `seed`: the same seed always gives the same cards and personas. */
export function fleet(seed: string | number, count: number): SimAgent[] {
  const rnd = createRandom(seed).fork("cards");
  const tag = seedTag(seed);
  const roles = rnd.sample(ROLES, ROLES.length);
  return Array.from({ length: count }, (_, i) => {
    const role = roles[i % roles.length];
    const id = `${role.slug}-${tag}-${i + 1}`;
    const persona: Persona = {
      reliability: Math.round(rnd.float(0.55, 0.99) * 100) / 100,
      flakiness: Math.round(rnd.float(0.3, 1.8) * 100) / 100,
      latencyMs: rnd.int(80, 2500),
    };
    return { card: card(rnd, role, id), persona };
  });
}
