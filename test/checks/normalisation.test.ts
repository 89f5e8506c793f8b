// Normalisation: exchange, symbol, ts units, numeric strings; routingKey agrees with validate.
import { describe, expect, test } from "bun:test";
import { routingKey } from "../../src/checks/index.ts";
import { decimal } from "../../src/checks/decimals.ts";
import { isoToUs, tsFromNumber, tsFromString } from "../../src/checks/timestamps.ts";
import { NOW, quote, trade, validator } from "./helpers.ts";

const norm = (raw: Record<string, unknown>) => {
  const r = validator().validate(raw, NOW);
  expect(r.rejects).toEqual([]);
  return { ...r.tick! };
};

describe("normalisation", () => {
  test("exchange to lower case, symbol to upper-case BASE-QUOTE from -, / and _", () => {
    for (const symbol of ["btc-usdt", "BTC/USDT", "btc_USDT", "BTC-USDT"]) {
      expect(norm(trade({ exchange: "Binance", symbol }))).toMatchObject({ exchange: "binance", symbol: "BTC-USDT" });
    }
  });

  test("routingKey agrees with validate and is empty when it cannot be derived", () => {
    expect(routingKey({ exchange: "Binance", symbol: "btc/usdt" })).toBe("binance:BTC-USDT");
    for (const bad of [null, 1, "x", [], {}, { exchange: "binance" }, { exchange: "b", symbol: "BTCUSDT" }, { exchange: 5, symbol: "A-B" }]) {
      expect(routingKey(bad)).toBe("");
    }
    const t = norm(quote({ exchange: "OKX", symbol: "sol_usdt" }));
    expect(routingKey(quote({ exchange: "OKX", symbol: "sol_usdt" }))).toBe(`${t.exchange}:${t.symbol}`);
  });

  test("ts from epoch ms, µs and ns (told apart by magnitude) and ISO-8601, to µs", () => {
    const us = NOW + 123_456; // 2026-01-01T00:00:00.123456Z
    expect(tsFromNumber(Math.floor(us / 1000))).toBe(NOW + 123_000); // ms
    expect(tsFromNumber(us)).toBe(us); // µs
    expect(tsFromNumber(us * 1000)).toBe(us); // ns as a double: within 1 µs
    expect(tsFromString(`${us}789`)).toBe(us); // ns as a digit string: exact, truncated
    expect(tsFromString(String(us))).toBe(us);
    expect(tsFromString(String(Math.floor(us / 1000)))).toBe(NOW + 123_000);
    expect(isoToUs("2026-01-01T00:00:00.123456Z")).toBe(us);
    expect(isoToUs("2026-01-01T00:00:00.123456789Z")).toBe(us);
    expect(isoToUs("2026-01-01 01:00:00.123456+01:00")).toBe(us);
    expect(isoToUs("2025-12-31T23:00:00.123456-0100")).toBe(us);
    expect(isoToUs("2026-01-01T00:00:00.1z")).toBe(NOW + 100_000);
    expect(isoToUs("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29) * 1000);
    for (const bad of ["2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2026-01-32T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00+25:00", "1969-12-31T00:00:00Z", "2026-01-01T00:00:00Zjunk"]) {
      expect(tsFromString(bad)).toBeNaN();
    }
    expect(norm(trade({ ts: "2026-01-01T00:00:00.123456Z" })).ts).toBe(us);
    // Agreement with Date for many random instants.
    for (let i = 0; i < 1000; i++) {
      const ms = 1_600_000_000_000 + Math.floor(((i * 7919) % 1000) * 1e8 + i);
      expect(isoToUs(new Date(ms).toISOString())).toBe(ms * 1000);
    }
  });

  test("numeric strings ARE accepted, in plain decimal notation only (documented policy)", () => {
    expect(norm(trade({ price: "65000.12", size: "0.00100000" }))).toMatchObject({ price: 65000.12, size: 0.001 });
    expect(norm(quote({ bid: "1e2", ask: "100.5", bidSize: "0", askSize: ".5" }))).toMatchObject({ bid: 100, ask: 100.5, bidSize: 0, askSize: 0.5 });
    for (const bad of ["", " 1", "1 ", "0x10", "1_000", "+1", "Infinity", "NaN", "1e", "1.2.3", "١٢"]) expect(decimal(bad)).toBeNaN();
    // Identical to Number() wherever the grammar accepts the string.
    for (let i = 0; i < 20_000; i++) {
      const s = ((i * 2654435761) % 1e9 / 10 ** (i % 12)).toFixed(i % 10);
      expect(Object.is(decimal(s), Number(s))).toBe(true);
    }
    expect(decimal("12345678901234567890.5")).toBe(Number("12345678901234567890.5")); // slow path
  });

  test("integer tradeIds become decimal strings; side and type are case-insensitive", () => {
    expect(norm(trade({ tradeId: 42, side: "SELL", type: "Trade" }))).toMatchObject({ tradeId: "42", side: "sell", type: "trade" });
  });

  test("the normalised tick carries only known fields, seq only when present", () => {
    expect(Object.keys(norm(trade({ extra: 1 })))).toEqual(["type", "exchange", "symbol", "ts", "price", "size", "side", "tradeId"]);
    expect(Object.keys(norm(quote({ seq: "9" })))).toEqual(["type", "exchange", "symbol", "ts", "bid", "bidSize", "ask", "askSize", "seq"]);
  });
});
