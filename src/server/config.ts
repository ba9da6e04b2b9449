/**
 * Configuration of `agentmesh serve`: every setting has a flag (`--offline-after`)
 * and an environment variable (`AGENTMESH_OFFLINE_AFTER`); a flag wins over the
 * variable, the variable over the default. Everything is validated once, at
 * start-up, into one frozen object; a bad value stops start-up with a message
 * that names the setting.
 */
import { isIP } from "node:net";
import { resolve } from "node:path";
import { DURATION_EXAMPLES, parseDuration } from "../shared/duration.js";
import { parseCidrList } from "./fetch/cidr.js";
import { PROBE_LIMITS } from "../shared/probe.js";

export { parseDuration };

export interface Config {
  port: number;
  host: string;
  /** `sqlite:<path>` or a `postgres://` URL. */
  database: string;
  heartbeatIntervalMs: number;
  offlineAfterMs: number;
  sweepIntervalMs: number;
  /** How long an agent may stay offline before it is deregistered (reaped); 0 = never. */
  deregisterAfterMs: number;
  historyMaxEvents: number;
  historyMaxAgeMs: number;
  keepaliveMs: number;
  /** Least time between two writes of new events to the streams (0 = at once); batches under load. */
  streamFlushMs: number;
  maxStreams: number;
  maxStreamsPerClient: number;
  /** Bytes queued on a stream's socket past which nothing more is written to it until it has room again. */
  maxStreamBufferBytes: number;
  /** How long a stream's queue may stay over maxStreamBufferBytes before it is dropped as a slow consumer. */
  slowConsumerGraceMs: number;
  adminToken: string | null;
  registrationToken: string | null;
  readToken: string | null;
  /** Writes per client per second; 0 turns the limit off. */
  rateLimit: number;
  /** Sign-in attempts (`POST /api/v1/session`) per client address per minute; 0 turns the limit off. */
  signInLimit: number;
  /** How long a dashboard session lasts after sign-in. */
  sessionMaxAgeMs: number;
  bodyLimitBytes: number;
  trustStep: number;
  /** Age at which a reporter's reports count in full (domain/trust.ts); 0 drops the age and healthy-run requirements. */
  trustMaturityMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** `json` lines, readable `pretty` lines, or `auto`: pretty when stdout is a terminal. */
  logFormat: "auto" | "json" | "pretty";
  /** Directory of the built dashboard, or null to serve none. */
  webRoot: string | null;
  /** PostgreSQL pool size (ignored for SQLite). */
  dbPoolSize: number;
  /**
   * Addresses of the proxies whose X-Forwarded-For is believed (IPs, CIDR ranges,
   * or loopback / linklocal / uniquelocal); empty: none, the peer address counts.
   */
  trustProxy: string[];
  /** CIDR ranges the registry may fetch from although loopback, private or otherwise special (A2A cards, probes); empty: none. */
  probeAllow: string[];
  /** CIDR ranges the registry never fetches from, even public ones; wins over probeAllow. */
  probeDeny: string[];
  /** Probe settings an agent's probe does not set itself (src/shared/probe.ts bounds the per-agent values). */
  probeIntervalMs: number;
  probeTimeoutMs: number;
  probeFailures: number;
  probeSuccesses: number;
  /** Probes in flight at once on this instance, across all targets. */
  probeConcurrency: number;
  /** Probes in flight at once against one host. */
  probePerHost: number;
  /** Exact origins (`https://tools.example.com`) whose pages may call the API and the stream (http/cors.ts); empty: none. */
  corsOrigins: string[];
}

type Kind = "port" | "string" | "duration" | "delay" | "int" | "number" | "token" | "level" | "format" | "path" | "addresses" | "cidrs" | "origins";

interface Setting {
  key: keyof Config;
  flag: string;
  kind: Kind;
  default: string | null;
  help: string;
}

