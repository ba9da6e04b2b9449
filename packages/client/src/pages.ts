/**
 * Reading a list page by page, for `AgentMeshClient.pages()` and `listAll()`.
 * Offset paging today; when the registry answers a `continue` token (keyset
 * paging, bound to the first page's cursor) the next page is asked for by that
 * token instead, which lists every agent that existed throughout exactly once.
 */
import type { AgentList, ListQuery } from "./agent.js";
import { throwIfAborted } from "./errors.js";
import type { CallOptions } from "./http.js";

/** The server's default page size. */
export const DEFAULT_PAGE_SIZE = 100;

export type ListFn = (query: ListQuery, options: CallOptions) => Promise<AgentList>;

type ContinueQuery = ListQuery & { continue?: string };

export async function* listPages(list: ListFn, query: ListQuery = {}, options: CallOptions = {}): AsyncGenerator<AgentList, void, undefined> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  let offset = query.offset ?? 0;
  let token: string | undefined;
  for (;;) {
    throwIfAborted(options.signal);
    const { offset: _drop, ...rest } = query;
    const next: ContinueQuery = token === undefined ? { ...query, limit, offset } : { ...rest, limit, continue: token };
    const page = await list(next, options);
    yield page;
    const cont = (page as AgentList & { continue?: string | null }).continue;
    if (typeof cont === "string" && cont !== "") {
      token = cont;
      continue;
    }
    if (cont === null) return;
    offset += page.agents.length;
    if (page.agents.length < limit || offset >= page.total) return;
  }
}
