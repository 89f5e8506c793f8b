// Stateful checks at their boundaries, the accepted-only state policy, LRU eviction and hot reload.
import { describe, expect, test } from "bun:test";
import { loadChecksConfig } from "../../src/checks/index.ts";
import { SymbolStore } from "../../src/checks/state.ts";
import { MS, NOW, S, boundaryTests, quote, trade, validator, type BoundaryRow, type Raw } from "./helpers.ts";

const CFG = {
  defaults: {
    maxBackwardsMs: 1000, maxJumpPct: 10, spikeReanchorAfter: 3,
    outlierK: 3, outlierGammaBps: 10, outlierMinSamples: 16, sizeSpikeK: 10, sizeSpikeMinSamples: 16,
    spreadSpikeK: 5, spreadSpikeMinSamples: 16, maxQuoteAgeMs: 5000, maxStaleMs: 10_000,
    burstMaxPerSec: 1e6, burstCapacity: 1e6,
  },
};

/** Feeds ticks in order (ts and recv 1 ms apart unless given); returns the codes of the last one. */
function run(ticks: Raw[], cfg: object = CFG, v = validator(cfg)) {
  let out: string[] = [];
  ticks.forEach(({ recv, ...t }, i) => {
    const r = v.validate({ ...t, ts: t.ts ?? NOW + i * MS }, (recv as number | undefined) ?? NOW + i * MS + 500);
    out = [...r.rejects, ...r.flags];
  });
  return out;
}

let id = 0;
const T = (over: Raw = {}) => trade({ tradeId: `t${++id}`, ts: undefined, ...over });
const Q = (over: Raw = {}) => quote({ ts: undefined, ...over });
const trades = (n: number, over: Raw = {}) => Array.from({ length: n }, () => T(over));
const quotes = (n: number, over: Raw = {}) => Array.from({ length: n }, () => Q(over));
// The ts spread set by run() is overridden only where a row sets ts explicitly.
const at = (t: Raw, ts: number) => ({ ...t, ts, recv: ts + 500 });

type Row = BoundaryRow<Raw[]>;

