// Pure parts of the sink: record decoding and validation (decode-record.ts), the Redis member, keys
// and hash (redis-layout.ts), tick_key and COPY lines (pg-row.ts).
import { describe, expect, test } from "bun:test";
import { pack, unpack } from "msgpackr";
import { decodeRecord } from "../../src/sink/decode-record.ts";
import { copyLine, pgTime, tickKey } from "../../src/sink/pg-row.ts";
import { lastFields, memberOf, scoreOf, zsetKey } from "../../src/sink/redis-layout.ts";
import { PoisonRecord } from "../../src/sink/sink-errors.ts";
import { makeTicks } from "../../bench/lib/valid-records.ts";

const trade = { type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: 1732400000123456, price: 97000.5, size: 0.01, side: "buy", tradeId: "t1", recvTs: 1732400000200000, flags: ["price.spike"], v: 1 };
const quote = { type: "quote", exchange: "kraken", symbol: "SOL-EUR", ts: 1732400000000001, bid: 1.5, bidSize: 0, ask: 1.6, askSize: 3, seq: 42, recvTs: 1732400000000009, flags: [], v: 1 };

function poisonCode(v: unknown): string {
  try {
    decodeRecord(v instanceof Uint8Array ? v : pack(v));
  } catch (e) {
    expect(e).toBeInstanceOf(PoisonRecord);
    return (e as PoisonRecord).code;
  }
  throw new Error("decoded");
}

describe("decodeRecord", () => {
  test("decodes trades and quotes, ignores unknown fields", () => {
    const t = decodeRecord(pack({ ...trade, extra: { nested: 1 } }));
    expect(t).toEqual({ type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: trade.ts, price: 97000.5, size: 0.01, side: "buy", tradeId: "t1", recvTs: trade.recvTs, flags: ["price.spike"] });
    expect(decodeRecord(pack(quote))).toEqual({ type: "quote", exchange: "kraken", symbol: "SOL-EUR", ts: quote.ts, bid: 1.5, bidSize: 0, ask: 1.6, askSize: 3, seq: 42, recvTs: quote.recvTs, flags: [] });
  });
  test("integer tradeId becomes its decimal text; recvTs/flags/v may be absent", () => {
    const { recvTs: _r, flags: _f, v: _v, ...bare } = trade;
    expect(decodeRecord(pack({ ...bare, tradeId: 123 }))).toMatchObject({ tradeId: "123", recvTs: null, flags: [] });
  });
  test("poison reasons", () => {
    expect(poisonCode(new Uint8Array([0xc1]))).toBe("record.not_object"); // msgpackr decodes the reserved byte to a C1Type value
    expect(poisonCode(new Uint8Array([0xc1, 0x00]))).toBe("record.undecodable"); // trailing bytes
    expect(poisonCode(new Uint8Array([]))).toBe("record.undecodable");
    expect(poisonCode(new Uint8Array([0x92, 0x01]))).toBe("record.undecodable"); // truncated array
    expect(poisonCode([1, 2])).toBe("record.not_object");
    expect(poisonCode("str")).toBe("record.not_object");
    expect(poisonCode({ ...trade, v: 2 })).toBe("record.version");
    expect(poisonCode({ ...trade, type: "book" })).toBe("record.bad_field");
    expect(poisonCode({ ...trade, price: undefined })).toBe("record.missing_field");
    expect(poisonCode({ ...trade, price: "1" })).toBe("record.bad_field");
    expect(poisonCode({ ...trade, price: Infinity })).toBe("record.bad_field");
    expect(poisonCode({ ...trade, side: "hold" })).toBe("record.bad_field");
    expect(poisonCode({ ...trade, ts: 1.5 })).toBe("record.bad_field");
    expect(poisonCode({ ...trade, ts: -1 })).toBe("record.bad_field");
    expect(poisonCode({ ...trade, exchange: "" })).toBe("record.bad_field");
    expect(poisonCode({ ...trade, symbol: "A\0B" })).toBe("record.bad_field");
    expect(poisonCode({ ...trade, flags: "x" })).toBe("record.bad_field");
    expect(poisonCode({ ...quote, askSize: null })).toBe("record.missing_field");
    expect(poisonCode({ ...quote, seq: 1.25 })).toBe("record.bad_field");
  });
});

