// Stateful checks at their boundaries, the state policies (commit.ts), LRU eviction and hot reload.
import { describe, expect, test } from "bun:test";
import { loadChecksConfig } from "../../src/checks/index.ts";
import { SymbolStore } from "../../src/checks/state.ts";
import { MS, NOW, S, boundaryTests, quote, trade, validator, type BoundaryRow, type Raw } from "./helpers.ts";

const CFG = {
  defaults: {
    maxBackwardsMs: 1000, maxJumpPct: 10, spikeReanchorAfter: 3,
    outlierK: 3, outlierGammaBps: 10, outlierMinSamples: 16, sizeSpikeK: 10, sizeSpikeMinSamples: 16,
    spreadSpikeK: 5, spreadSpikeMinSamples: 16, maxQuoteAgeMs: 5000, outsideQuoteMinBps: 0, maxStaleMs: 10_000,
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
      [Q({ bid: 1.1, ask: 1.3 }), T({ price: 1.5 })] /* on the edge: 1.3 - 1.1 is a hair under 0.2 in binary */,
      [...quotes(8, { bid: 100, ask: 100.2 }), Q({ bid: 100, ask: 100.1 }), T({ price: 99.8 })] /* tight: the median spread is the width */,
      [Q({ bid: 100, ask: 101 }), Q({ bid: 100.5, ask: 100.5 }), T({ price: 105 })] /* locked: no book to measure against */,
      [Q({ bid: 100, ask: 101 }), Q({ bid: 110, ask: 109 }), T({ price: 105 })] /* a rejected quote: the older book is not used */,
    ],
    fail: [
      [Q({ bid: 100, ask: 101 }), T({ price: 98.99 })], [Q({ bid: 100, ask: 101 }), T({ price: 102.01 })],
      [...quotes(8, { bid: 100, ask: 100.2 }), Q({ bid: 100, ask: 100.1 }), T({ price: 99.79 })],
      [Q({ bid: 100, ask: 101 }), Q({ bid: 110, ask: 109 }), Q({ bid: 100, ask: 101 }), T({ price: 98.99 })],
    ],
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

  test("a rejected tick does not take the dedupe window or the price reference", () => {
    const v = validator(CFG);
    run([T({ seq: 1, tradeId: "k", price: 100 })], CFG, v);
    expect(v.validate(trade({ seq: 2, tradeId: "k2", price: 50, ts: NOW }), NOW).rejects).toEqual(["price.spike"]);
    expect(v.validate(trade({ seq: 3, tradeId: "k3", price: 100, size: -1, ts: NOW }), NOW).ok).toBe(false);
    expect(run([T({ seq: 4, tradeId: "k2", price: 100 })], CFG, v)).toEqual([]); // k2 was not taken by the reject, 100 is still the reference
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

describe("state policy: sequence", () => {
  test("a tick rejected for its content still advances its stream: the next one is not a gap", () => {
    expect(run([Q({ seq: 1 }), Q({ seq: 2, bid: 102, ask: 101 }), Q({ seq: 3 })])).toEqual([]);
    expect(run([T({ seq: 1 }), T({ seq: 2, price: -1 }), T({ seq: 3 })])).toEqual([]);
    expect(run([Q({ seq: 1 }), { ...Q({ seq: 2 }), ask: undefined }, Q({ seq: 3 })])).toEqual([]); // a missing field
    expect(run([T({ seq: 1, price: 100 }), T({ seq: 2, price: 200 }), T({ seq: 3, price: 100 })])).toEqual([]); // a price spike
  });

  test("a rejected tick carries the seq flag of its own position, and moves the reference only to the next seq", () => {
    const v = validator(CFG);
    run([Q({ seq: 1 })], CFG, v);
    const r = v.validate(quote({ seq: 5, bid: 102, ask: 101, ts: NOW + MS }), NOW + MS);
    expect([r.rejects, r.flags]).toEqual([["quote.crossed"], ["seq.gap"]]);
    expect(run([Q({ seq: 6 })], CFG, v)).toEqual(["seq.gap"]); // 2-5 never reached Kafka: still a gap
    expect(run([Q({ seq: 7 })], CFG, v)).toEqual([]);
  });

  test("rejected ticks with wild seqs cannot make the good ones after them look out of order", () => {
    const v = validator(CFG);
    run([T({ seq: 1, price: 100 })], CFG, v);
    for (let i = 0; i < 20; i++) {
      expect(v.validate(trade({ seq: 1e12 + i, price: 0, tradeId: `bad${i}`, ts: NOW }), NOW).ok).toBe(false);
      expect(run([T({ seq: 2 + i, price: 100 })], CFG, v)).toEqual([]);
    }
    expect(run([T({ seq: 22, price: 140 })], CFG, v)).toContain("price.spike"); // the price reference still works
  });

  test("seq.duplicate means delivered: a rejected tick's corrected re-send is accepted", () => {
    const v = validator(CFG);
    run([Q({ seq: 10 })], CFG, v);
    expect(v.validate(quote({ seq: 11, bid: 102, ask: 101, ts: NOW }), NOW).rejects).toEqual(["quote.crossed"]);
    expect(run([Q({ seq: 11, bid: 101, ask: 102 })], CFG, v)).toEqual([]);
    expect(run([Q({ seq: 11, bid: 101, ask: 102 })], CFG, v)).toEqual(["seq.duplicate"]); // now it was
    expect(run([Q({ seq: 12 })], CFG, v)).toEqual([]);
  });

  test("the reference never moves backwards: the in-order tick after an out-of-order one is not a gap", () => {
    const v = validator(CFG);
    expect(run([Q({ seq: 1 }), Q({ seq: 2 }), Q({ seq: 3 }), Q({ seq: 1 })], CFG, v)).toEqual(["seq.out_of_order"]);
    expect(run([Q({ seq: 4 })], CFG, v)).toEqual([]);
    expect(run([T({ seq: 10 }), T({ seq: 8 }), T({ seq: 11 })])).toEqual([]);
  });

  test("seqReanchorAfter accepted out-of-order ticks in a row, each above the one before, re-anchor a renumbered feed", () => {
    const v = validator(CFG); // seqReanchorAfter = 5 (default)
    run([Q({ seq: 1000 })], CFG, v);
    for (const seq of [1, 2, 3, 4, 5]) expect(run([Q({ seq })], CFG, v)).toEqual(["seq.out_of_order"]);
    expect(run([Q({ seq: 6 })], CFG, v)).toEqual([]);
    expect(run([Q({ seq: 1001 })], CFG, v)).toEqual(["seq.gap"]); // the old numbering is gone
  });

  test("a run that does not rise, is interrupted, or is rejected does not re-anchor", () => {
    const v = validator(CFG);
    run([Q({ seq: 1000 })], CFG, v);
    for (const seq of [9, 8, 7, 6, 5, 4]) expect(run([Q({ seq })], CFG, v)).toEqual(["seq.out_of_order"]);
    for (const seq of [1, 2, 3, 4]) run([Q({ seq })], CFG, v);
    run([Q({ seq: 1001 })], CFG, v); // in order: the run starts over
    expect(run([Q({ seq: 5 })], CFG, v)).toEqual(["seq.out_of_order"]);
    expect(run([Q({ seq: 1002 })], CFG, v)).toEqual([]);
    const w = validator(CFG);
    run([T({ seq: 1000, tradeId: "r" })], CFG, w);
    for (const seq of [1, 2, 3, 4, 5, 6]) run([T({ seq, tradeId: "r" })], CFG, w); // replays: rejected as duplicates
    expect(run([T({ seq: 1001 })], CFG, w)).toEqual([]);
  });

  test("with seqReanchorAfter 0 a renumbered feed is flagged until the old numbering is passed", () => {
    const cfg = { defaults: { ...CFG.defaults, seqReanchorAfter: 0 } };
    const v = validator(cfg);
    run([Q({ seq: 10 })], cfg, v);
    for (const seq of [1, 2, 3, 4, 5, 6, 7, 8, 9]) expect(run([Q({ seq })], cfg, v)).toEqual(["seq.out_of_order"]);
    expect(run([Q({ seq: 11 })], cfg, v)).toEqual([]);
  });
});

describe("state policy: references", () => {
  test("rejected ticks never raise the ts reference: one a few seconds ahead cannot make good ticks backwards", () => {
    const v = validator(CFG);
    v.validate(trade({ tradeId: "a", ts: NOW }), NOW);
    expect(v.validate(trade({ tradeId: "b", ts: NOW + 30 * S }), NOW + MS).rejects).toEqual(["ts.future"]);
    expect(v.validate(trade({ tradeId: "c", ts: NOW + 2 * MS }), NOW + 2 * MS).ok).toBe(true); // not ts.backwards
    for (let i = 1; i <= 20; i++) {
      const now = NOW + i * 3 * S;
      expect(v.validate(quote({ ts: now + 4.9 * S, bid: 102, ask: 101 }), now).rejects).toEqual(["quote.crossed"]);
      expect(v.validate(trade({ tradeId: `g${i}`, ts: now }), now).ok).toBe(true);
    }
    // An accepted tick does raise it.
    v.validate(trade({ tradeId: "e", ts: NOW + 70 * S }), NOW + 70 * S);
    expect(v.validate(trade({ tradeId: "f", ts: NOW + 68 * S }), NOW + 70 * S).rejects).toEqual(["ts.backwards"]);
  });

  test("a flagged price outlier is not the reference of the next trade", () => {
    // 105 is inside the 10 % spike bound but outside the band: flagged, accepted, and left out of the
    // reference, so 114 is a spike against 100 (it would be 8.6 % from 105).
    const v = validator(CFG);
    expect(run([...trades(20, { price: 100 }), T({ price: 105 })], CFG, v)).toEqual(["price.outlier"]);
    expect(run([T({ price: 114 })], CFG, v)).toContain("price.spike");
  });

  test("spikeReanchorAfter price verdicts in a row, flags included, restart the price reference", () => {
    const v = validator(CFG); // spikeReanchorAfter = 3
    run(trades(20, { price: 100 }), CFG, v);
    expect(run(trades(3, { price: 105 }), CFG, v)).toEqual(["price.outlier"]);
    expect(run(trades(20, { price: 105 }), CFG, v)).toEqual([]); // a new level, learnt again
    expect(run([T({ price: 114 })], CFG, v)).toEqual(["price.outlier"]); // 8.6 % from 105: no spike
  });

  test("a flagged size or spread stays out of its window; sizeSpikeReanchorAfter / spreadSpikeReanchorAfter in a row restart it", () => {
    const never = { defaults: { ...CFG.defaults, sizeSpikeReanchorAfter: 0, spreadSpikeReanchorAfter: 0 } };
    expect(run([...trades(16, { size: 1 }), ...trades(40, { size: 20 })], never)).toEqual(["size.spike"]);
    expect(run([...quotes(16, { bid: 100, ask: 101 }), ...quotes(40, { bid: 100, ask: 110 })], never)).toEqual(["spread.spike"]);
    // Default 8: the 9th wide value finds a window that started again (too few samples to judge).
    expect(run([...trades(16, { size: 1 }), ...trades(9, { size: 20 })])).toEqual([]);
    expect(run([...quotes(16, { bid: 100, ask: 101 }), ...quotes(8, { bid: 100, ask: 110 })])).toEqual(["spread.spike"]);
    expect(run([...quotes(16, { bid: 100, ask: 101 }), ...quotes(9, { bid: 100, ask: 110 })])).toEqual([]);
  });

  test("an out-of-order quote is older than the book: it does not replace it", () => {
    const v = validator(CFG);
    run([Q({ seq: 1, bid: 100, ask: 101 }), Q({ seq: 2, bid: 100, ask: 101 })], CFG, v);
    expect(run([Q({ seq: 1, bid: 200, ask: 201 })], CFG, v)).toEqual(["seq.out_of_order"]);
    expect(run([T({ price: 100.5 })], CFG, v)).toEqual([]); // inside the book of seq 2
  });

  test("trade.outside_quote leaves at least outsideQuoteMinBps beyond a book a tick wide", () => {
    const cfg = { defaults: { ...CFG.defaults, outsideQuoteMinBps: 50 } }; // the default
    // bid 100, ask 100.01: the spread is 0.01, the floor 50 bps of the ask ≈ 0.50005.
    expect(run([Q({ bid: 100, ask: 100.01 }), T({ price: 100.51 })], cfg)).toEqual([]);
    expect(run([Q({ bid: 100, ask: 100.01 }), T({ price: 100.511 })], cfg)).toEqual(["trade.outside_quote"]);
    expect(run([Q({ bid: 100, ask: 100.01 }), T({ price: 99.4999 })], cfg)).toEqual(["trade.outside_quote"]);
  });

  test("a rejected duplicate or out-of-order quote does not retire the book", () => {
    const v = validator(CFG);
    run([Q({ seq: 1, bid: 100, ask: 101 }), Q({ seq: 2, bid: 100, ask: 101 })], CFG, v);
    expect(v.validate(quote({ seq: 2, bid: 102, ask: 101, ts: NOW + 5 * MS }), NOW + 5 * MS).ok).toBe(false);
    expect(v.validate(quote({ seq: 1, bid: 102, ask: 101, ts: NOW + 5 * MS }), NOW + 5 * MS).ok).toBe(false);
    expect(run([T({ price: 110 })], CFG, v)).toContain("trade.outside_quote");
  });

  test("a rejected quote is not the book", () => {
    const v = validator(CFG);
    run([Q({ bid: 100, ask: 101 }), Q({ bid: 100, ask: 99 })], CFG, v); // crossed: rejected
    expect(run([T({ price: 100.5 })], CFG, v)).toEqual([]);
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
