/**
 * Store contract, sessions: what the dashboard's sign-in relies on — a session
 * is found by its hash until it is deleted, survives a reopen (and so a
 * restart, or another instance), and expired sessions are cleared by later
 * sign-ins rather than by a timer.
 */
import { describe, expect, it } from "vitest";
import { T0, type ContractContext } from "./contract-fixtures.js";

export function sessionContract(ctx: ContractContext): void {
  describe("sessions", () => {
    it("a session is found by its hash until it is deleted; deleting twice is harmless", async () => {
      const { store } = ctx;
      await store.createSession({ idHash: "h1", createdAt: T0, expiresAt: T0 + 60_000 });
      await store.createSession({ idHash: "h2", createdAt: T0, expiresAt: T0 + 120_000 });
      expect(await store.sessionExpiresAt("h1")).toBe(T0 + 60_000);
      expect(await store.sessionExpiresAt("h2")).toBe(T0 + 120_000);
      expect(await store.sessionExpiresAt("nope")).toBeUndefined();
      await store.deleteSession("h1");
      await store.deleteSession("h1");
      expect(await store.sessionExpiresAt("h1")).toBeUndefined();
      expect(await store.sessionExpiresAt("h2")).toBe(T0 + 120_000);
    });

    it("creating a session deletes the ones expired by then, and only those", async () => {
      const { store } = ctx;
      await store.createSession({ idHash: "old", createdAt: T0, expiresAt: T0 + 1000 });
      await store.createSession({ idHash: "live", createdAt: T0, expiresAt: T0 + 10_000 });
      await store.createSession({ idHash: "new", createdAt: T0 + 5000, expiresAt: T0 + 20_000 });
      expect(await store.sessionExpiresAt("old")).toBeUndefined();
      expect(await store.sessionExpiresAt("live")).toBe(T0 + 10_000);
      expect(await store.sessionExpiresAt("new")).toBe(T0 + 20_000);
    });

    it("sessions survive a reopen", async () => {
      const { store, fixture } = ctx;
      await store.createSession({ idHash: "kept", createdAt: T0, expiresAt: T0 + 86_400_000 });
      await store.close();
      const again = await fixture.reopen();
      try {
        expect(await again.sessionExpiresAt("kept")).toBe(T0 + 86_400_000);
      } finally {
        await again.close();
      }
    });
  });
}
