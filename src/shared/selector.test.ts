/**
 * The selector grammar: parsing (every fault), formatting (round trips), the
 * canonical key, and classify/matches on hand-made agents. That matches()
 * agrees with the store's SQL is proven on real databases in
 * server/store/selector-sql.test.ts.
 */
import { describe, expect, it } from "vitest";
import { createRandom } from "../cli/sim/random.js";
import { HEALTH, PROTOCOLS, TIERS, randomAgent, randomSelector } from "../../test/selector-cases.js";
import { HEALTH_STATUSES, LINE_PATTERN, PROTOCOLS as AGENT_PROTOCOLS, TERM_PATTERN, TRUST_TIERS, trustTier } from "./agent.js";
import {
  classify,
  formatSelector,
  matches,
  normalizeSelector,
  parseSelector,
  SELECTOR_LIMITS,
  selectorKey,
  subjectOf,
  TIER_RANGES,
  type Selector,
  type SelectorFault,
  type SelectorSubject,
} from "./selector.js";

const ok = (input: Parameters<typeof parseSelector>[0], options?: Parameters<typeof parseSelector>[1]): Selector => {
  const r = parseSelector(input, options);
  if (!r.ok) throw new Error(`expected a selector, got faults ${JSON.stringify(r.faults)}`);
  return r.selector;
};
const faults = (input: Parameters<typeof parseSelector>[0], options?: Parameters<typeof parseSelector>[1]): SelectorFault[] => {
  const r = parseSelector(input, options);
  if (r.ok) throw new Error(`expected faults, got ${JSON.stringify(r.selector)}`);
  return r.faults;
};

const agent = (over: Partial<SelectorSubject> = {}): SelectorSubject => ({
  id: "summarizer-1",
  name: "Summarizer",
  description: "Summarises long texts",
  protocol: "a2a",
  tags: ["nlp", "Prod"],
  skills: [{ name: "summarize", tags: ["text"] }, { name: "translate" }],
  provider: "Acme",
  health_status: "healthy",
  trust_score: 0.82,
  ...over,
});

describe("parseSelector", () => {
  it("reads every part of the grammar", () => {
    expect(ok("protocol=a2a&tag=x&tag=y&skill=summarize&health=healthy,degraded&tier=elite&min_trust=0.8&provider=Acme&q=text")).toEqual({
      protocol: ["a2a"],
      tag: ["x", "y"],
      skill: ["summarize"],
      health: ["healthy", "degraded"],
      tier: ["elite"],
      min_trust: 0.8,
      provider: "Acme",
      q: "text",
    });
  });

  it("takes a query string (with or without ?), URLSearchParams, or a parsed query object", () => {
    const expected = { tag: ["a", "b"], health: ["offline"] };
    expect(ok("?tag=a&tag=b&health=offline")).toEqual(expected);
    expect(ok(new URLSearchParams([["tag", "a"], ["tag", "b"], ["health", "offline"]]))).toEqual(expected);
    expect(ok({ tag: ["a", "b"], health: "offline" })).toEqual(expected);
    expect(ok({ min_trust: 0.5 })).toEqual({ min_trust: 0.5 });
  });

  it("any-of parts: comma-separated or repeated, spaces around items ignored, duplicates dropped, order kept", () => {
    expect(ok("health=degraded, healthy&health=offline,degraded")).toEqual({ health: ["degraded", "healthy", "offline"] });
    expect(ok("protocol=mcp&protocol=a2a")).toEqual({ protocol: ["mcp", "a2a"] });
    expect(ok("tier=reliable,elite")).toEqual({ tier: ["reliable", "elite"] });
  });

  it("all-of parts are repeated and keep commas and spaces inside a value", () => {
    expect(ok("tag=a,b&tag= padded &tag=a,b")).toEqual({ tag: ["a,b", " padded "] });
    expect(ok("skill=summarize&skill=translate")).toEqual({ skill: ["summarize", "translate"] });
  });

  it("an empty value is the part left out (a blank form field), as today's `tag=` already is", () => {
    expect(ok("protocol=&tag=&skill=&health=&tier=&min_trust=&provider=&q=")).toEqual({});
    expect(ok("health=,healthy,&q=&q=x")).toEqual({ health: ["healthy"], q: "x" });
    expect(ok("")).toEqual({});
  });

  it("today's list URLs keep their meaning; a route's own parameters pass when it names them", () => {
    const query = { health: "degraded", tag: "nlp", skill: "summarize", q: "sum", sort: "name", order: "asc", limit: "5", offset: "10" };
    expect(ok(query, { ignore: ["sort", "order", "limit", "offset"] })).toEqual({ health: ["degraded"], tag: ["nlp"], skill: ["summarize"], q: "sum" });
    expect(faults(query).map((f) => f.parameter)).toEqual(["sort", "order", "limit", "offset"]);
  });

  it("min_trust: decimals from 0 to 1, with or without leading digit or exponent", () => {
    for (const [text, n] of [["0", 0], ["1", 1], ["0.8", 0.8], [".5", 0.5], ["1.0", 1], ["8e-1", 0.8], ["5e-324", 5e-324], [" 0.25 ", 0.25]] as const) {
      expect(ok({ min_trust: text }), text).toEqual({ min_trust: n });
    }
  });
});

