/**
 * package.json's `overrides` hold two packages back a major version so that
 * Node 20 installs without EBADENGINE: content-disposition 2 under
 * @fastify/static, cookie 1 under light-my-request. These exercise exactly the
 * calls their parents make into them, so an update that needs the newer API
 * fails here rather than in a user's `reply.download()` or `inject({ cookies })`.
 */
import fastifyStatic from "@fastify/static";
import Fastify from "fastify";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("held-back dependencies", () => {
  it("@fastify/static names a download with content-disposition 2", async () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir, "résumé.txt"), "hello");
    const app = Fastify();
    await app.register(fastifyStatic, { root: dir, serve: false });
    app.get("/file", (_request, reply) => reply.download("résumé.txt"));
    const res = await app.inject({ method: "GET", url: "/file" });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("hello");
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="r?sum?.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`);
  });

  it("fastify.inject sends cookies with cookie 1", async () => {
    const app = Fastify();
    app.get("/echo", async (request) => ({ cookie: request.headers.cookie }));
    const res = await app.inject({ method: "GET", url: "/echo", cookies: { session: "a b", theme: "dark" } });
    await app.close();
    expect(res.json()).toEqual({ cookie: "session=a%20b; theme=dark" });
  });
});
