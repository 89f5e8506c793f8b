import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadChecksConfig } from "../../src/checks/index.ts";
import { NOW, codes, quote, trade } from "./helpers.ts";

const EXAMPLE = new URL("../../docs/checks-config.example.json", import.meta.url).pathname;

function badKey(src: unknown): string {
  try {
    loadChecksConfig(src as object);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe("config.invalid");
    return (e as ConfigError).key;
  }
  throw new Error("expected a ConfigError");
}

describe("loadChecksConfig", () => {
  const saved = process.env.CHECKS_CONFIG;
  afterEach(() => {
    if (saved === undefined) delete process.env.CHECKS_CONFIG;
    else process.env.CHECKS_CONFIG = saved;
  });

  test("defaults when CHECKS_CONFIG is unset; from the file it names otherwise", () => {
    delete process.env.CHECKS_CONFIG;
    expect(loadChecksConfig().defaults.maxSpreadBps).toBe(5000);
    process.env.CHECKS_CONFIG = EXAMPLE;
    expect(loadChecksConfig().paramsFor("binance", "BTC-USDT").maxSpreadBps).toBe(50);
  });

  test("the documented example loads", () => {
    const cfg = loadChecksConfig(EXAMPLE);
    expect(cfg.settings[cfg.settings.length - 1]).toBe("flag");
    expect(cfg.paramsFor("coinbase", "BTC-USD").maxNotional).toBe(50_000_000);
    expect(cfg.paramsFor("kraken", "BTC-USD").maxClockSkewMs).toBe(10_000);
    expect(cfg.paramsFor("kraken", "BTC-USD").maxClockSkewUs).toBe(10_000_000); // derived once, at load
  });

  test("errors name the dotted path of the bad key", () => {
    expect(badKey({ symbols: { "BTC-USD": { maxSpreadBps: -1 } } })).toBe("symbols.BTC-USD.maxSpreadBps");
    expect(badKey({ symbols: { "BTC-USD": { maxSpreadBps: "5" } } })).toBe("symbols.BTC-USD.maxSpreadBps");
    expect(badKey({ symbols: { "BTC-USD": { maxSpredBps: 5 } } })).toBe("symbols.BTC-USD.maxSpredBps");
    expect(badKey({ symbols: { BTCUSD: {} } })).toBe("symbols.BTCUSD");
    expect(badKey({ symbols: { "btc/usd": {}, "BTC-USD": {} } })).toBe("symbols.BTC-USD");
    expect(badKey({ exchanges: { "bad exchange": {} } })).toBe("exchanges.bad exchange");
    expect(badKey({ exchanges: { kraken: { allowedSymbols: [] } } })).toBe("exchanges.kraken.allowedSymbols");
    expect(badKey({ defaults: { allowedSymbols: ["BTC-USD", "nope"] } })).toBe("defaults.allowedSymbols[1]");
    expect(badKey({ defaults: { outlierMinSamples: 1.5 } })).toBe("defaults.outlierMinSamples");
    expect(badKey({ defaults: { outlierMinSamples: 33 } })).toBe("defaults.outlierMinSamples");
    expect(badKey({ defaults: { maxAgeMs: Infinity } })).toBe("defaults.maxAgeMs");
    expect(badKey({ defaults: { minPrice: 10, maxPrice: 5 } })).toBe("defaults.minPrice");
    expect(badKey({ checks: { "price.nope": "off" } })).toBe("checks.price.nope");
    expect(badKey({ checks: { "price.spike": "warn" } })).toBe("checks.price.spike");
    expect(badKey({ checks: { "schema.missing_field": "off" } })).toBe("checks.schema.missing_field");
    expect(badKey({ thresholds: {} })).toBe("thresholds");
    expect(badKey({ defaults: [] })).toBe("defaults");
    expect(badKey([])).toBe("");
  });

  test("unreadable or malformed files are ConfigErrors", () => {
    const dir = mkdtempSync(join(tmpdir(), "checks-"));
    writeFileSync(join(dir, "bad.json"), "{ nope");
    expect(() => loadChecksConfig(join(dir, "bad.json"))).toThrow(ConfigError);
    expect(() => loadChecksConfig(join(dir, "missing.json"))).toThrow(ConfigError);
  });

  test("precedence: defaults < exchange < symbol < exchange:symbol", () => {
    const cfg = loadChecksConfig({
      defaults: { maxSpreadBps: 1 },
      exchanges: { Kraken: { maxSpreadBps: 2 } },
      symbols: { "eth/usd": { maxSpreadBps: 3 }, "kraken:ETH-USD": { maxSpreadBps: 4 } },
    });
    expect(cfg.paramsFor("binance", "BTC-USD").maxSpreadBps).toBe(1);
    expect(cfg.paramsFor("kraken", "BTC-USD").maxSpreadBps).toBe(2);
    expect(cfg.paramsFor("binance", "ETH-USD").maxSpreadBps).toBe(3);
    expect(cfg.paramsFor("kraken", "ETH-USD").maxSpreadBps).toBe(4);
  });

  test("severity overrides: off, reject → flag, flag → reject", () => {
    const src = { checks: { "quote.locked": "reject", "quote.crossed": "flag", "ts.future": "off" } };
    const v = loadChecksConfig(src);
    expect(v.settings).toContain("off");
    expect(codes(quote({ bid: 100.5, ask: 100.5 }), src)).toEqual(["quote.locked"]);
    const crossed = codes(quote({ bid: 101, ask: 100.5 }), src);
    expect(crossed).toEqual(["quote.crossed"]);
    expect(codes(trade({ ts: NOW + 3600e6 }), src)).toEqual([]);
  });

  test("the defaults accept any well-formed exchange and symbol and real, current ticks", () => {
    expect(codes(trade({ exchange: "some-new.exchange", symbol: "PEPE/WETH", price: "0.00000123", size: 123456789 }))).toEqual([]);
    expect(codes(quote({ exchange: "x", symbol: "A_B", bid: 1e-8, ask: 1.2e-8, bidSize: 0, askSize: 1e6 }))).toEqual([]);
  });
});