/** Every setting, its flag, its default and what it does; the README's table comes from here. */
export const SETTINGS: readonly Setting[] = [
  { key: "port", flag: "port", kind: "port", default: "8000", help: "TCP port to listen on (0 = any free port)" },
  { key: "host", flag: "host", kind: "string", default: "127.0.0.1", help: "Address to listen on; 0.0.0.0 to expose" },
  { key: "database", flag: "database", kind: "string", default: "sqlite:./data/agentmesh.db", help: "sqlite:<file> or postgres://user@host/db" },
  { key: "heartbeatIntervalMs", flag: "heartbeat-interval", kind: "duration", default: "10s", help: "Interval heartbeat answers ask agents for" },
  { key: "offlineAfterMs", flag: "offline-after", kind: "duration", default: "30s", help: "Silence after which an agent is marked offline" },
  { key: "sweepIntervalMs", flag: "sweep-interval", kind: "duration", default: "1s", help: "How often the health sweeper runs" },
  {
    key: "deregisterAfterMs",
    flag: "deregister-after",
    kind: "delay",
    default: "0",
    help: "Deregister agents that have been offline this long (announced as agent_deregistered with reason reaped); 0 = never",
  },
  { key: "historyMaxEvents", flag: "history-max-events", kind: "int", default: "100000", help: "Events kept in the log for resume and history" },
  { key: "historyMaxAgeMs", flag: "history-max-age", kind: "duration", default: "24h", help: "Age after which events are pruned from the log" },
  { key: "keepaliveMs", flag: "keepalive", kind: "duration", default: "15s", help: "Longest silence on an event stream: a quiet stream gets a keep-alive comment" },
  { key: "streamFlushMs", flag: "stream-flush", kind: "delay", default: "20ms", help: "Least time between two writes of new events to a stream; under load, events in between go out together (0 = every event at once)" },
  { key: "maxStreams", flag: "max-streams", kind: "int", default: "10000", help: "Concurrent event streams, in total" },
  { key: "maxStreamsPerClient", flag: "max-streams-per-client", kind: "int", default: "1000", help: "Concurrent event streams per client address" },
  { key: "maxStreamBufferBytes", flag: "max-stream-buffer", kind: "int", default: "1048576", help: "Bytes queued on a stream's socket past which the server waits for it to drain before writing more" },
  {
    key: "slowConsumerGraceMs",
    flag: "slow-consumer-grace",
    kind: "duration",
    default: "5s",
    help: "How long a stream may stay over --max-stream-buffer before it is dropped as a slow consumer (it resumes by Last-Event-ID)",
  },
  { key: "adminToken", flag: "admin-token", kind: "token", default: null, help: "Token that may update or remove any agent" },
  { key: "registrationToken", flag: "registration-token", kind: "token", default: null, help: "If set, new registrations must present it" },
  { key: "readToken", flag: "read-token", kind: "token", default: null, help: "If set, reads and the stream require it (or the dashboard's session cookie)" },
  { key: "rateLimit", flag: "rate-limit", kind: "int", default: "20", help: "Writes per client per second; 0 turns it off" },
  { key: "signInLimit", flag: "sign-in-limit", kind: "int", default: "10", help: "Dashboard sign-in attempts per client address per minute; 0 turns it off" },
  { key: "sessionMaxAgeMs", flag: "session-max-age", kind: "duration", default: "7d", help: "How long a dashboard session lasts after sign-in (sign-out ends it at once)" },
  { key: "bodyLimitBytes", flag: "body-limit", kind: "int", default: "65536", help: "Largest accepted request body, in bytes" },
  { key: "trustStep", flag: "trust-step", kind: "number", default: "0.01", help: "Smallest trust move that is published" },
  {
    key: "trustMaturityMs",
    flag: "trust-maturity",
    kind: "delay",
    default: "24h",
    help: "Age at which a reporter's reports count in full (it needs 1/24 of it heartbeating healthily, and counts nothing for its first 1/24); 0 counts new agents in full (demos, tests only)",
  },
  { key: "logLevel", flag: "log-level", kind: "level", default: "info", help: "fatal, error, warn, info, debug, trace or silent" },
  { key: "logFormat", flag: "log-format", kind: "format", default: "auto", help: "json, pretty, or auto: pretty on a terminal, JSON lines otherwise" },
  { key: "webRoot", flag: "web-root", kind: "path", default: "", help: "Directory of the built dashboard (default: the package's web/dist)" },
  { key: "dbPoolSize", flag: "db-pool-size", kind: "int", default: "10", help: "PostgreSQL connections per instance" },
  {
    key: "trustProxy",
    flag: "trust-proxy",
    kind: "addresses",
    default: "",
    help: "Proxies whose X-Forwarded-For names the client (comma-separated IPs, CIDR ranges, or loopback); empty: none",
  },
  {
    key: "probeAllow",
    flag: "probe-allow",
    kind: "cidrs",
    default: "",
    help: "CIDR ranges the registry may fetch cards and probe although loopback, private or reserved (e.g. 127.0.0.0/8,::1/128); link-local is never fetched; empty: public addresses only",
  },
  {
    key: "probeDeny",
    flag: "probe-deny",
    kind: "cidrs",
    default: "",
    help: "CIDR ranges the registry never fetches cards from or probes, even public ones; wins over --probe-allow",
  },
  { key: "probeIntervalMs", flag: "probe-interval", kind: "duration", default: "30s", help: "Time between two probes of an agent, unless its probe sets interval_ms (5s to 1h)" },
  { key: "probeTimeoutMs", flag: "probe-timeout", kind: "duration", default: "5s", help: "Deadline of one probe, unless its probe sets timeout_ms (100ms to 1m, shorter than the interval)" },
  { key: "probeFailures", flag: "probe-failures", kind: "int", default: "3", help: "Failed probes in a row before an agent's probe is failing (1 to 10)" },
  { key: "probeSuccesses", flag: "probe-successes", kind: "int", default: "2", help: "Successful probes in a row before a failing probe recovers (1 to 10)" },
  { key: "probeConcurrency", flag: "probe-concurrency", kind: "int", default: "64", help: "Probes in flight at once on this instance" },
  { key: "probePerHost", flag: "probe-per-host", kind: "int", default: "4", help: "Probes in flight at once against one host" },
  {
    key: "corsOrigins",
    flag: "cors-origin",
    kind: "origins",
    default: "",
    help: "Other origins whose pages may use the API and the stream (comma-separated, exact: https://tools.example.com); empty: none",
  },
];

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`invalid --${setting}: ${message}`);
    this.name = "ConfigError";
  }
}

