// Every stateless check passes and fails at its boundary. The table is checked for coverage: each
// stateless id of the registry must have a row with at least one pass and one fail case.
import { describe, expect, test } from "bun:test";
import { MS, NOW, boundaryTests, codes, quote, trade, validator, without, type BoundaryRow, type Raw } from "./helpers.ts";

/** BTC-USDT carries bounds and increments; ETH-USDT keeps the defaults except where a row says. */
const CFG = {
  defaults: { maxFields: 12, maxStringLength: 64, maxTradeIdLength: 16, maxClockSkewMs: 1000, maxAgeMs: 60_000 },
  symbols: {
    "BTC-USDT": { minPrice: 10, maxPrice: 1000, tickSize: 0.5, lotSize: 0.1, maxSize: 100, maxNotional: 10_000 },
    "DOGE-USDT": { tickSize: 0.00001, lotSize: 0.001 },
    "ETH-USDT": { maxSpreadBps: 100 },
  },
};
const ALLOW = { defaults: { allowedExchanges: ["Binance"], allowedSymbols: ["eth/usdt"] } };
const btc = (over: Raw) => trade({ symbol: "BTC-USDT", price: 100, size: 1, ...over });

type Row = BoundaryRow<unknown>;

const padded = (n: number) => {
  const t = trade();
  for (let i = Object.keys(t).length; i < n; i++) t[`x${i}`] = i;
  return t;
};

