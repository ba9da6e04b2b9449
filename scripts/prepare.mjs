// Runs after `npm install` / `npm ci`: builds the server and the dashboard when their
// sources are newer than the build, and links `node_modules/.bin/agentmesh` to this
// package's own CLI (npm links the bins of dependencies, not of the root package).
import { existsSync, mkdirSync, symlinkSync, unlinkSync, lstatSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt } from "./ensure-built.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "node_modules", ".bin");
const link = join(binDir, "agentmesh");
mkdirSync(binDir, { recursive: true });
try {
  if (lstatSync(link)) unlinkSync(link);
} catch {}
symlinkSync(relative(binDir, join(root, "bin", "agentmesh.js")), link);
if (existsSync(join(root, "node_modules", "typescript"))) ensureBuilt();