const ROWS: Record<string, Row> = {
  "ts.backwards": {
    pass: [[at(T(), NOW), at(T(), NOW - 1000 * MS)]],
    fail: [[at(T(), NOW), at(T(), NOW - 1000 * MS - 1)], [at(Q(), NOW), at(T(), NOW - 2000 * MS)]],
  },
  "seq.duplicate": {
    pass: [[T({ seq: 5 }), T({ seq: 6 })], [T({ seq: 5 }), Q({ seq: 5 })] /* separate streams */],
    fail: [[T({ seq: 5 }), T({ seq: 5 })], [Q({ seq: "7" }), Q({ seq: 7 })]],
  },
  "seq.out_of_order": { pass: [[T({ seq: 5 }), T({ seq: 6 })]], fail: [[T({ seq: 5 }), T({ seq: 4 })]] },
  "seq.gap": { pass: [[Q({ seq: 5 }), Q({ seq: 6 })], [Q({ seq: 5 }), Q()]], fail: [[Q({ seq: 5 }), Q({ seq: 7 })]] },
  "tradeId.duplicate": {
    pass: [[T({ tradeId: "x" }), T({ tradeId: "y" })], [T({ tradeId: "x" }), ...trades(64), T({ tradeId: "x" })] /* window of 64 */],
    fail: [[T({ tradeId: "x" }), T({ tradeId: "x" })], [T({ tradeId: 77 }), T({ tradeId: "77" })], [T({ tradeId: "x" }), ...trades(63), T({ tradeId: "x" })]],
  },
  "price.spike": {
    pass: [[T({ price: 100 }), T({ price: 110 })], [T({ price: 100 }), T({ price: 90 })]],
    fail: [[T({ price: 100 }), T({ price: 110.01 })], [T({ price: 100 }), T({ price: 89.99 })]],
  },
  "price.outlier": {
    // 16 trades at 100: MAD = 0, band = γ = 10 bps of 100 = 0.1.
    pass: [[...trades(16, { price: 100 }), T({ price: 100.1 })], [...trades(15, { price: 100 }), T({ price: 101 })] /* too few samples */],
    fail: [[...trades(16, { price: 100 }), T({ price: 100.11 })], [...trades(16, { price: 100 }), T({ price: 99.89 })]],
  },
  "size.spike": {
    pass: [[...trades(16, { size: 1 }), T({ size: 10 })], [...trades(15, { size: 1 }), T({ size: 50 })]],
    fail: [[...trades(16, { size: 1 }), T({ size: 10.01 })]],
  },
  "spread.spike": {
    pass: [[...quotes(16, { bid: 100, ask: 101 }), Q({ bid: 100, ask: 105 })], [...quotes(16, { bid: 100, ask: 100 }), Q({ bid: 100, ask: 110 })] /* median 0 */],
    fail: [[...quotes(16, { bid: 100, ask: 101 }), Q({ bid: 100, ask: 105.01 })]],
  },
  "trade.outside_quote": {
    pass: [
      [Q({ bid: 100, ask: 101 }), T({ price: 99 })], [Q({ bid: 100, ask: 101 }), T({ price: 102 })],
      [at(Q({ bid: 100, ask: 101 }), NOW), at(T({ price: 105 }), NOW + 5001 * MS)] /* quote too old */, [T({ price: 105 })] /* no quote */,
    ],
    fail: [[Q({ bid: 100, ask: 101 }), T({ price: 98.99 })], [Q({ bid: 100, ask: 101 }), T({ price: 102.01 })]],
  },
  "quote.stale": {
    pass: [[at(Q(), NOW), at(Q(), NOW + 5 * S), at(Q(), NOW + 10 * S)], [at(Q(), NOW), at(Q({ bidSize: 2 }), NOW + 9 * S), at(Q(), NOW + 11 * S)]],
    fail: [[at(Q(), NOW), at(Q(), NOW + 5 * S), at(Q(), NOW + 10 * S + 1)]],
  },
  "rate.burst": {
    // 5 tokens, 10 per second: five at one instant pass, the sixth flags; 100 ms later one more passes.
    cfg: { defaults: { burstMaxPerSec: 10, burstCapacity: 5 } },
    pass: [[...quotes(5, { recv: NOW })], [...quotes(5, { recv: NOW }), Q({ recv: NOW + 100 * MS })]],
    fail: [[...quotes(6, { recv: NOW })], [...quotes(5, { recv: NOW }), Q({ recv: NOW + 99 * MS })]],
  },
};

describe("stateful checks at their boundaries", () => {
  boundaryTests(true, ROWS, "test/checks/stateful.test.ts", (seq, cfg) => run(seq, cfg ?? CFG));
});

describe("state policy", () => {
  test("a rejected spike does not become the reference price", () => {
    expect(run([T({ price: 100 }), T({ price: 200 }), T({ price: 105 })])).toEqual([]);
  });

  test("after spikeReanchorAfter consecutive price rejects the new level is accepted", () => {
    const v = validator(CFG);
    expect(run([T({ price: 100 }), T({ price: 200 }), T({ price: 200 })], CFG, v)).toEqual(["price.spike"]);
    expect(run([T({ price: 200 })], CFG, v)).toEqual(["price.spike"]); // third: re-anchors
    expect(run([T({ price: 200 }), T({ price: 201 })], CFG, v)).toEqual([]);
  });

  test("a rejected tick does not advance seq, ts or the dedupe window", () => {
    const v = validator(CFG);
    run([T({ seq: 1, tradeId: "k" })], CFG, v);
    expect(v.validate(trade({ seq: 2, tradeId: "k2", price: -1, ts: NOW }), NOW).ok).toBe(false);
    expect(run([T({ seq: 2, tradeId: "k2" })], CFG, v)).toEqual([]); // seq 2 and k2 were not taken by the reject
  });

  test("flagged ticks are accepted and update state", () => {
    const v = validator(CFG);
    expect(run([Q({ seq: 1 }), Q({ seq: 3 })], CFG, v)).toEqual(["seq.gap"]);
    expect(run([Q({ seq: 4 })], CFG, v)).toEqual([]);
  });

  test("every reject code that fired is listed, in registry order, with the flags", () => {
    const v = validator(CFG);
    const r = v.validate(trade({ price: -1, size: "x", side: "up", ts: "never", exchange: 5 }), NOW);
    expect(r.ok).toBe(false);
    expect(r.tick).toBeNull();
    expect(r.rejects).toEqual(["exchange.invalid", "ts.invalid", "price.nonpositive", "size.not_finite", "side.invalid"]);
    const q = v.validate(quote({ bid: 101, ask: 101, bidSize: -1 }), NOW);
    expect(q.rejects).toEqual(["bidSize.negative"]);
    expect(q.flags).toEqual(["quote.locked"]);
  });

  test("stateful checks run only on ticks that passed every stateless reject", () => {
    const v = validator(CFG);
    run([T({ tradeId: "d" })], CFG, v);
    expect(v.validate(trade({ tradeId: "d", price: 0, ts: NOW + MS }), NOW + MS).rejects).toEqual(["price.nonpositive"]);
  });
});

