/**
 * What `npm pack` puts in the tarball people install: every file a script,
 * the CLI or the package's entry points name is in it, every source map
 * resolves without the TypeScript sources (which are not shipped), and the
 * registry page can link back to the project.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** Scripts npm runs for someone installing or starting the package (not the developer's build and bench scripts). */
const USER_SCRIPTS = ["preinstall", "install", "postinstall", "prepare", "start"];

let shipped: Set<string>;

beforeAll(async () => {
  // --ignore-scripts: packing would otherwise run `prepare`, i.e. a build.
  const { stdout } = await promisify(execFile)("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, maxBuffer: 16 << 20 });
  const [report] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  shipped = new Set(report.files.map((f) => f.path));
}, 60_000);

/** Relative files (`scripts/x.mjs`, `./bin/y.js`) a script line names. */
function filesNamed(command: string): string[] {
  return [...command.matchAll(/(?:^|\s)(\.?\/?[\w@.-]+(?:\/[\w@.-]+)+\.[cm]?js)\b/g)].map((m) => posix.normalize(m[1]));
}

/** Sources a shipped source map needs on disk: those it neither ships nor inlines. */
function missingSources(mapPath: string): string[] {
  const map = JSON.parse(readFileSync(join(root, mapPath), "utf8")) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
  return map.sources.flatMap((source, i) => {
    if (typeof map.sourcesContent?.[i] === "string") return [];
    const resolved = posix.normalize(posix.join(posix.dirname(mapPath), map.sourceRoot ?? "", source));
    return shipped.has(resolved) ? [] : [`${mapPath} → ${resolved}`];
  });
}

describe("the packed tarball", () => {
  it("ships the dashboard, the CLI and the compiled server, and no sources or tests", () => {
    expect(shipped.has("web/dist/index.html")).toBe(true);
    expect(shipped.has("dist/cli/main.js")).toBe(true);
    expect([...shipped].filter((f) => /^(src|test|web\/src|bench)\//.test(f))).toEqual([]);
  });

  it("ships every file a user-facing script names", () => {
    const named = USER_SCRIPTS.flatMap((name) => (pkg.scripts?.[name] ? filesNamed(pkg.scripts[name]) : []));
    expect(named).toContain("scripts/prepare.mjs");
    expect(named.filter((f) => !shipped.has(f))).toEqual([]);
  });

  it("ships the files its bin, main, types and exports point at", () => {
    const targets = [
      ...Object.values(pkg.bin as Record<string, string>),
      pkg.main,
      pkg.types,
      ...Object.values(pkg.exports as Record<string, Record<string, string>>).flatMap((e) => Object.values(e)),
    ].map((p: string) => posix.normalize(p));
    expect(targets.filter((f) => !shipped.has(f))).toEqual([]);
  });

  it("ships every import of the shipped scripts", () => {
    const scripts = [...shipped].filter((f) => f.startsWith("scripts/"));
    const imports = scripts.flatMap((f) =>
      [...readFileSync(join(root, f), "utf8").matchAll(/from "(\.{1,2}\/[^"]+)"/g)].map((m) => posix.normalize(posix.join(posix.dirname(f), m[1]))),
    );
    expect(imports.filter((f) => !shipped.has(f))).toEqual([]);
  });

  it("has source maps that resolve without the sources it does not ship", () => {
    const maps = [...shipped].filter((f) => f.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(0);
    expect(maps.flatMap(missingSources)).toEqual([]);
    // And every map a compiled file points at is in the tarball too.
    const dangling = [...shipped]
      .filter((f) => f.startsWith("dist/") && f.endsWith(".js"))
      .flatMap((f) => {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, f), "utf8"))?.[1];
        const target = url && !url.startsWith("data:") ? posix.join(posix.dirname(f), url) : undefined;
        return target && !shipped.has(target) ? [`${f} → ${target}`] : [];
      });
    expect(dangling).toEqual([]);
  });

  it("carries the client package it depends on (bundled), so it installs before @agentmesh/client is on the registry", () => {
    expect(pkg.bundleDependencies).toContain("@agentmesh/client");
    expect(shipped.has("node_modules/@agentmesh/client/package.json")).toBe(true);
    expect(shipped.has("node_modules/@agentmesh/client/dist/index.js")).toBe(true);
    expect(shipped.has("node_modules/@agentmesh/client/dist/index.d.ts")).toBe(true);
    expect([...shipped].filter((f) => f.startsWith("node_modules/@agentmesh/client/src/"))).toEqual([]);
  });

  it("names its repository and homepage", () => {
    expect(pkg.repository).toMatchObject({ type: "git", url: expect.stringMatching(/^git\+https:\/\/\S+\.git$/) });
    expect(pkg.homepage).toMatch(/^https:\/\/\S+$/);
  });
});

describe("filesNamed", () => {
  it("finds the files a script line runs", () => {
    expect(filesNamed("node scripts/ensure-built.mjs && node ./bin/agentmesh.js serve")).toEqual(["scripts/ensure-built.mjs", "bin/agentmesh.js"]);
    expect(filesNamed("tsc -p tsconfig.build.json")).toEqual([]);
  });
});

