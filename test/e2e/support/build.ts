/**
 * Builds the dashboard (web/dist) when its sources (web/, src/shared/, the
 * client package it bundles) are newer than the last build. Only the dashboard:
 * the tests import the server from source, so they do not wait for tsc. The
 * freshness rule is scripts/ensure-built.mjs's.
 */
import { ensureBuilt } from "../../../scripts/ensure-built.mjs";

export function ensureWebBuilt(): void {
  ensureBuilt({ server: false });
}