describe("bounded state", () => {
  test("LRU eviction at maxSymbols forgets the least recently accepted symbol", () => {
    const v = validator(CFG, 2);
    const sym = (s: string, tradeId: string, i: number) => v.validate(trade({ symbol: s, tradeId, ts: NOW + i }), NOW + i);
    sym("A-USD", "1", 0);
    sym("B-USD", "1", 1);
    sym("A-USD", "2", 2); // A is now the most recent
    sym("C-USD", "1", 3); // evicts B
    expect(v.stats()).toMatchObject({ symbols: 2, maxSymbols: 2, evictions: 1 });
    expect(sym("A-USD", "2", 4).rejects).toEqual(["tradeId.duplicate"]); // A kept its state
    expect(sym("B-USD", "1", 5).ok).toBe(true); // B's state is gone (evicts C)
    expect(v.stats().evictions).toBe(2);
  });

  test("a flood of distinct symbols never grows the state past the cap", () => {
    const v = validator(CFG, 64);
    for (let i = 0; i < 10_000; i++) v.validate(trade({ symbol: `S${i}-USD`, ts: NOW }), NOW);
    expect(v.stats().symbols).toBe(64);
    expect(v.stats().evictions).toBe(10_000 - 64);
  });

  test("a flood of distinct exchanges never grows the index past the cap either", () => {
    const store = new SymbolStore(8);
    const p = loadChecksConfig({}).defaults;
    for (let i = 0; i < 10_000; i++) store.acquire(`ex${i}`, "BTC-USD", p);
    expect(store.size).toBe(8);
    expect(store.exchanges).toBe(8);
    // The survivors are still found, through the cached last exchange too.
    expect(store.find("ex9999", "BTC-USD")).toBeGreaterThanOrEqual(0);
    expect(store.find("ex0", "BTC-USD")).toBe(-1);
    expect(store.find("ex9992", "BTC-USD")).toBeGreaterThanOrEqual(0);
  });

  test("reconfigure keeps per-symbol state and applies new thresholds to tracked symbols", () => {
    const v = validator(CFG);
    run([T({ tradeId: "r", price: 100 })], CFG, v);
    v.reconfigure(loadChecksConfig({ symbols: { "ETH-USDT": { maxJumpPct: 50 } } }));
    expect(v.validate(trade({ tradeId: "r", ts: NOW + MS }), NOW + MS).rejects).toEqual(["tradeId.duplicate"]);
    expect(v.validate(trade({ tradeId: "r2", price: 140, ts: NOW + 2 * MS }), NOW + 2 * MS).ok).toBe(true);
    v.reconfigure(loadChecksConfig({ checks: { "tradeId.duplicate": "off" } }));
    expect(v.validate(trade({ tradeId: "r2", price: 140, ts: NOW + 3 * MS }), NOW + 3 * MS).ok).toBe(true);
  });

  test("reset forgets all symbols", () => {
    const v = validator(CFG);
    run([T({ tradeId: "z" })], CFG, v);
    v.reset();
    expect(v.stats().symbols).toBe(0);
    expect(v.validate(trade({ tradeId: "z" }), NOW).ok).toBe(true);
  });
});
