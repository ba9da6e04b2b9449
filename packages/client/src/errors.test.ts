import { describe, expect, it } from "vitest";
import { AgentMeshError, abortedError, invalidArgument, throwIfAborted } from "./errors.js";

describe("AgentMeshError.retryable", () => {
  it.each([
    [0, "unreachable", true],
    [0, "timeout", true],
    [0, "bad_response", true],
    [0, "invalid_argument", false],
    [0, "aborted", false],
    [429, "rate_limited", true],
    [503, "store_unavailable", true],
    [404, "agent_not_found", false],
    [401, "unauthorized", false],
  ] as const)("status %i %s → %s", (status, code, retryable) => {
    expect(new AgentMeshError({ status, code, detail: "x" }).retryable).toBe(retryable);
  });

  it("names an abort AbortError, keeps the signal's reason as its cause, and is still an AgentMeshError", () => {
    const ctrl = new AbortController();
    const reason = new Error("user left");
    ctrl.abort(reason);
    const err = abortedError(ctrl.signal);
    expect(err).toBeInstanceOf(AgentMeshError);
    expect(err).toMatchObject({ name: "AbortError", code: "aborted", status: 0, retryable: false, cause: reason });
    expect(() => throwIfAborted(ctrl.signal)).toThrow(expect.objectContaining({ code: "aborted" }));
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
    expect(invalidArgument("bad")).toMatchObject({ name: "AgentMeshError", code: "invalid_argument", message: "invalid_argument: bad" });
  });
});
