// Adding a check is writing one entry (docs/adding-a-check.md): this builds a registry with the
// docs' example entry in the trade group and a history check at the end, and shows both run, take
// their parameters and severities from config, and leave every other check working at its new bit.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CHECK_ENTRIES, Validator, createRegistry, history, loadChecksConfig, value, type CheckEntry } from "../../src/checks/index.ts";
import { F_STRIDE, S_LAST_TS } from "../../src/checks/state.ts";
import { MS, NOW, quote, trade } from "./helpers.ts";

// The entry exactly as docs/adding-a-check.md shows it.
const sizeNotRound = value({
  id: "size.not_round", severity: "flag", overridable: true, reads: ["size"], on: "trade",
  params: { roundLot: { default: null, type: "number|null", min: 0, ifNull: 0, description: "Lot a desk trades in; null = not checked." } },
  description: "size is not a whole number of roundLot (an odd lot).",
  fires: (c, p) => p.roundLot > 0 && c.size > 0 && c.size % p.roundLot !== 0,
});

const tsRepeated = history({
  id: "ts.repeated", severity: "reject", overridable: true, params: {}, reads: ["ts"],
  description: "ts equals the symbol's latest accepted ts.",
  state: "Reads the latest ts, which ts.backwards's policy keeps.",
  fires: (c, _p, st, s) => s >= 0 && c.ts === st.values[s * F_STRIDE + S_LAST_TS],
});

const at = (id: string) => CHECK_ENTRIES.findIndex((e) => e.id === id);
const lastTrade = at("tradeId.invalid");
const entries: CheckEntry[] = [...CHECK_ENTRIES.slice(0, lastTrade + 1), sizeNotRound, ...CHECK_ENTRIES.slice(lastTrade + 1), tsRepeated];
const registry = createRegistry(entries);
const validator = (src: object = {}) => new Validator(loadChecksConfig(src, registry));
const codes = (v: Validator, raw: object, now = NOW) => {
  const r = v.validate(raw, now);
  return [...r.rejects, ...r.flags];
};

describe("a registry with extra entries", () => {
  test("each entry's bit is its position, so the checks after the new one moved up by one", () => {
    expect(registry.index.get("size.not_round")).toBe(lastTrade + 1);
    expect(registry.index.get("bid.not_finite")).toBe(at("bid.not_finite") + 1);
    expect(registry.index.get("ts.repeated")).toBe(CHECK_ENTRIES.length + 1);
    expect(registry.checks.map((c) => c.id)).toEqual(entries.map((e) => e.id));
  });

  test("the new value check reads its parameter from config, per symbol", () => {
    const v = validator({ symbols: { "ETH-USDT": { roundLot: 0.5 } } });
    expect(codes(v, trade({ size: 1.5 }))).toEqual([]);
    expect(codes(v, trade({ size: 1.2, tradeId: "b", ts: NOW + MS }))).toEqual(["size.not_round"]);
    expect(codes(v, trade({ symbol: "BTC-USDT", size: 1.2 }))).toEqual([]); // roundLot null: off
    expect(codes(v, quote())).toEqual([]); // on: "trade"
  });

  test("the new checks' severities come from config like any other", () => {
    const v = validator({ checks: { "size.not_round": "reject", "ts.repeated": "flag" }, defaults: { roundLot: 1 } });
    const r = v.validate(trade({ size: 1.5 }), NOW);
    expect([r.ok, r.rejects]).toEqual([false, ["size.not_round"]]);
    expect(validator({ checks: { "size.not_round": "off" }, defaults: { roundLot: 1 } }).validate(trade({ size: 1.5 }), NOW).ok).toBe(true);
    expect(() => validator({ defaults: { roundLot: -1 } })).toThrow(/roundLot: must be ≥ 0/);
    expect(() => validator({ checks: { "ts.nope": "off" } })).toThrow(/unknown check id/);
  });

  test("the new history check runs against the symbol's state, after the value checks", () => {
    const v = validator();
    expect(codes(v, trade({ tradeId: "a", ts: NOW }))).toEqual([]);
    expect(codes(v, trade({ tradeId: "b", ts: NOW }))).toEqual(["ts.repeated"]);
    expect(codes(v, trade({ tradeId: "c", ts: NOW + MS }))).toEqual([]);
  });

  test("every built-in check still fires under its own id at its new bit", () => {
    const v = validator({ defaults: { roundLot: 1 } });
    expect(codes(v, quote({ bid: 101, ask: 100 }))).toEqual(["quote.crossed"]);
    expect(codes(v, trade({ seq: 5, tradeId: "s1" }))).toEqual([]);
    expect(codes(v, trade({ seq: 5, tradeId: "s2", ts: NOW + 2 * MS }))).toEqual(["seq.duplicate"]);
    expect(codes(v, trade({ price: "x", size: 1.5 }))).toEqual(["price.not_finite", "size.not_round"]);
  });

  test("docs/adding-a-check.md shows this entry", () => {
    const doc = readFileSync(new URL("../../docs/adding-a-check.md", import.meta.url), "utf8");
    for (const line of ['id: "size.not_round"', "fires: (c, p) => p.roundLot > 0 && c.size > 0 && c.size % p.roundLot !== 0"]) expect(doc).toContain(line);
  });
});
