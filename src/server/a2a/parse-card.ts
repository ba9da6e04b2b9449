/**
 * Validates an A2A Agent Card of either version (types.ts) and names every
 * schema fault by its JSON Pointer, up to `MAX_CARD_FAULTS`, so an agent's
 * author fixes the card in one round and a hostile card cannot make the
 * answer large. Unknown fields are allowed (A2A cards are extensible), but the
 * fields the specification defines must have its types, and every URL the
 * registry would use must be absolute with a scheme it can reach.
 */
import type { A2ACard, A2ACardVersion, CardFault } from "./types.js";

export const MAX_CARD_FAULTS = 20;
/**
 * The schemes an AgentMesh endpoint may have (shared/agent.ts), checked equal at
 * compile time: importing the value would load TypeBox into `agentmesh probe`.
 */
const ENDPOINT_SCHEMES: typeof import("../../shared/agent.js").ENDPOINT_SCHEMES = ["http", "https", "ws", "wss", "grpc", "grpcs"];
/** Longest URL the registry keeps as an endpoint (the AgentMesh card's limit). */
const MAX_URL_LENGTH = 2000;

export type ParseCardResult = { ok: true; card: A2ACard; version: A2ACardVersion } | { ok: false; faults: CardFault[] };

type Json = Record<string, unknown>;

const pointer = (path: string, key: string | number) => `${path}/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`;
const kindOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`);

/** Collects faults; each check answers whether the value had the right shape. */
class Checker {
  readonly faults: CardFault[] = [];

  fault(path: string, message: string): false {
    if (this.faults.length < MAX_CARD_FAULTS) this.faults.push({ path, message });
    return false;
  }

  /** A field that must be present (`required`) or, when present, of the kind. */
  present(obj: Json, key: string, path: string, required: boolean): boolean {
    if (obj[key] !== undefined) return true;
    if (required) this.fault(pointer(path, key), "is required");
    return false;
  }

  string(obj: Json, key: string, path: string, required = false, nonEmpty = false): boolean {
    if (!this.present(obj, key, path, required)) return false;
    const v = obj[key];
    if (typeof v !== "string") return this.fault(pointer(path, key), `must be a string, not ${kindOf(v)}`);
    if (nonEmpty && v.trim() === "") return this.fault(pointer(path, key), "must not be empty");
    return true;
  }

  url(obj: Json, key: string, path: string, required: boolean, schemes: readonly string[] = ["http", "https"]): boolean {
    if (!this.string(obj, key, path, required, required)) return false;
    const text = obj[key] as string;
    const at = pointer(path, key);
    if (text.length > MAX_URL_LENGTH) return this.fault(at, `must be at most ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return this.fault(at, "must be an absolute URL");
    }
    if (!schemes.includes(url.protocol.slice(0, -1))) return this.fault(at, `must be a ${schemes.join(", ")} URL`);
    if (!url.hostname && url.protocol !== "data:") return this.fault(at, "must have a host");
    return true;
  }

  boolean(obj: Json, key: string, path: string): void {
    if (this.present(obj, key, path, false) && typeof obj[key] !== "boolean") this.fault(pointer(path, key), `must be a boolean, not ${kindOf(obj[key])}`);
  }

  object(obj: Json, key: string, path: string, required = false): Json | undefined {
    if (!this.present(obj, key, path, required)) return undefined;
    const v = obj[key];
    if (v === null || typeof v !== "object" || Array.isArray(v)) return void this.fault(pointer(path, key), `must be an object, not ${kindOf(v)}`);
    return v as Json;
  }

  array(obj: Json, key: string, path: string, required = false, nonEmpty = false): unknown[] | undefined {
    if (!this.present(obj, key, path, required)) return undefined;
    const v = obj[key];
    if (!Array.isArray(v)) return void this.fault(pointer(path, key), `must be an array, not ${kindOf(v)}`);
    if (nonEmpty && v.length === 0) return void this.fault(pointer(path, key), "must list at least one entry");
    return v;
  }

  strings(obj: Json, key: string, path: string, required = false): void {
    const list = this.array(obj, key, path, required);
    list?.forEach((item, i) => typeof item !== "string" && this.fault(pointer(pointer(path, key), i), `must be a string, not ${kindOf(item)}`));
  }

  /** An array of objects, each checked by `each`. */
  objects(obj: Json, key: string, path: string, each: (item: Json, at: string) => void, required = false, nonEmpty = false): void {
    const list = this.array(obj, key, path, required, nonEmpty);
    list?.forEach((item, i) => {
      const at = pointer(pointer(path, key), i);
      if (item === null || typeof item !== "object" || Array.isArray(item)) this.fault(at, `must be an object, not ${kindOf(item)}`);
      else each(item as Json, at);
    });
  }
}