describe("member, keys, score", () => {
  test("member = msgpack of the tick fields only, in the fixed order, seq last", () => {
    const t = decodeRecord(pack(quote));
    const m = memberOf(t);
    expect(Object.keys(unpack(m))).toEqual(["type", "exchange", "symbol", "ts", "bid", "bidSize", "ask", "askSize", "seq"]);
    expect(unpack(m)).toEqual({ type: "quote", exchange: "kraken", symbol: "SOL-EUR", ts: quote.ts, bid: 1.5, bidSize: 0, ask: 1.6, askSize: 3, seq: 42 });
    const tm = unpack(memberOf(decodeRecord(pack(trade))));
    expect(Object.keys(tm)).toEqual(["type", "exchange", "symbol", "ts", "price", "size", "side", "tradeId"]);
  });
  test("a redelivered tick encodes to identical bytes, whatever recvTs/flags/field order it came with", () => {
    const a = memberOf(decodeRecord(pack(trade)));
    const shuffled = Object.fromEntries(Object.entries({ ...trade, recvTs: 1, flags: ["other"] }).reverse());
    const b = memberOf(decodeRecord(pack(shuffled)));
    expect(Buffer.compare(a, b)).toBe(0);
    // Members stay valid after later packs (ioredis writes them later).
    const copy = Buffer.from(a);
    for (const r of makeTicks(2000)) memberOf(r);
    expect(a.equals(copy)).toBe(true);
  });
  test("keys carry the hash tag; score is ts in ms", () => {
    const t = decodeRecord(pack(trade));
    expect(zsetKey("", t)).toBe("ticks:{binance:BTC-USDT}");
    expect(zsetKey("p:", t)).toBe("p:ticks:{binance:BTC-USDT}");
    expect(scoreOf(t)).toBe(1732400000123);
  });
  test("tick_key", () => {
    expect(tickKey(decodeRecord(pack(trade)))).toBe("t:t1");
    expect(tickKey(decodeRecord(pack(quote)))).toBe("q:42");
    const { seq: _s, ...noSeq } = quote;
    expect(tickKey(decodeRecord(pack(noSeq)))).toBe("q:1.5:0:1.6:3");
  });
  test("last hash fields", () => {
    expect(lastFields(decodeRecord(pack(quote)))).toEqual(["type", "quote", "exchange", "kraken", "symbol", "SOL-EUR", "ts", "1732400000000001", "bid", "1.5", "bidSize", "0", "ask", "1.6", "askSize", "3", "seq", "42", "recvTs", "1732400000000009"]);
  });
});

describe("COPY text", () => {
  test("timestamps keep µs", () => {
    expect(pgTime(1732400000123456)).toBe("2024-11-23 22:13:20.123456+00");
    expect(pgTime(1732400000000001)).toBe("2024-11-23 22:13:20.000001+00");
    expect(pgTime(0)).toBe("1970-01-01 00:00:00.000000+00");
    expect(pgTime(1732400001999999)).toBe("2024-11-23 22:13:21.999999+00");
  });
  test("lines: NULLs, arrays, escapes", () => {
    expect(copyLine(decodeRecord(pack(trade)))).toBe(
      "2024-11-23 22:13:20.123456+00\tbinance\tBTC-USDT\ttrade\t97000.5\t0.01\tbuy\tt1\t\\N\t\\N\t\\N\t\\N\t\\N\t{\"price.spike\"}\t2024-11-23 22:13:20.200000+00\tt:t1\n",
    );
    expect(copyLine(decodeRecord(pack(quote)))).toBe(
      "2024-11-23 22:13:20.000001+00\tkraken\tSOL-EUR\tquote\t\\N\t\\N\t\\N\t\\N\t1.5\t0\t1.6\t3\t42\t{}\t2024-11-23 22:13:20.000009+00\tq:42\n",
    );
    const odd = copyLine(decodeRecord(pack({ ...trade, tradeId: "a\tb\\c\nd", flags: ['q"x'] })));
    expect(odd).toContain("\ta\\tb\\\\c\\nd\t");
    expect(odd).toContain('\t{"q\\\\"x"}\t');
    expect(odd.split("\t").length).toBe(16);
  });
});
