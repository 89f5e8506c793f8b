// The hand-written ticks.valid encoder must produce what any MessagePack decoder reads back as the
// record of the contract: compared with msgpackr on generated and edge-case ticks.
import { describe, expect, test } from "bun:test";
import { Unpackr } from "msgpackr";
import { encodeValid } from "../../src/kafka/encode.ts";
import { validRecord } from "../../bench/lib/valid-records.ts";
import type { Tick } from "../../src/tick.ts";
import { prng } from "../../bench/lib/tick-gen.ts";

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

function randomTick(rand: () => number): Tick {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const num = () => pick([0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 0.1, 97000.5, 1e-9, 1e308, -1, -0.5, rand() * 1e6]);
  const str = (n: number) => Array.from({ length: n }, () => pick(["a", "Z", "9", "-", "é", "€", "𝄞", "_"])).join("");
  const base = { exchange: str(1 + Math.floor(rand() * 40)), symbol: str(3 + Math.floor(rand() * 300)), ts: 1.7e15 + Math.floor(rand() * 1e12), ...(rand() < 0.5 ? { seq: num() } : {}) };
  return rand() < 0.5
    ? { type: "trade", ...base, price: num(), size: num(), side: pick(["buy", "sell"]), tradeId: str(Math.floor(rand() * 70)) }
    : { type: "quote", ...base, bid: num(), bidSize: num(), ask: num(), askSize: num() };
}

describe("encodeValid", () => {
  test("decodes to validRecord() for 50k random ticks (numbers of every width, UTF-8, long strings, flags)", () => {
    const rand = prng(2024);
    const flagSets = [[], ["quote.locked"], Array.from({ length: 20 }, (_, i) => `flag.${i}`)];
    const kept: [Buffer, unknown][] = [];
    for (let i = 0; i < 50_000; i++) {
      const t = randomTick(rand);
      const flags = flagSets[i % 3];
      const recvTs = 1.7e15 + i;
      const bytes = encodeValid(t, recvTs, flags);
      const expected = validRecord(t, recvTs, flags);
      expect(unpackr.unpack(bytes)).toEqual(expected);
      if (i % 1000 === 0) kept.push([bytes, expected]);
    }
    // Views handed out earlier are not overwritten when later records fill new slabs.
    for (const [bytes, expected] of kept) expect(unpackr.unpack(bytes)).toEqual(expected);
  });

  test("keeps key order type, exchange, symbol, ts first and v last", () => {
    const t: Tick = { type: "quote", exchange: "kraken", symbol: "ETH-USD", ts: 1764000000000000, bid: 1, bidSize: 2, ask: 3, askSize: 4 };
    expect(Object.keys(unpackr.unpack(encodeValid(t, 1, [])))).toEqual(["type", "exchange", "symbol", "ts", "bid", "bidSize", "ask", "askSize", "recvTs", "flags", "v"]);
  });
});