const LOG_FORMATS = ["auto", "json", "pretty"];
const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const NAMED_RANGES = ["loopback", "linklocal", "uniquelocal"];

/**
 * An origin exactly as a browser sends it in `Origin`: http(s), host, and the
 * port only when it is not the scheme's default; no path, no trailing slash, no
 * wildcard. Anything else could never match a request, so it is refused at start-up.
 */
function isExactOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === text;
  } catch {
    return false;
  }
}

/** An IP address, an IP/prefix range, or one of the named ranges proxy-addr knows. */
function isAddressOrRange(text: string): boolean {
  if (NAMED_RANGES.includes(text)) return true;
  const [ip, prefix, ...rest] = text.split("/");
  const family = isIP(ip);
  if (family === 0 || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function convert(s: Setting, raw: string): unknown {
  const fail = (why: string): never => {
    throw new ConfigError(s.flag, `${JSON.stringify(raw)} ${why}`);
  };
  switch (s.kind) {
    case "port": {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n > 65535) fail("is not a port number (0–65535)");
      return n;
    }
    case "int": {
      if (!/^\d+$/.test(raw)) fail("is not a whole number ≥ 0");
      return Number(raw);
    }
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) fail("is not a number between 0 and 1");
      return n;
    }
    case "delay": {
      const ms = raw.trim() === "0" ? 0 : parseDuration(raw);
      if (ms === null) fail("is not 0 or a duration such as 5ms or 1s");
      return ms;
    }
    case "duration": {
      const ms = parseDuration(raw);
      if (ms === null || ms <= 0) fail(`is not a duration such as ${DURATION_EXAMPLES}`);
      return ms;
    }
    case "token": {
      if (raw.length < 16) fail("is too short: use at least 16 characters");
      if (/\s/.test(raw)) fail("must not contain whitespace");
      return raw;
    }
    case "level":
      if (!LEVELS.includes(raw)) fail(`is not one of ${LEVELS.join(", ")}`);
      return raw;
    case "format":
      if (!LOG_FORMATS.includes(raw)) fail(`is not one of ${LOG_FORMATS.join(", ")}`);
      return raw;
    case "path":
      return raw === "" ? "" : resolve(raw);
    case "string":
      if (raw.trim() === "") fail("must not be empty");
      return raw;
    case "addresses": {
      const list = raw.split(",").map((a) => a.trim()).filter(Boolean);
      const bad = list.find((a) => !isAddressOrRange(a));
      if (bad !== undefined) fail(`has ${JSON.stringify(bad)}, which is not an IP address, a CIDR range (10.0.0.0/8) or loopback, linklocal, uniquelocal`);
      return list;
    }
    case "cidrs":
      try {
        return parseCidrList(raw).map((c) => c.text);
      } catch (err) {
        return fail(`has ${(err as Error).message}`);
      }
    case "origins": {
      const list = raw.split(",").map((a) => a.trim()).filter(Boolean);
      const bad = list.find((o) => !isExactOrigin(o));
      if (bad !== undefined) fail(`has ${JSON.stringify(bad)}, which is not an exact origin such as https://tools.example.com or http://127.0.0.1:5173 (scheme, host and port only; no wildcard, no path)`);
      return [...new Set(list)];
    }
  }
}

