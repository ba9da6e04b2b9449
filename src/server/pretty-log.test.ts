import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { prettyDestination, prettyLine } from "./pretty-log.js";

describe("pretty log lines", () => {
  it("writes time, level, message and the other fields, without the ones every line has", () => {
    const line = prettyLine(JSON.stringify({ level: 30, time: Date.parse("2030-01-02T03:04:05.006"), service: "agentmesh", pid: 1, hostname: "h", url: "http://127.0.0.1:8000", database: "sqlite:./x.db", msg: "listening on http://127.0.0.1:8000" }), false);
    expect(line).toBe("03:04:05.006 INFO  listening on http://127.0.0.1:8000  database=sqlite:./x.db");
  });

  it("shows an error's message and stack, and escapes control characters from clients", () => {
    const err = new Error("boom");
    const line = prettyLine(JSON.stringify({ level: 50, time: 0, msg: "failed for agent\x1b[2J", agent: "a\rb", err: { type: "Error", message: err.message, stack: err.stack } }), false);
    const [first, ...stack] = line.split("\n");
    expect(first).toMatch(/ERROR failed for agent\\x1b\[2J {2}agent="a\\rb" err=boom$/);
    expect(stack[0]).toMatch(/^ {4}at /);
    expect(line).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it("is a pino destination", () => {
    let out = "";
    const sink = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
    const logger = pino({ base: null }, prettyDestination(sink, true));
    logger.warn({ n: 1 }, "careful");
    expect(out).toMatch(/^\x1b\[90m\d\d:\d\d:\d\d\.\d{3}\x1b\[0m \x1b\[33mWARN \x1b\[0m careful {2}\x1b\[90mn=1\x1b\[0m\n$/);
  });
});
