import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { allowedMethods } from "./allowed-methods.js";

const app = Fastify();

describe("allowedMethods", () => {
  app.get("/things/:id", async () => "");
  app.delete("/things/:id", async () => "");
  app.post("/things", async () => "");
  app.options("*", async () => "");

  it("lists every method a concrete path is routed for, HEAD included with GET, sorted", async () => {
    await app.ready();
    expect(allowedMethods(app, "/things/42?x=1")).toEqual(["DELETE", "GET", "HEAD", "OPTIONS"]);
    expect(allowedMethods(app, "/things")).toEqual(["OPTIONS", "POST"]);
  });

  it("treats a path only a catch-all OPTIONS route matches as unknown", async () => {
    await app.ready();
    expect(allowedMethods(app, "/nothing/here")).toEqual([]);
    expect(allowedMethods(app, "/things/42/more")).toEqual([]);
  });
});
