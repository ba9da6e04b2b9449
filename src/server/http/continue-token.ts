/**
 * Keyset paging for `GET /api/v1/agents` (issue 15 §4): the opaque `continue`
 * token and which orders it pages.
 *
 * Why only `created_at`: a page boundary is a key, and a row whose key
 * changes while a client pages can cross it — seen twice, or never. Trust,
 * name (PATCH) and `updated_at` change under the reader; `created_at` (set at
 * the first registration) and `id` never do. So a walk in `created_at, id`
 * order returns every agent that existed throughout exactly once, whatever
 * is written meanwhile; lists in the other orders page by offset (the
 * dashboard's table), and answer no token.
 *
 * The token is base64url JSON: the order, the last row's key, the first
 * page's `cursor` (every page answers that cursor, so the first page's cursor
 * plus the events after it converge to the truth however long the walk
 * takes) and the selector's canonical key (a token is for one selector). It is
 * not signed: it holds nothing secret, and a forged one can only ask for a
 * page any caller could ask for; it is checked field by field, and anything
 * else is a 400 `invalid_continue`.
 */
import { selectorKey, type Selector } from "../../shared/selector.js";
import { AppError } from "../errors.js";
import type { ListOptions } from "../store/store.js";

/** The orders a token pages (see above). */
export const KEYSET_SORTS = ["created_at"] as const;

export interface ContinueToken {
  sort: (typeof KEYSET_SORTS)[number];
  order: "asc" | "desc";
  /** The last row of the page: its sort key and id. */
  after: { key: number; id: string };
  /** The first page's cursor. */
  cursor: number;
  /** `selectorKey` of the list's selector. */
  selector: string;
}

/** Whether a list in this order, from this offset, answers a token. */
export function keysetPageable(options: Pick<ListOptions, "sort" | "offset">): options is Pick<ListOptions, "offset"> & { sort: ContinueToken["sort"] } {
  return options.offset === 0 && (KEYSET_SORTS as readonly string[]).includes(options.sort);
}

export function encodeContinue(token: ContinueToken): string {
  const wire = { v: 1, s: token.sort, o: token.order, k: token.after.key, i: token.after.id, c: token.cursor, q: token.selector };
  return Buffer.from(JSON.stringify(wire)).toString("base64url");
}

const bad = (why: string) => new AppError("invalid_continue", `continue is not a token this list answered: ${why}`, [{ field: "query.continue", message: why }]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The token in `text`, or a 400 `invalid_continue` naming what is wrong with it. */
export function decodeContinue(text: string): ContinueToken {
  if (text.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad("not base64url");
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw bad("not a token");
  }
  if (!isRecord(wire) || wire.v !== 1) throw bad("not a token of this version");
  const { s, o, k, i, c, q } = wire;
  if (!(KEYSET_SORTS as readonly unknown[]).includes(s)) throw bad("unknown order");
  if (o !== "asc" && o !== "desc") throw bad("unknown direction");
  if (typeof k !== "number" || !Number.isSafeInteger(k)) throw bad("bad key");
  if (typeof i !== "string" || i.length === 0 || i.length > 200) throw bad("bad id");
  if (typeof c !== "number" || !Number.isSafeInteger(c) || c < 0) throw bad("bad cursor");
  if (typeof q !== "string" || q.length > 8192) throw bad("bad selector");
  return { sort: s as ContinueToken["sort"], order: o, after: { key: k, id: i }, cursor: c, selector: q };
}

/**
 * A token applies only to the list it came from: the same selector, and the
 * same order when the request names one (a request may leave them out and
 * send the token alone). Otherwise a 400 `invalid_continue`.
 */
export function checkContinue(token: ContinueToken, request: { selector: Selector; sort?: string; order?: string; offset?: number }): void {
  if (request.offset !== undefined && request.offset !== 0) throw bad("continue pages by key, not by offset; leave offset out");
  if (request.sort !== undefined && request.sort !== token.sort) throw bad(`the token pages by ${token.sort}, not ${request.sort}`);
  if (request.order !== undefined && request.order !== token.order) throw bad(`the token pages ${token.order}, not ${request.order}`);
  const key = selectorKey(request.selector);
  if (key !== "" && key !== token.selector) throw bad("the token is for another selector");
}