describe("parseSelector faults: each names its parameter and the bad value", () => {
  const only = (input: Parameters<typeof parseSelector>[0]) => {
    const f = faults(input);
    expect(f).toHaveLength(1);
    return f[0];
  };

  it("an unknown parameter", () => {
    expect(only("protocl=a2a")).toEqual({ parameter: "protocl", message: '"protocl" is not a selector parameter; a selector takes protocol, tag, skill, health, tier, min_trust, provider, q' });
  });

  it("a protocol, health status or tier that is not one", () => {
    expect(only("protocol=a2a,soap")).toEqual({ parameter: "protocol", message: 'protocol "soap" is not a protocol; use one or more of a2a, mcp, http, grpc, websocket, custom' });
    expect(only("health=sick")).toEqual({ parameter: "health", message: 'health "sick" is not a health status; use one or more of unknown, healthy, degraded, unhealthy, offline' });
    expect(only("tier=gold")).toEqual({ parameter: "tier", message: 'tier "gold" is not a trust tier; use one or more of elite, reliable, experimental' });
    // Case matters: the values are the API's own words.
    expect(only("health=Healthy").message).toContain('"Healthy"');
  });

  it("a tag or skill that is too long, holds |, or a control character", () => {
    expect(ok({ tag: "🙂".repeat(SELECTOR_LIMITS.tag) }).tag).toHaveLength(1); // code points, not UTF-16 units
    expect(only({ tag: "t".repeat(51) })).toEqual({ parameter: "tag", message: `tag "${"t".repeat(40)}…" is longer than 50 characters` });
    expect(only({ skill: "s".repeat(101) }).message).toBe(`skill "${"s".repeat(40)}…" is longer than 100 characters`);
    expect(only("tag=a|b")).toEqual({ parameter: "tag", message: 'tag "a|b" must not contain | or control characters (tab and newline included) or unpaired surrogates' });
    expect(only("skill=a%09b")).toEqual({ parameter: "skill", message: 'skill "a\\tb" must not contain | or control characters (tab and newline included) or unpaired surrogates' });
  });

  it("more tags or skills than a selector takes", () => {
    const many = Array.from({ length: SELECTOR_LIMITS.values + 1 }, (_, i) => `t${i}`);
    expect(only({ tag: many })).toEqual({ parameter: "tag", message: "tag is given 21 different values; at most 20" });
    expect(ok({ tag: [...many.slice(1), "t1"] }).tag).toHaveLength(20);
  });

  it("provider or q given twice, too long, or with a control character or unpaired surrogate", () => {
    expect(only("provider=A&provider=B")).toEqual({ parameter: "provider", message: "provider is given 2 different values; give it once" });
    expect(only("q=a&q=b")).toEqual({ parameter: "q", message: "q is given 2 different values; give it once" });
    expect(ok("q=a&q=a")).toEqual({ q: "a" });
    expect(only({ provider: "p".repeat(201) }).message).toBe(`provider "${"p".repeat(40)}…" is longer than 200 characters`);
    expect(only({ q: "q".repeat(201) }).message).toBe(`q "${"q".repeat(40)}…" is longer than 200 characters`);
    expect(only({ q: "a\nb" })).toEqual({ parameter: "q", message: 'q "a\\nb" must not contain control characters (tab and newline included) or unpaired surrogates' });
    expect(only({ q: "x\ud800" }).message).toBe('q "x\\ud800" must not contain control characters (tab and newline included) or unpaired surrogates');
    expect(only({ provider: "\u0085" }).parameter).toBe("provider");
  });

  it("min_trust that is not a number from 0 to 1, or given twice", () => {
    for (const text of ["high", "0x1", "1e", "-0.1", "Infinity", "NaN", "0,5", "1" + "0".repeat(40)]) {
      expect(only({ min_trust: text }).message, text).toMatch(/^min_trust must be a number from 0 to 1, like 0.8; got "/);
    }
    expect(only({ min_trust: "1.5" })).toEqual({ parameter: "min_trust", message: 'min_trust must be from 0 to 1; got "1.5"' });
    expect(only({ min_trust: "2e0" }).message).toBe('min_trust must be from 0 to 1; got "2e0"');
    expect(only("min_trust=0.5&min_trust=0.8")).toEqual({ parameter: "min_trust", message: "min_trust is given 2 different values; give it once" });
  });

  it("a value that is not text (a JSON-ish query object)", () => {
    expect(only({ tag: { a: 1 } })).toEqual({ parameter: "tag", message: "tag must be text" });
    expect(only({ health: [true] })).toEqual({ parameter: "health", message: "health must be text" });
  });

  it("every fault at once, at most 10, and nothing is selected", () => {
    const f = faults("health=sick&tier=gold&protocol=soap&min_trust=2&tag=a|b&x=1");
    expect(f.map((x) => x.parameter).sort()).toEqual(["health", "min_trust", "protocol", "tag", "tier", "x"]);
    expect(faults(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`p${i}`, "1"])))).toHaveLength(10);
    expect(faults({ health: Array.from({ length: 5000 }, (_, i) => `s${i}`).join(",") })).toHaveLength(10);
    expect(faults({ tag: Array.from({ length: 30 }, (_, i) => `t${i}|`) })).toHaveLength(10);
    expect(faults({ [`${"n".repeat(60)}`]: "1" })[0].parameter).toBe("n".repeat(40));
  });
});

