/**
 * Agent tokens: 256 random bits, shown once, stored only as a SHA-256 hash
 * (a fast hash is right for high-entropy secrets: there is nothing to guess).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function newAgentToken(): string {
  return `amt_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function tokenMatches(token: string | undefined, hash: string): boolean {
  if (!token) return false;
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of a presented secret with a configured one. */
export function secretEquals(presented: string | undefined, secret: string | null): boolean {
  if (!presented || !secret) return false;
  const a = Buffer.from(hashToken(presented), "hex");
  const b = Buffer.from(hashToken(secret), "hex");
  return timingSafeEqual(a, b);
}
