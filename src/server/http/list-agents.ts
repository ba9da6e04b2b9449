/**
 * `GET /api/v1/agents`: the selector, the sort, and the two ways to page.
 *
 * - Offset paging (`offset`, any sort): for tables that jump to page n. An
 *   agent added or removed before the offset shifts the rest, so a walk by
 *   offset can skip or repeat rows while writes happen.
 * - Keyset paging (`continue`, `sort=created_at`): every page after the first
 *   starts after the previous page's last row, so a walk returns each agent
 *   that existed throughout exactly once, and every page answers the first
 *   page's `cursor` (continue-token.ts says why only this order).
 */
import { DEFAULT_ORDER, DEFAULT_SORT } from "@agentmesh/client";
import { Type } from "typebox";
import { LIST_SORTS, MAX_QUERY_INTEGER, type ListSort } from "../../shared/agent.js";
import { parseSelector, selectorKey, type Selector } from "../../shared/selector.js";
import type { ListOptions, ListResult, Store } from "../store/store.js";
import { checkContinue, decodeContinue, encodeContinue, keysetPageable } from "./continue-token.js";
import { SELECTOR_QUERY, selectorFromQuery } from "./selector-query.js";
import { AppError } from "../errors.js";


/** The route's own parameters, beside the selector's. */
const PAGING = {
  sort: Type.Optional(Type.Enum([...LIST_SORTS], { description: "Default name. Only created_at pages with continue tokens; the others page by offset" })),
  order: Type.Optional(Type.Enum(["asc", "desc"])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "Page size, default 100" })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_QUERY_INTEGER, description: "Offset paging (tables): rows to skip" })),
  continue: Type.Optional(Type.String({ maxLength: 2048, description: "The previous page's `continue` token: the next page of the same walk" })),
};

/** The list's querystring: the selector (selector-query.ts) and paging. */
export const ListAgentsQuery = Type.Object({ ...SELECTOR_QUERY, ...PAGING }, { additionalProperties: false });

export interface ListAgentsQueryValue {
  sort?: ListSort;
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
  continue?: string;
  [selectorPart: string]: unknown;
}

export interface ListAnswer {
  rows: ListResult["rows"];
  total: number;
  limit: number;
  offset: number;
  cursor: number;
  /** The next page's token; absent on the last page and for lists that page by offset. */
  continue?: string;
}

/** The selector a token was issued for (its canonical key is a selector query string). */
function tokenSelector(key: string): Selector {
  const parsed = parseSelector(key);
  if (!parsed.ok) throw new AppError("invalid_continue", "continue is not a token this list answered: bad selector", [{ field: "query.continue", message: "bad selector" }]);
  return parsed.selector;
}

/** Answers one page of the list for `query` (validated by `ListAgentsQuery`); bad selectors and tokens are 400s. */
export async function listAgentsPage(store: Pick<Store, "listAgents">, query: ListAgentsQueryValue): Promise<ListAnswer> {
  const asked = selectorFromQuery(query, Object.keys(PAGING));
  const limit = query.limit ?? 100;
  let options: ListOptions;
  let cursor: number | undefined;
  if (query.continue !== undefined) {
    const token = decodeContinue(query.continue);
    checkContinue(token, { selector: asked, sort: query.sort, order: query.order, offset: query.offset });
    const selector = selectorKey(asked) === "" ? tokenSelector(token.selector) : asked;
    options = { selector, sort: token.sort, order: token.order, limit, offset: 0, after: token.after };
    cursor = token.cursor;
  } else {
    const sort = query.sort ?? DEFAULT_SORT;
    options = { selector: asked, sort, order: query.order ?? DEFAULT_ORDER[sort], limit, offset: query.offset ?? 0 };
  }
  // A keyset page reads one row more, to know whether another page follows: the last page answers no token.
  const keyset = keysetPageable(options);
  const result = await store.listAgents(keyset ? { ...options, limit: limit + 1 } : options);
  const rows = result.rows.slice(0, limit);
  const answer: ListAnswer = { rows, total: result.total, limit, offset: options.offset, cursor: cursor ?? result.cursor };
  const last = rows[rows.length - 1];
  if (keyset && result.rows.length > limit) {
    answer.continue = encodeContinue({
      sort: options.sort as "created_at",
      order: options.order,
      after: { key: last.created_at, id: last.id },
      cursor: answer.cursor,
      selector: selectorKey(options.selector ?? {}),
    });
  }
  return answer;
}