describe("the vocabularies are agent.ts's", () => {
  it("protocols, health statuses and tiers: each parses, in the same order", () => {
    expect(ok({ protocol: AGENT_PROTOCOLS.join(",") }).protocol).toEqual([...AGENT_PROTOCOLS]);
    expect(normalizeSelector({ protocol: [...AGENT_PROTOCOLS].reverse() }).protocol).toEqual([...AGENT_PROTOCOLS]);
    expect(normalizeSelector({ health: [...HEALTH_STATUSES].reverse() }).health).toEqual([...HEALTH_STATUSES]);
    expect(normalizeSelector({ tier: [...TRUST_TIERS].reverse() }).tier).toEqual([...TRUST_TIERS]);
    expect([PROTOCOLS, HEALTH, TIERS]).toEqual([[...AGENT_PROTOCOLS], [...HEALTH_STATUSES], [...TRUST_TIERS]]);
  });

  it("TIER_RANGES hold exactly the scores trustTier() puts in each tier", () => {
    const scores = [0, 1, 0.5, 0.8, 0.49999999999999994, 0.7999999999999999, 0.8000000000000002, ...Array.from({ length: 1001 }, (_, i) => i / 1000)];
    for (const score of scores) {
      const tiers = TRUST_TIERS.filter((t) => score >= TIER_RANGES[t].min && score < TIER_RANGES[t].below);
      expect(tiers, String(score)).toEqual([trustTier(score)]);
    }
  });

  it("the characters a tag, skill, provider or q may hold are those of TERM_PATTERN and LINE_PATTERN", () => {
    const term = new RegExp(TERM_PATTERN, "u");
    const line = new RegExp(LINE_PATTERN, "u");
    const samples = [...Array.from({ length: 0x220 }, (_, i) => String.fromCharCode(i)), "\ud800", "\udfff", "🙂", "\u2028", "\ufeff", "|"];
    for (const c of samples) {
      const v = `a${c}b`;
      expect(parseSelector({ tag: v }).ok, `tag ${JSON.stringify(v)}`).toBe(term.test(v));
      expect(parseSelector({ q: v }).ok, `q ${JSON.stringify(v)}`).toBe(line.test(v));
    }
  });
});

