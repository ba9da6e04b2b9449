// Vite and Vitest resolve `@agentmesh/client` to the package's TypeScript sources,
// so the dashboard's dev server and the tests never run a stale build of the
// client. (Node, tsc and the published package use dist/ through `exports`.)
import { fileURLToPath } from "node:url";

const src = (file) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export const clientSourceAlias = [
  { find: /^@agentmesh\/client$/, replacement: src("index.ts") },
  { find: /^@agentmesh\/client\/schema$/, replacement: src("schema.ts") },
];
