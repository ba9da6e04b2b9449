/**
 * `npm install` warns EBADENGINE when the running Node is outside a package's
 * `engines.node`. Every Node our package.json accepts must therefore be inside
 * every locked package's range (dev and optional ones too: `npm install` in a
 * clone installs them, and `npm ci` checks the platform binaries it skips).
 * Checked on the lockfile, so a bump that pulls in a Node-22-only package fails
 * here instead of warning on a user's machine.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));

interface Locked {
  version?: string;
  engines?: { node?: string } | string[];
}

/** Every locked package whose `engines.node` does not cover all of `ours`. */
function outsideEngines(ours: string, packages: Record<string, Locked>): string[] {
  const bad: string[] = [];
  for (const [path, entry] of Object.entries(packages)) {
    if (path === "") continue;
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (range === undefined) continue;
    if (!semver.validRange(range) || !semver.subset(ours, range)) bad.push(`${path}@${entry.version}: node ${range}`);
  }
  return bad;
}

describe("engines", () => {
  it("every locked package supports every Node our package.json accepts", () => {
    const ours: string = pkg.engines.node;
    expect(semver.validRange(ours)).toBeTruthy();
    expect(outsideEngines(ours, lock.packages)).toEqual([]);
  });

  it("the Node running the tests is one we accept", () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it("the check catches a package that wants a newer Node than we accept", () => {
    // The two that warned on Node 20 before they were pinned back.
    const before = {
      "node_modules/content-disposition": { version: "3.1.0", engines: { node: ">=22" } },
      "node_modules/cookie": { version: "2.0.2", engines: { node: ">=22" } },
      "node_modules/fine": { version: "1.0.0", engines: { node: ">=18" } },
    };
    expect(outsideEngines(pkg.engines.node, before)).toEqual([
      "node_modules/content-disposition@3.1.0: node >=22",
      "node_modules/cookie@2.0.2: node >=22",
    ]);
  });

  it("the lockfile matches package.json (npm ci would refuse otherwise)", () => {
    const locked = lock.packages[""];
    expect(locked.engines).toEqual(pkg.engines);
    expect(locked.dependencies).toEqual(pkg.dependencies);
    expect(locked.devDependencies).toEqual(pkg.devDependencies);
  });
});
