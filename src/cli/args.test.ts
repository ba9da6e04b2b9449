/** The one line the CLI prints for a refused token says what to do. */
import { describe, expect, it } from "vitest";
import { AgentMeshError } from "../sdk/errors.js";
import { describeError } from "./args.js";

const unauthorized = (detail: string) => new AgentMeshError({ status: 401, code: "unauthorized", detail });
const ctx = { url: "http://127.0.0.1:8000" };

describe("describeError", () => {
  it("asks for --token when reads need the read token", () => {
    const err = unauthorized("this registry requires the read token (Authorization: Bearer <read token>) or a dashboard session");
    expect(describeError(err, ctx)).toBe("the registry requires a token (401 unauthorized): pass --token or set AGENTMESH_TOKEN");
  });

  it("says the token was refused when one was given", () => {
    expect(describeError(unauthorized("wrong token"), { ...ctx, token: "given" })).toBe("the registry refused the token (401 unauthorized): wrong token");
  });
});
