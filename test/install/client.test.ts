/**
 * The client package's budgets (issue 16): it installs without compiling
 * anything, and its main entry bundled for a browser (esbuild, minified,
 * gzipped) stays under 15 KiB, which holds only while the main entry loads no
 * TypeBox (the schemas are at `@agentmesh/client/schema`). And its packed
 * tarball, installed alone into an empty project, imports and runs.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const client = join(root, "packages", "client");
const pkg = JSON.parse(readFileSync(join(client, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));

/** The budget of the main entry's browser bundle, gzipped. */
const BUNDLE_BUDGET = 15 * 1024;
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall"];

/** Bundles one entry of the client for a browser, as an app's bundler would; returns its gzipped size and the packages it pulled in. */
async function browserBundle(entry: string): Promise<{ gzipped: number; packages: string[] }> {
  const result = await build({
    entryPoints: [join(client, "src", entry)],
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const packages = new Set(Object.keys(result.metafile.inputs).flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? []));
  return { gzipped: gzipSync(result.outputFiles[0].contents).length, packages: [...packages].sort() };
}

/** Every package the client's dependencies pull in, by their lockfile entries (`node_modules/x` paths), found from the workspace outwards. */
function dependencyTree(): Record<string, { hasInstallScript?: boolean; version?: string; dependencies?: Record<string, string> }> {
  const found: Record<string, any> = {};
  const visit = (name: string, from: string) => {
    // Node's lookup: the nearest node_modules up from the dependant.
    for (let dir = from; ; dir = dir.includes("/node_modules/") ? dir.slice(0, dir.lastIndexOf("/node_modules/")) : "") {
      const path = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      const entry = lock.packages[path];
      if (entry) {
        if (found[path]) return;
        found[path] = entry;
        for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(dep, path);
        return;
      }
      if (dir === "") throw new Error(`${name} (needed by ${from}) is not in the lockfile`);
    }
  };
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, "packages/client");
  return found;
}

describe("the client package's budgets", () => {
  it("bundles its main entry for a browser under 15 KiB gzipped, without TypeBox", async () => {
    const main = await browserBundle("index.ts");
    expect(main.packages).not.toContain("typebox");
    expect(main.gzipped).toBeLessThan(BUNDLE_BUDGET);
  });

  it("keeps TypeBox in the schema entry, which is where the weight would come from", async () => {
    const schema = await browserBundle("schema.ts");
    expect(schema.packages).toContain("typebox");
  });

  it("has no install scripts, in itself or anywhere in its dependency tree, and nothing native", () => {
    expect(INSTALL_SCRIPTS.filter((s) => pkg.scripts?.[s])).toEqual([]);
    const tree = dependencyTree();
    expect(Object.keys(tree)).toContain("node_modules/eventsource");
    expect(Object.entries(tree).filter(([, e]) => e.hasInstallScript).map(([path]) => path)).toEqual([]);
  });

  it("depends on nothing of the server's", () => {
    const server = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const serverOnly = Object.keys(server.dependencies).filter((d) => !["typebox", "@agentmesh/client"].includes(d));
    expect(Object.keys(dependencyTree()).filter((path) => serverOnly.some((d) => path.endsWith(`node_modules/${d}`)))).toEqual([]);
  });
});

describe("the client's packed tarball, installed alone", () => {
  let project: string;

  beforeAll(async () => {
    const dir = tempDir("agentmesh-client-pack-");
    // The workspace's prepare has built packages/client/dist (npm test runs ensure-built first).
    const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: client, maxBuffer: 16 << 20 });
    const [report] = JSON.parse(stdout) as [{ filename: string }];
    project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-the-client", private: true, type: "module" }));
    // Scripts on, as for a user: the check below is that there are none to run.
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, report.filename)], { cwd: project, maxBuffer: 16 << 20 });
  }, 180_000);

  it("installs only pure JavaScript: no install scripts, no native build", () => {
    const installed = readdirSync(join(project, "node_modules"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith("package.json"));
    const withScripts = installed.filter((f) => {
      const p = JSON.parse(readFileSync(join(project, "node_modules", f), "utf8"));
      return INSTALL_SCRIPTS.some((s) => p.scripts?.[s]) || existsSync(join(project, "node_modules", f, "..", "binding.gyp"));
    });
    expect(installed).toContain(join("@agentmesh", "client", "package.json"));
    expect(withScripts).toEqual([]);
    expect(existsSync(join(project, "node_modules", "better-sqlite3"))).toBe(false);
    expect(existsSync(join(project, "node_modules", "fastify"))).toBe(false);
  });

  it("imports in Node: the client, its errors and the schemas subpath", async () => {
    const script = [
      'import { AgentMeshClient, AgentMeshError, PROTOCOLS, matchesText } from "@agentmesh/client";',
      'import { AgentCard } from "@agentmesh/client/schema";',
      'const client = new AgentMeshClient({ url: "http://127.0.0.1:9" });',
      "let code = null;",
      "try { await client.heartbeat(); } catch (e) { code = e instanceof AgentMeshError ? e.code : String(e); }",
      "console.log(JSON.stringify({ client: typeof client.subscribe, code, protocols: PROTOCOLS.length, search: matchesText({ id: 'a', name: 'Alpha', description: '', provider: null, tags: [], skills: [] }, 'ALP'), schema: AgentCard.type }));",
    ].join("\n");
    writeFileSync(join(project, "main.mjs"), script);
    const { stdout } = await run("node", ["main.mjs"], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ client: "function", code: "invalid_argument", protocols: 6, search: true, schema: "object" });
  });

  it("ships its declarations, so TypeScript users get the types", () => {
    const dist = join(project, "node_modules", "@agentmesh", "client", "dist");
    expect(existsSync(join(dist, "index.d.ts"))).toBe(true);
    expect(existsSync(join(dist, "schema.d.ts"))).toBe(true);
    expect(readdirSync(dist).filter((f) => f.endsWith(".test.js"))).toEqual([]);
  });
});
