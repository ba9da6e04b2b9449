/**
 * Card rules the schemas cannot express: unique skill names and a small
 * metadata object; and which card fields a change touched (for `agent_updated`).
 */
import type { AgentCard, AgentPatch } from "../../shared/agent.js";
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

const CARD_FIELDS = ["name", "version", "description", "endpoint", "protocol", "skills", "tags", "provider", "metadata"] as const;

export function cardChanges(before: AgentRow, after: AgentRow): string[] {
  return CARD_FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}