describe("formatSelector", () => {
  it("writes the grammar's order: any-of lists comma-joined, all-of lists repeated, empty parts left out", () => {
    const s: Selector = { q: "a&b", min_trust: 0.8, tag: ["nlp", "a,b"], health: ["healthy", "degraded"], provider: "", skill: [] };
    expect(formatSelector(s).toString()).toBe("tag=nlp&tag=a%2Cb&health=healthy%2Cdegraded&min_trust=0.8&q=a%26b");
    expect(formatSelector({}).toString()).toBe("");
  });

  it("round-trips: parse(format(s)) is s for every parsed s, and format(parse(format(s))) is stable", () => {
    const rng = createRandom("selector-format");
    const agents = Array.from({ length: 20 }, (_, n) => randomAgent(rng, n));
    for (let i = 0; i < 500; i++) {
      const parsed = ok(formatSelector(randomSelector(rng, agents)));
      const text = formatSelector(parsed).toString();
      expect(ok(text), text).toEqual(parsed);
      expect(formatSelector(ok(text)).toString()).toBe(text);
    }
    expect(ok(formatSelector({ min_trust: 1e-7 }))).toEqual({ min_trust: 1e-7 });
  });
});

describe("selectorKey", () => {
  it("is the same whatever the order of parts and values, duplicates, and the case of tags, skills and q", () => {
    const a = selectorKey(ok("health=degraded,healthy&tag=Prod&tag=nlp&q=SUM&skill=X&min_trust=0.80"));
    const b = selectorKey(ok("skill=x&q=sum&tag=nlp&tag=prod&tag=NLP&min_trust=.8&health=healthy&health=degraded,healthy"));
    expect(a).toBe(b);
    expect(a).toBe("tag=nlp&tag=prod&skill=x&health=healthy%2Cdegraded&min_trust=0.8&q=sum");
  });

  it("an empty selector, and one of empty values, is the empty key", () => {
    expect(selectorKey({})).toBe("");
    expect(selectorKey({ tag: [], q: "", provider: "", health: [] })).toBe("");
  });

  it("tells apart what selects differently", () => {
    const keys = [
      { provider: "Acme" }, // provider is exact: case matters
      { provider: "acme" },
      { tag: ["a,b"] }, // one tag holding a comma…
      { tag: ["a", "b"] }, // …is not two tags
      { tag: ["a&tag=b"] },
      { q: "a" },
      { q: "a " },
      { min_trust: 0.8 },
      { tier: ["elite"] as Selector["tier"] },
    ].map((s) => selectorKey(s as Selector));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("equal keys select the same agents (random selectors and shuffled copies of them)", () => {
    const rng = createRandom("selector-key");
    const agents = Array.from({ length: 60 }, (_, n) => randomAgent(rng, n));
    for (let i = 0; i < 300; i++) {
      const s = randomSelector(rng, agents);
      const shuffled: Selector = Object.fromEntries(
        rng.sample(Object.entries(s), Object.keys(s).length).map(([k, v]) => [k, Array.isArray(v) ? rng.sample([...v, ...v], v.length * 2) : v]),
      );
      // Lower-casing a tag keeps its meaning (upper-casing need not: ß becomes SS).
      if (shuffled.tag) shuffled.tag = shuffled.tag.map((t) => (rng.chance(0.5) ? t.toLowerCase() : t));
      expect(selectorKey(shuffled)).toBe(selectorKey(s));
      const other = randomSelector(rng, agents);
      if (selectorKey(other) === selectorKey(s)) {
        for (const a of agents) expect(matches(other, a)).toBe(matches(s, a));
      }
    }
  });
});

describe("matches", () => {
  it("ANDs the parts; any of protocol, health and tier; all of tags and skills", () => {
    const a = agent();
    expect(matches({}, a)).toBe(true);
    expect(matches({ protocol: ["mcp", "a2a"], health: ["degraded", "healthy"], tier: ["elite"] }, a)).toBe(true);
    expect(matches({ protocol: ["mcp"] }, a)).toBe(false);
    expect(matches({ tag: ["NLP", "prod"] }, a)).toBe(true);
    expect(matches({ tag: ["nlp", "beta"] }, a)).toBe(false);
    expect(matches({ skill: ["Summarize", "translate"] }, a)).toBe(true);
    expect(matches({ skill: ["text"] }, a)).toBe(false); // a skill's tag is not a skill
    expect(matches({ tag: ["nl"] }, a)).toBe(false); // tags match whole
  });

  it("trust: tiers by trustTier()'s bounds, min_trust inclusive", () => {
    expect(matches({ tier: ["elite"] }, agent({ trust_score: 0.8 }))).toBe(true);
    expect(matches({ tier: ["reliable"] }, agent({ trust_score: 0.7999999999999999 }))).toBe(true);
    expect(matches({ tier: ["experimental", "elite"] }, agent({ trust_score: 0.5 }))).toBe(false);
    expect(matches({ min_trust: 0.82 }, agent())).toBe(true);
    expect(matches({ min_trust: 0.8200000000000001 }, agent())).toBe(false);
  });

  it("provider is exact; an agent without one never matches a provider", () => {
    expect(matches({ provider: "Acme" }, agent())).toBe(true);
    expect(matches({ provider: "acme" }, agent())).toBe(false);
    expect(matches({ provider: "Acme" }, agent({ provider: null }))).toBe(false);
  });

  it("q: a case-insensitive substring of id, name, description, provider, tags, skill names or skill tags — and of nothing else", () => {
    const a = agent({ skills: [{ name: "summarize", tags: ["Legal-Text"] }], version: "9.9.9", endpoint: "https://hidden.example" } as Partial<SelectorSubject>);
    for (const q of ["MARIZER-1", "summarizer", "LONG TEXT", "acm", "prod", "summarize", "legal-text"]) expect(matches({ q }, a), q).toBe(true);
    for (const q of ["9.9.9", "hidden", "healthy", "a2a"]) expect(matches({ q }, a), q).toBe(false);
    // Fields are separate lines, and a query holds no line break (parseSelector refuses it): it cannot span two fields.
    expect(matches({ q: "nlpprod" }, a)).toBe(false);
    expect(matches({ q: "nlp prod" }, a)).toBe(false);
  });
});

describe("classify", () => {
  const healthy: Selector = { health: ["healthy"] };
  const up = agent();
  const down = agent({ health_status: "degraded" });

  it("entered, left, stayed, or null when the agent matches neither before nor after", () => {
    expect(classify(healthy, down, up)).toBe("entered");
    expect(classify(healthy, up, down)).toBe("left");
    expect(classify(healthy, up, { ...up, trust_score: 0.3 })).toBe("stayed");
    expect(classify(healthy, down, { ...down, health_status: "offline" })).toBeNull();
  });

  it("a registration has no before, a deregistration no after", () => {
    expect(classify(healthy, null, up)).toBe("entered");
    expect(classify(healthy, null, down)).toBeNull();
    expect(classify(healthy, up, null)).toBe("left");
    expect(classify(healthy, down, null)).toBeNull();
    expect(classify({}, null, null)).toBeNull();
  });

  it("subjectOf keeps what a selector reads, and selects the same", () => {
    const full = { ...agent(), version: "1", endpoint: "https://x.example", skills: [{ name: "summarize", description: "long", tags: ["t"] }] };
    const subject = subjectOf(full);
    expect(subject).toEqual({ ...agent(), skills: [{ name: "summarize", tags: ["t"] }] });
    const rng = createRandom("subject");
    for (let i = 0; i < 100; i++) {
      const s = randomSelector(rng, [full]);
      expect(matches(s, subject)).toBe(matches(s, full));
    }
  });
});