/** Which version's field names the card uses. A card with neither is checked as the current version. */
export function cardVersion(card: Json): A2ACardVersion {
  return card.supportedInterfaces === undefined && card.url !== undefined ? "0.3" : "1.0";
}

function checkSkill(c: Checker, skill: Json, at: string, version: A2ACardVersion): void {
  c.string(skill, "id", at, true, true);
  c.string(skill, "name", at, true, true);
  c.string(skill, "description", at, true);
  c.strings(skill, "tags", at, true);
  c.strings(skill, "examples", at);
  c.strings(skill, "inputModes", at);
  c.strings(skill, "outputModes", at);
  c.array(skill, version === "1.0" ? "securityRequirements" : "security", at);
}

function checkCommon(c: Checker, card: Json, version: A2ACardVersion): void {
  c.string(card, "name", "", true, true);
  c.string(card, "description", "", true);
  c.string(card, "version", "", true, true);
  const provider = c.object(card, "provider", "");
  if (provider) {
    c.string(provider, "organization", "/provider", true, true);
    c.url(provider, "url", "/provider", true);
  }
  c.url(card, "documentationUrl", "", false);
  c.url(card, "iconUrl", "", false, ["http", "https", "data"]);
  const capabilities = c.object(card, "capabilities", "", true);
  if (capabilities) {
    for (const flag of ["streaming", "pushNotifications", "stateTransitionHistory", "extendedAgentCard", "skillQuery"]) c.boolean(capabilities, flag, "/capabilities");
    c.objects(capabilities, "extensions", "/capabilities", (ext, at) => c.string(ext, "uri", at, true, true));
  }
  const schemes = c.object(card, "securitySchemes", "");
  for (const [name, scheme] of Object.entries(schemes ?? {})) {
    if (scheme === null || typeof scheme !== "object" || Array.isArray(scheme)) c.fault(pointer("/securitySchemes", name), `must be an object, not ${kindOf(scheme)}`);
  }
  c.strings(card, "defaultInputModes", "", true);
  c.strings(card, "defaultOutputModes", "", true);
  c.objects(card, "skills", "", (skill, at) => checkSkill(c, skill, at, version), true);
  c.objects(card, "signatures", "", (sig, at) => {
    c.string(sig, "protected", at, true, true);
    c.string(sig, "signature", at, true, true);
  });
}

/** Checks a parsed JSON value as an A2A Agent Card of version 1.0 or 0.3. */
export function parseA2ACard(json: unknown): ParseCardResult {
  const c = new Checker();
  if (json === null || typeof json !== "object" || Array.isArray(json)) return { ok: false, faults: [{ path: "", message: `must be a JSON object, not ${kindOf(json)}` }] };
  const card = json as Json;
  const version = cardVersion(card);
  if (version === "1.0") {
    if (card.supportedInterfaces === undefined) c.fault("/supportedInterfaces", "is required (A2A 1.0; cards of 0.3 give url and preferredTransport instead)");
    c.objects(card, "supportedInterfaces", "", (iface, at) => {
      c.url(iface, "url", at, true, ENDPOINT_SCHEMES);
      c.string(iface, "protocolBinding", at, true, true);
      c.string(iface, "protocolVersion", at, true, true);
      c.string(iface, "tenant", at);
    }, false, true);
    c.array(card, "securityRequirements", "");
  } else {
    c.url(card, "url", "", true, ENDPOINT_SCHEMES);
    c.string(card, "protocolVersion", "", false, true);
    c.string(card, "preferredTransport", "", false, true);
    c.objects(card, "additionalInterfaces", "", (iface, at) => {
      c.url(iface, "url", at, true, ENDPOINT_SCHEMES);
      c.string(iface, "transport", at, true, true);
    });
    c.array(card, "security", "");
    c.boolean(card, "supportsAuthenticatedExtendedCard", "");
  }
  checkCommon(c, card, version);
  return c.faults.length ? { ok: false, faults: c.faults } : { ok: true, card: card as A2ACard, version };
}
