/**
 * An agent's probe: how the registry checks for itself that the agent can be
 * reached. The object appears as `probe` in registration and update bodies
 * (`null` in an update removes it) and, with every setting filled in from the
 * server's defaults, in the agent's health answer. Durations are whole
 * milliseconds in `_ms` fields, like every other duration in the API
 * (`heartbeat_interval_ms`, `latency_ms`).
 *
 * @example
 * { "kind": "http", "url": "https://agent.example/healthz", "interval_ms": 30000 }
 * { "kind": "a2a" }   // the agent's card, at its card URL or <endpoint origin>/.well-known/agent-card.json
 * { "kind": "tcp", "host": "agent.example", "port": 7000, "failures": 5 }
 */
import { Type, type Static } from "typebox";
import { LINE_PATTERN } from "./agent.js";

export const PROBE_KINDS = ["http", "a2a", "tcp"] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

/**
 * The server's bounds on each per-agent setting (the schema refuses anything
 * outside them with a 400 naming the field). The lower interval bound keeps one
 * registrant from making the registry hammer a target; the timeout must also
 * be shorter than the interval (checked when the probe is resolved).
 */
export const PROBE_LIMITS = {
  interval_ms: { minimum: 5_000, maximum: 3_600_000 },
  timeout_ms: { minimum: 100, maximum: 60_000 },
  failures: { minimum: 1, maximum: 10 },
  successes: { minimum: 1, maximum: 10 },
} as const;

const settings = {
  interval_ms: Type.Optional(Type.Integer({ ...PROBE_LIMITS.interval_ms, description: "Time between probes (default --probe-interval, 30 s)" })),
  timeout_ms: Type.Optional(Type.Integer({ ...PROBE_LIMITS.timeout_ms, description: "Deadline of one probe (default --probe-timeout, 5 s); shorter than the interval" })),
  failures: Type.Optional(Type.Integer({ ...PROBE_LIMITS.failures, description: "Failures in a row before the probe is failing (default --probe-failures, 3)" })),
  successes: Type.Optional(Type.Integer({ ...PROBE_LIMITS.successes, description: "Successes in a row before a failing probe recovers (default --probe-successes, 2)" })),
};

const HttpUrl = Type.String({ format: "uri", maxLength: 2000, pattern: "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]", description: "An absolute http or https URL" });

export const HttpProbe = Type.Object(
  { kind: Type.Literal("http", { description: "GET the URL: a 2xx answer within the timeout passes" }), url: HttpUrl, ...settings },
  { additionalProperties: false },
);
export const A2aProbe = Type.Object(
  {
    kind: Type.Literal("a2a", { description: "Fetch the agent's A2A card: a card that parses passes" }),
    url: Type.Optional({ ...HttpUrl, description: "The card's URL; default the URL the agent was registered from, else <endpoint origin>/.well-known/agent-card.json" }),
    ...settings,
  },
  { additionalProperties: false },
);
export const TcpProbe = Type.Object(
  {
    kind: Type.Literal("tcp", { description: "Open a TCP connection: connecting within the timeout passes" }),
    host: Type.String({ minLength: 1, maxLength: 253, pattern: LINE_PATTERN, description: "Host name or IP address" }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    ...settings,
  },
  { additionalProperties: false },
);

/** `probe` in `POST /agents` and `PATCH /agents/{id}` bodies. */
export const ProbeSpec = Type.Union([HttpProbe, A2aProbe, TcpProbe], { description: "How the registry checks the agent itself" });
export type ProbeSpec = Static<typeof ProbeSpec>;

/** A probe with every setting filled in: what is stored and shown. */
export type ResolvedProbe = (
  | { kind: "http"; url: string }
  | { kind: "a2a"; url: string }
  | { kind: "tcp"; host: string; port: number }
) & { interval_ms: number; timeout_ms: number; failures: number; successes: number };

/**
 * One probe's outcome, as health events carry it (`probe`) and the agent's
 * health answer lists its recent ones. `error` is safe to show the registrant
 * (it never holds credentials or a resolved address).
 */
export const ProbeResult = Type.Object({
  kind: Type.Enum([...PROBE_KINDS]),
  ok: Type.Boolean(),
  latency_ms: Type.Integer({ minimum: 0 }),
  status_code: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
});
export type ProbeResult = Static<typeof ProbeResult>;

/** A probe result with the time it was taken (ISO), as listed by `GET /agents/{id}/health`. */
export type TimedProbeResult = ProbeResult & { at: string };

const IsoTime = Type.String({ format: "date-time" });

/** The probe part of `GET /agents/{id}/health`: the probe as resolved, its damped state and its recent results, newest last. */
export const ProbeHealth = Type.Object({
  probe: Type.Unsafe<ResolvedProbe>(Type.Object({}, { additionalProperties: true, description: "The probe with every setting filled in" })),
  state: Type.Enum(["unknown", "passing", "failing"]),
  failing_since: Type.Union([IsoTime, Type.Null()], { description: "While failing: when its run of failures began" }),
  last_ok_at: Type.Union([IsoTime, Type.Null()]),
  next_due_at: IsoTime,
  recent: Type.Array(Type.Intersect([ProbeResult, Type.Object({ at: IsoTime })])),
});
export type ProbeHealth = Static<typeof ProbeHealth>;
