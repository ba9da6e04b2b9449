import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { MAX_CARD_BYTES } from "./fetch-card.js";
import { cardFromInline, cardUnusable } from "./registration.js";

const v1 = () => JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "a2a", "card-v1.json"), "utf8"));

const thrown = (f: () => unknown): AppError => {
  try {
    f();
  } catch (err) {
    return err as AppError;
  }
  throw new Error("did not throw");
};

describe("cardFromInline", () => {
  it("maps a card and keeps it as given, its id suggested from its name unless given", () => {
    const usable = cardFromInline(v1());
    expect(usable.card.id).toBe("geospatial-route-planner-agent");
    expect(JSON.parse(usable.raw)).toEqual(v1());
    expect(usable.cardUrl).toBeNull();
    expect(cardFromInline(v1(), "geo").card.id).toBe("geo");
  });

  it("refuses a card over 64 KiB as too_large", () => {
    const err = thrown(() => cardFromInline({ ...v1(), padding: "x".repeat(MAX_CARD_BYTES) }));
    expect(err).toMatchObject({ code: "card_unusable", reason: "too_large" });
  });

  it("names each schema fault under body.a2a_card", () => {
    const err = thrown(() => cardFromInline({ ...v1(), skills: [{ id: "a", name: "", description: "d", tags: [1] }] }));
    expect(err).toMatchObject({ code: "card_unusable", reason: "invalid_card" });
    expect(err.errors).toEqual([
      { field: "body.a2a_card.skills[0].name", message: "must not be empty" },
      { field: "body.a2a_card.skills[0].tags[0]", message: "must be a string, not a number" },
    ]);
  });
});

describe("cardUnusable", () => {
  it("says the reason and the URL in the detail, as a 422 card_unusable", () => {
    const err = cardUnusable({ kind: "http_status", status: 503, url: "https://agent.example/card.json", message: "the card URL answered HTTP 503, not 200" }, "card");
    expect(err).toMatchObject({ code: "card_unusable", reason: "http_status", detail: "http_status: the card URL answered HTTP 503, not 200 (https://agent.example/card.json)" });
    expect(err.errors).toBeUndefined();
  });
});
