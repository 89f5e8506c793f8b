// Golden corpus: realistic trade and quote streams over several exchanges and symbols, in every wire
// format the normaliser accepts, pass with no reject and no flag, and normalise as expected.
import { describe, expect, test } from "bun:test";
import { FEEDS, generateCorpus } from "../../bench/lib/corpus.ts";
import { validator } from "./helpers.ts";
import { loadChecksConfig, Validator } from "../../src/checks/index.ts";

const EXAMPLE = new URL("../../docs/checks-config.example.json", import.meta.url).pathname;

describe("golden corpus", () => {
  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: 50k ticks pass clean under the defaults`, () => {
      const v = validator();
      const corpus = generateCorpus(50_000, seed);
      const symbols = new Set<string>();
      for (const [i, t] of corpus.entries()) {
        const wire = JSON.parse(JSON.stringify(t.raw)); // as the ingest path decodes it
        const r = v.validate(wire, t.recvTsUs);
        if (!r.ok || r.flags.length) throw new Error(`tick ${i} ${JSON.stringify(t.raw)}: ${[...r.rejects, ...r.flags]}`);
        symbols.add(`${r.tick!.exchange}:${r.tick!.symbol}`);
      }
      expect([...symbols].sort()).toEqual(
        ["binance:BTC-USDT", "binance:ETH-USDT", "bybit:DOGE-USDT", "coinbase:BTC-USD", "kraken:ETH-USD", "okx:SOL-USDT"],
      );
      expect(v.stats().rejected).toBe(0);
    });
  }

  test("passes clean under the documented example config too", () => {
    const v = new Validator(loadChecksConfig(EXAMPLE));
    for (const t of generateCorpus(20_000, 9)) {
      const r = v.validate(t.raw, t.recvTsUs);
      if (!r.ok || r.flags.length) throw new Error(`${JSON.stringify(t.raw)}: ${[...r.rejects, ...r.flags]}`);
    }
  });

  test("the corpus covers every feed format", () => {
    expect(new Set(FEEDS.map((f) => f.tsFormat))).toEqual(new Set(["ms", "us", "ns-string", "iso"]));
    expect(FEEDS.some((f) => f.numbersAsStrings)).toBe(true);
    expect(FEEDS.some((f) => f.intTradeIds)).toBe(true);
  });

  test("injected faults in the stream are caught", () => {
    const v = validator();
    const corpus = generateCorpus(5_000, 4);
    let caught = 0;
    corpus.forEach((t, i) => {
      const raw = { ...t.raw };
      if (i % 500 === 499) {
        if (raw.type === "trade") raw.price = Number(raw.price) * 1.5; // fat-finger spike
        else { const b = raw.bid; raw.bid = raw.ask; raw.ask = b; } // crossed
      }
      const r = v.validate(raw, t.recvTsUs);
      if (i % 500 === 499) {
        expect(r.ok).toBe(false);
        expect(r.rejects.some((c) => c === "price.spike" || c === "quote.crossed")).toBe(true);
        caught++;
      } else {
        expect(r.ok).toBe(true);
      }
    });
    expect(caught).toBe(10);
  });
});
