/**
 * Card rules the schemas cannot express: unique skill names and a small
 * metadata object; the card as a row holds it; and which card fields a change
 * touched (for `agent_updated`). The field list is CARD_FIELDS' own.
 */
import { CARD_ABSENT, CARD_FIELD_NAMES, type AgentCard, type AgentPatch, type CardHeld } from "../../shared/agent.js";
import { AppError } from "../errors.js";
import type { AgentRow } from "../store/store.js";

export const METADATA_MAX_BYTES = 4096;

export function checkCard(card: AgentCard | AgentPatch): void {
  const seen = new Set<string>();
  (card.skills ?? []).forEach((skill, i) => {
    if (seen.has(skill.name)) {
      throw new AppError("duplicate_skill", `skill name ${JSON.stringify(skill.name)} appears more than once`, [
        { field: `body.skills[${i}].name`, message: "must be unique among the agent's skills" },
      ]);
    }
    seen.add(skill.name);
  });
  if (card.metadata) {
    const size = Buffer.byteLength(JSON.stringify(card.metadata));
    if (size > METADATA_MAX_BYTES) {
      throw new AppError("metadata_too_large", `metadata is ${size} bytes as JSON; at most ${METADATA_MAX_BYTES} are allowed`, [
        { field: "body.metadata", message: `at most ${METADATA_MAX_BYTES} bytes as JSON` },
      ]);
    }
  }
}

/** A registration's card as every agent holds it: fields left out become null or an empty list (CARD_ABSENT). */
export function heldCard(card: AgentCard): CardHeld {
  const held: Record<string, unknown> = {};
  for (const key of CARD_FIELD_NAMES) {
    const absent = (CARD_ABSENT as Partial<Record<string, null | "empty list">>)[key];
    held[key] = card[key] ?? (absent === "empty list" ? [] : absent);
  }
  return held as CardHeld;
}

/** The card fields of a stored agent (no registry field). */
export function cardOf(row: AgentRow): CardHeld {
  return Object.fromEntries(CARD_FIELD_NAMES.map((key) => [key, row[key]])) as CardHeld;
}

export function cardChanges(before: AgentRow, after: AgentRow): string[] {
  return CARD_FIELD_NAMES.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}