export type ConfigInput = Partial<Record<keyof Config | string, string | number | null | undefined>>;

export interface ConfigSources {
  /** Parsed flags, by flag name (`offline-after`) or config key (`offlineAfterMs` / `offlineAfter`). */
  flags?: ConfigInput;
  env?: Record<string, string | undefined>;
}

function envName(flag: string): string {
  return `AGENTMESH_${flag.toUpperCase().replaceAll("-", "_")}`;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function lookup(flags: ConfigInput, s: Setting): string | number | null | undefined {
  for (const name of [s.flag, camel(s.flag), s.key]) {
    if (flags[name] !== undefined) return flags[name];
  }
  return undefined;
}

/** Builds the frozen config from flags, then `AGENTMESH_*` variables, then defaults. */
export function loadConfig({ flags = {}, env = {} }: ConfigSources = {}): Readonly<Config> {
  const known = new Set(SETTINGS.flatMap((s) => [s.flag, camel(s.flag), s.key]));
  for (const name of Object.keys(flags)) {
    if (!known.has(name)) throw new ConfigError(name, "unknown setting");
  }
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const fromFlag = lookup(flags, s);
    const raw = fromFlag ?? env[envName(s.flag)] ?? s.default;
    out[s.key] = raw === null || raw === undefined ? null : convert(s, String(raw));
  }
  const cfg = out as unknown as Config;
  if (cfg.webRoot === ("" as string)) cfg.webRoot = null;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(cfg.database)) {
    throw new ConfigError("database", `${JSON.stringify(cfg.database)} is neither sqlite:<file> nor a postgres:// URL`);
  }
  if (cfg.offlineAfterMs <= cfg.heartbeatIntervalMs) {
    throw new ConfigError("offline-after", `must be longer than --heartbeat-interval (${cfg.heartbeatIntervalMs}ms)`);
  }
  if (cfg.maxStreamsPerClient > cfg.maxStreams) cfg.maxStreamsPerClient = cfg.maxStreams;
  if (cfg.dbPoolSize < 1) throw new ConfigError("db-pool-size", "must be at least 1");
  if (cfg.historyMaxEvents < 1) throw new ConfigError("history-max-events", "must be at least 1");
  checkProbeDefaults(cfg);
  return Object.freeze(cfg);
}

/** The server's probe defaults must lie within the bounds an agent's own probe is held to. */
function checkProbeDefaults(cfg: Config): void {
  const within = (flag: string, value: number, { minimum, maximum }: { minimum: number; maximum: number }, unit = "") => {
    if (value < minimum || value > maximum) throw new ConfigError(flag, `must be between ${minimum}${unit} and ${maximum}${unit}`);
  };
  within("probe-interval", cfg.probeIntervalMs, PROBE_LIMITS.interval_ms, "ms");
  within("probe-timeout", cfg.probeTimeoutMs, PROBE_LIMITS.timeout_ms, "ms");
  within("probe-failures", cfg.probeFailures, PROBE_LIMITS.failures);
  within("probe-successes", cfg.probeSuccesses, PROBE_LIMITS.successes);
  if (cfg.probeTimeoutMs >= cfg.probeIntervalMs) throw new ConfigError("probe-timeout", `must be shorter than --probe-interval (${cfg.probeIntervalMs}ms)`);
  if (cfg.probeConcurrency < 1) throw new ConfigError("probe-concurrency", "must be at least 1");
  if (cfg.probePerHost < 1) throw new ConfigError("probe-per-host", "must be at least 1");
}

export function envVarFor(flag: string): string {
  return envName(flag);
}

/** `serve --help` text, generated from SETTINGS so it cannot drift. */
export function settingsHelp(): string {
  const rows = SETTINGS.map((s) => {
    const left = `  --${s.flag} <${s.kind === "duration" || s.kind === "delay" ? "duration" : "value"}>`;
    const def = s.default === null || s.default === "" ? "" : ` (default ${s.default})`;
    return `${left.padEnd(38)}${s.help}${def}\n${"".padEnd(38)}env ${envName(s.flag)}`;
  });
  return rows.join("\n");
}
