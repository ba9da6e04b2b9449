/**
 * A selector as a WHERE clause on the agents table, the same SQL text on
 * SQLite and PostgreSQL. It is `matches()` (shared/selector-match.ts) in SQL,
 * clause for clause; selector-sql.test.ts holds the two equal over random
 * agents and selectors on both databases.
 *
 * Text is compared lower-cased on both sides, lowered in JavaScript (the
 * indexed columns when the row is written, the values here), never by the
 * database: SQLite's LIKE folds only A–Z and PostgreSQL's LIKE nothing, so
 * the one folding both agree on is none.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from "kysely";
import { normalizeSelector, TIER_RANGES, type Selector } from "../../shared/selector.js";
import type { Database } from "./rows.js";

type Agents = ExpressionBuilder<Database, "agents">;

/** Lower-cases and escapes LIKE wildcards; the statements name `\` as the escape character. */
export function likeEscape(text: string): string {
  return text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `column LIKE '%needle%' ESCAPE '\'` on a lower-cased column; SQLite has no default escape character. */
const contains = (column: "tags_index" | "skills_index" | "search_text", needle: string) =>
  sql<SqlBool>`${sql.ref(column)} like ${`%${needle}%`} escape '\\'`;

/** `min <= trust_score < below`, leaving out an infinite bound. */
function scoreRange(eb: Agents, range: { min: number; below: number }): Expression<SqlBool> {
  const bounds: Expression<SqlBool>[] = [];
  if (range.min !== -Infinity) bounds.push(eb("trust_score", ">=", range.min));
  if (range.below !== Infinity) bounds.push(eb("trust_score", "<", range.below));
  return eb.and(bounds);
}

/**
 * The filter for `selector`, for `.where()`: every part ANDed, nothing for an
 * empty selector (`1 = 1`).
 *
 * @example
 * db.selectFrom("agents").where(selectorWhere({ health: ["healthy"], min_trust: 0.8 })).selectAll()
 */
export function selectorWhere(selector: Selector) {
  const s = normalizeSelector(selector);
  return (eb: Agents): Expression<SqlBool> => {
    const parts: Expression<SqlBool>[] = [];
    if (s.protocol) parts.push(eb("protocol", "in", s.protocol));
    for (const tag of s.tag ?? []) parts.push(contains("tags_index", `|${likeEscape(tag)}|`));
    for (const skill of s.skill ?? []) parts.push(contains("skills_index", `|${likeEscape(skill)}|`));
    if (s.health) parts.push(eb("health_status", "in", s.health));
    if (s.tier) parts.push(eb.or(s.tier.map((t) => scoreRange(eb, TIER_RANGES[t]))));
    if (s.min_trust !== undefined) parts.push(eb("trust_score", ">=", s.min_trust));
    if (s.provider !== undefined) parts.push(eb("provider", "=", s.provider));
    if (s.q !== undefined) parts.push(contains("search_text", likeEscape(s.q)));
    return eb.and(parts);
  };
}
