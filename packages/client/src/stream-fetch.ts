/**
 * The `fetch` the subscription hands its EventSource: the bearer token in the
 * header (never in the URL), an answer expected within `timeoutMs` (a pooled
 * connection may be dead), the body tapped so a watchdog sees keep-alive
 * comments the EventSource does not surface, and refusals read as problems.
 */
import { AgentMeshError } from "./errors.js";
import { authHeaders, errorFromResponse, type FetchFn } from "./http.js";

export interface StreamFetchHooks {
  /** Bytes arrived (headers or body). */
  onActivity(): void;
  /** No answer within `timeoutMs`; the request was aborted. */
  onNoAnswer(): void;
  /** The answer was not an event stream; the EventSource will fail the connection. */
  onRefused(error: AgentMeshError): void;
}

type Init = { headers: Record<string, string>; signal?: AbortSignal } & Record<string, unknown>;

export function streamFetch(fetchFn: FetchFn, token: string | undefined, timeoutMs: number, hooks: StreamFetchHooks) {
  return async (input: string | URL, init: Init) => {
    const ctrl = new AbortController();
    init.signal?.addEventListener("abort", () => ctrl.abort(init.signal?.reason), { once: true });
    const timer = setTimeout(() => {
      ctrl.abort(new Error("no answer"));
      hooks.onNoAnswer();
    }, timeoutMs);
    let res: Response;
    try {
      res = await fetchFn(input, { ...init, signal: ctrl.signal, headers: { ...init.headers, ...authHeaders(token) } } as RequestInit);
    } finally {
      clearTimeout(timer);
    }
    const type = res.headers.get("content-type") ?? "";
    if (res.status !== 200 || !type.startsWith("text/event-stream") || !res.body) {
      hooks.onRefused(
        res.status === 200
          ? new AgentMeshError({ status: 200, code: "bad_response", detail: `${res.url} is not an event stream (is this an AgentMesh registry?)` })
          : await errorFromResponse(res),
      );
      // A non-200 status makes the EventSource fail the connection (and fire "error").
      return { status: res.status === 200 ? 502 : res.status, headers: res.headers, url: res.url, redirected: res.redirected, body: null };
    }
    hooks.onActivity();
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hooks.onActivity();
        controller.enqueue(chunk);
      },
    });
    return { status: res.status, headers: res.headers, url: res.url, redirected: res.redirected, body: res.body.pipeThrough(tap) };
  };
}
