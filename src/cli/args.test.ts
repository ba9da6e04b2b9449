/** The one line the CLI prints for a refused token says what to do. */
import { describe, expect, it } from "vitest";
import { AgentMeshError } from "@agentmesh/client";
import { attachDashValues, describeError, durationOption, intOption, parse, UsageError } from "./args.js";

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

describe("values that start with a dash", () => {
  it("reach their own check instead of being taken for a missing value", () => {
    const options = { since: { type: "string" }, json: { type: "boolean" }, agents: { type: "string", short: "n" } } as const;
    expect(attachDashValues(["--since", "-5"], options)).toEqual(["--since=-5"]);
    expect(attachDashValues(["-n", "-3", "--json"], options)).toEqual(["--agents=-3", "--json"]);
    expect(attachDashValues(["--since", "--json"], options)).toEqual(["--since", "--json"]);
    expect(attachDashValues(["--json", "--", "--since", "-5"], options)).toEqual(["--json", "--", "--since", "-5"]);
    expect(() => parse("events", ["--since", "-5"], { since: { type: "string" } })).not.toThrow();
    expect(parse("events", ["--since", "-5"], { since: { type: "string" } }).values.since).toBe("-5");
    expect(() => intOption("-5", "since", "events")).toThrow('--since must be a whole number ≥ 0, got "-5"');
  });
});

describe("durationOption", () => {
  it("reads durations as the server does, compound ones and days included", () => {
    expect(durationOption("1m30s", "duration", "simulate")).toBe(90_000);
    expect(durationOption("1d", "duration", "simulate")).toBe(86_400_000);
    expect(durationOption("500ms", "duration", "simulate")).toBe(500);
    expect(durationOption(undefined, "duration", "simulate")).toBeUndefined();
    for (const bad of ["-5s", "0s", "10", "soon"]) expect(() => durationOption(bad, "duration", "simulate"), bad).toThrow(UsageError);
    expect(() => durationOption("30d", "duration", "simulate")).toThrow("at most 24 days");
  });
});