const ROWS: Record<string, Row> = {
  "schema.unreadable": {
    pass: [trade()],
    fail: [{ ...trade(), get price(): number { throw new Error("boom"); } }],
  },
  "schema.not_object": {
    pass: [trade(), Object.assign(Object.create(null), trade())],
    fail: [null, undefined, 1, "x", true, [trade()], new Map(Object.entries(trade())), new Date(), new Uint8Array(4), new (class T {})()],
  },
  "schema.too_many_fields": { pass: [padded(12)], fail: [padded(13), padded(100_000)] },
  "tick.too_large": {
    // maxTickBytes 16384 (the default) counts the MessagePack encoding, unknown fields included.
    pass: [trade({ note: "x".repeat(16_000) })],
    fail: [trade({ note: "x".repeat(16_300) }), trade({ extra: { deep: "y".repeat(300_000) } }), { blob: new Uint8Array(20_000) }],
  },
  "schema.string_too_long": {
    pass: [trade({ side: "x".repeat(64) })], // long but allowed: fires side.invalid, not string_too_long
    fail: [trade({ side: "x".repeat(65) }), trade({ symbol: "B".repeat(10_000) }), trade({ price: "1".repeat(65) })],
  },
  "schema.missing_field": {
    pass: [trade(), quote(), trade({ seq: null })],
    fail: [
      ...["type", "exchange", "symbol", "ts", "price", "size", "side", "tradeId"].map((k) => without(trade(), k)),
      ...["bid", "bidSize", "ask", "askSize"].map((k) => without(quote(), k)),
      trade({ price: null }), quote({ ask: undefined }), {},
    ],
  },
  "type.unknown": { pass: [trade({ type: "TRADE" }), quote({ type: "Quote" })], fail: [trade({ type: "trades" }), trade({ type: 1 }), trade({ type: "" })] },
  "exchange.invalid": {
    pass: [trade({ exchange: "a".repeat(32) }), trade({ exchange: "Gate.io" }), trade({ exchange: "b_x-1" })],
    fail: [trade({ exchange: "a".repeat(33) }), trade({ exchange: "" }), trade({ exchange: "bin ance" }), trade({ exchange: "-x" }), trade({ exchange: 7 }), trade({ exchange: "ü" })],
  },
  "exchange.not_allowed": { cfg: ALLOW, pass: [trade({ exchange: "BINANCE" })], fail: [trade({ exchange: "kraken" })] },
  "symbol.invalid": {
    pass: [trade({ symbol: "btc_usdt" }), trade({ symbol: "1000SHIB/USDT" }), trade({ symbol: `${"A".repeat(24)}-B` })],
    fail: [trade({ symbol: "BTCUSDT" }), trade({ symbol: "BTC-USD-T" }), trade({ symbol: "-USD" }), trade({ symbol: "BTC-" }), trade({ symbol: `${"A".repeat(25)}-B` }), trade({ symbol: "BTC USD" }), trade({ symbol: ["BTC-USD"] })],
  },
  "symbol.not_allowed": { cfg: ALLOW, pass: [trade({ symbol: "ETH_usdt" })], fail: [trade({ symbol: "BTC-USDT" })] },
  "ts.invalid": {
    pass: [trade({ ts: NOW / 1000 }), trade({ ts: String(NOW * 1000) }), trade({ ts: "2026-01-01T00:00:00Z" }), trade({ ts: "2025-12-31T19:00:00.000000-05:00" })],
    fail: [trade({ ts: -1 }), trade({ ts: 0 }), trade({ ts: NaN }), trade({ ts: Infinity }), trade({ ts: 1e20 }), trade({ ts: "abc" }), trade({ ts: "2026-01-01T00:00:00" }), trade({ ts: "2026-02-29T00:00:00Z" }), trade({ ts: {} }), trade({ ts: true })],
  },
  "ts.future": { pass: [trade({ ts: NOW + 1000 * MS })], fail: [trade({ ts: NOW + 1000 * MS + 1 })] },
  "ts.too_old": { pass: [trade({ ts: NOW - 60_000 * MS })], fail: [trade({ ts: NOW - 60_000 * MS - 1 })] },
  "seq.invalid": {
    pass: [trade({ seq: 0 }), trade({ seq: "12" }), trade({ seq: 2 ** 53 - 1 })],
    fail: [trade({ seq: -1 }), trade({ seq: 1.5 }), trade({ seq: 2 ** 53 }), trade({ seq: "x" }), trade({ seq: "-1" }), trade({ seq: [] })],
  },
  "price.not_finite": {
    pass: [trade({ price: "100.5" }), trade({ price: "1e2" })],
    fail: [trade({ price: NaN }), trade({ price: Infinity }), trade({ price: -Infinity }), trade({ price: "abc" }), trade({ price: "1e400" }), trade({ price: "0x10" }), trade({ price: " 1" }), trade({ price: {} }), trade({ price: true })],
  },
  "price.nonpositive": { pass: [trade({ price: Number.MIN_VALUE })], fail: [trade({ price: 0 }), trade({ price: -0 }), trade({ price: "-0" }), trade({ price: -1 })] },
  "price.out_of_bounds": { pass: [btc({ price: 10 }), btc({ price: 1000, size: 0.1 })], fail: [btc({ price: 9.5 }), btc({ price: 1000.5, size: 0.1 })] },
  "price.off_tick": {
    pass: [btc({ price: 100.5 }), trade({ symbol: "DOGE-USDT", price: 0.14998 }), trade({ symbol: "DOGE-USDT", price: "0.15003" })],
    fail: [btc({ price: 100.25 }), trade({ symbol: "DOGE-USDT", price: 0.149985 })],
  },
  "size.not_finite": { pass: [trade({ size: "0.5" })], fail: [trade({ size: NaN }), trade({ size: "1,5" }), trade({ size: [1] })] },
  "size.nonpositive": { pass: [trade({ size: 1e-12 })], fail: [trade({ size: 0 }), trade({ size: -0 }), trade({ size: -2 })] },
  "size.off_lot": {
    pass: [btc({ size: 0.3 }), btc({ size: "0.7" }), trade({ symbol: "DOGE-USDT", price: 0.15, size: 0.003 })],
    fail: [btc({ size: 0.35 }), trade({ symbol: "DOGE-USDT", price: 0.15, size: 0.0035 })],
  },
  "size.too_large": { pass: [btc({ price: 100, size: 100 })], fail: [btc({ price: 10, size: 100.1 })] },
  "notional.too_large": { pass: [btc({ price: 100, size: 100 })], fail: [btc({ price: 100.5, size: 99.6 })] },
  "side.invalid": { pass: [trade({ side: "SELL" }), trade({ side: "Buy" })], fail: [trade({ side: "hold" }), trade({ side: "b" }), trade({ side: 1 }), trade({ side: "buy " })] },
  "tradeId.invalid": {
    pass: [trade({ tradeId: "x".repeat(16) }), trade({ tradeId: 0 }), trade({ tradeId: 2 ** 53 - 1 }), trade({ tradeId: "a-1:b" })],
    fail: [trade({ tradeId: "x".repeat(17) }), trade({ tradeId: "" }), trade({ tradeId: "a b" }), trade({ tradeId: -1 }), trade({ tradeId: 1.5 }), trade({ tradeId: 2 ** 53 }), trade({ tradeId: {} }), trade({ tradeId: "é" })],
  },
  "bid.not_finite": { pass: [quote({ bid: "100" })], fail: [quote({ bid: NaN }), quote({ bid: "x" })] },
  "bid.nonpositive": { pass: [quote({ bid: 1e-9 })], fail: [quote({ bid: 0 }), quote({ bid: -0 }), quote({ bid: -1 })] },
  "ask.not_finite": { pass: [quote({ ask: "100.5" })], fail: [quote({ ask: Infinity }), quote({ ask: [] })] },
  "ask.nonpositive": { pass: [quote({ bid: 1e-9, ask: 1e-9 })], fail: [quote({ ask: 0 }), quote({ ask: -5 })] },
  "bidSize.not_finite": { pass: [quote({ bidSize: "0" })], fail: [quote({ bidSize: NaN }), quote({ bidSize: "" })] },
  "bidSize.negative": { pass: [quote({ bidSize: 0 }), quote({ bidSize: -0 })], fail: [quote({ bidSize: -1e-9 })] },
  "askSize.not_finite": { pass: [quote({ askSize: 0 })], fail: [quote({ askSize: -Infinity }), quote({ askSize: {} })] },
  "askSize.negative": { pass: [quote({ askSize: 0 })], fail: [quote({ askSize: -1 })] },
  "quote.crossed": { pass: [quote({ bid: 100.5, ask: 100.5 })], fail: [quote({ bid: 100.51, ask: 100.5 })] },
  "quote.locked": { pass: [quote({ bid: 100.49, ask: 100.5 })], fail: [quote({ bid: 100.5, ask: 100.5 }), quote({ bid: "100.5", ask: 100.5 })] },
  "spread.too_wide": {
    // ETH-USDT maxSpreadBps 100: (ask - bid) / mid = 1 / 100 exactly at the boundary.
    pass: [quote({ bid: 99.5, ask: 100.5 })],
    fail: [quote({ bid: 99.4, ask: 100.5 })],
  },
};

describe("stateless checks at their boundaries", () => {
  boundaryTests(false, ROWS, "test/checks/stateless.test.ts", (t, cfg) => codes(t, cfg ?? CFG));

  test("an over-long seq fails seq.invalid, not schema.string_too_long: an optional field's failure stays overridable", () => {
    const long = trade({ seq: "1".repeat(65) }); // CFG maxStringLength 64
    expect(codes(long, CFG)).toEqual(["seq.invalid"]);
    const flagged = validator({ ...CFG, checks: { "seq.invalid": "flag" } }).validate(long, NOW);
    expect([flagged.ok, flagged.flags]).toEqual([true, ["seq.invalid"]]);
    expect(codes(trade({ side: "x".repeat(65) }), CFG)).toEqual(["schema.string_too_long"]); // a required field: the guard
  });

  test("the base ticks are clean", () => {
    expect(codes(trade(), CFG)).toEqual([]);
    expect(codes(quote(), CFG)).toEqual([]);
    expect(codes(btc({}), CFG)).toEqual([]);
  });
});
