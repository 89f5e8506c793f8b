// decodeValid, the sink's fast path for ingest's own record layout: for every value it takes, the
// tick is what the general path (msgpackr + checks) makes of the same record, and the member it
// slices is byte for byte memberOf's — or there is none and memberOf packs it. Anything it does not
// take goes the general path, which still names the poison.
import { describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import { encodeValid } from "../../src/kafka/encode.ts";
import { decodeValid } from "../../src/sink/decode-valid.ts";
import { PoisonRecord } from "../../src/sink/sink-errors.ts";
import { decodeRecord, type SinkTick } from "../../src/sink/decode-record.ts";
import { memberOf } from "../../src/sink/redis-layout.ts";
import type { Tick, ValidRecord } from "../../src/tick.ts";
import { makeTicks } from "../../bench/lib/valid-records.ts";

const split = (r: ValidRecord) => {
  const { recvTs, flags, v, ...tick } = r;
  return { tick: tick as Tick, recvTs, flags };
};
const ingestValue = (r: ValidRecord) => {
  const { tick, recvTs, flags } = split(r);
  return Buffer.from(encodeValid(tick, recvTs, flags));
};
const withoutMember = ({ member, ...t }: SinkTick) => t;

/** The general path's reading of the same record (msgpackr's map16 header never takes the fast path). */
const general = (r: ValidRecord) => {
  const t = decodeRecord(pack(r));
  expect(t.member).toBeUndefined();
  return t;
};

const base: ValidRecord = { type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: 1732400000123456, price: 97000.5, size: 0.01, side: "buy", tradeId: "t1", recvTs: 1732400000200000, flags: [], v: 1 };
const quote: ValidRecord = { type: "quote", exchange: "kraken", symbol: "SOL-EUR", ts: 1732400000000001, bid: 1.5, bidSize: 0, ask: 1.6, askSize: 3, seq: 42, recvTs: 1732400000000009, flags: ["price.spike"], v: 1 };

// Values at the edges of the two encoders' agreement: small and large integers, integer-valued
// floats, negatives, −0, seq past 2^32, long strings, 16+ flags.
const edges: ValidRecord[] = [
  base,
  quote,
  { ...base, price: 100, size: 1 },
  { ...base, price: 65535, size: 65536 },
  { ...base, price: 4294967295, size: 4294967296 },
  { ...base, price: -1.5, size: 127 },
  { ...base, price: 128, size: 255, tradeId: "x".repeat(31) },
  { ...base, tradeId: "y".repeat(32) },
  { ...base, tradeId: "z".repeat(300) },
  { ...quote, seq: 2 ** 32 + 7 },
  { ...quote, seq: -5 },
  { ...quote, bidSize: -0 },
  { ...quote, seq: undefined },
  { ...quote, flags: Array.from({ length: 17 }, (_, i) => `f${i}`) },
];

describe("decodeValid", () => {
  test("takes every value ingest writes: the same tick as the general path, and memberOf's bytes", () => {
    const records = [...edges, ...makeTicks(3000, { seed: 12 })].map((r) => {
      const copy = { ...r };
      if (copy.seq === undefined) delete copy.seq;
      return copy;
    });
    let sliced = 0;
    for (const r of records) {
      const fast = decodeValid(ingestValue(r));
      expect(fast).not.toBeNull();
      const g = general(r);
      // (JSON: the value's −0 stays −0 here, while msgpackr packed the general path's copy as 0.)
      expect(JSON.stringify(withoutMember(fast!))).toBe(JSON.stringify(g));
      expect(Buffer.from(fast!.member ?? memberOf(fast!)).equals(Buffer.from(memberOf(g)))).toBe(true);
      if (fast!.member) sliced++;
    }
    // Only the encodings msgpackr writes otherwise (a negative integer seq, −0) are packed again.
    expect(sliced).toBe(records.length - 2);
    expect(decodeValid(ingestValue({ ...quote, seq: -5 }))!.member).toBeUndefined();
    expect(decodeValid(ingestValue({ ...quote, bidSize: -0 }))!.member).toBeUndefined();
  });

  test("the decoded tick goes through decodeRecord unchanged, member included", () => {
    const t = decodeRecord(ingestValue(quote));
    expect(t.member).toBeInstanceOf(Buffer);
    expect(withoutMember(t)).toEqual(general(quote));
  });

  test("leaves every other layout to the general path", () => {
    const other: Uint8Array[] = [
      pack(base), // msgpackr: map16 header
      ingestValue(base).subarray(0, 40), // cut short
      Buffer.concat([ingestValue(base), Buffer.from([0xc0])]), // trailing bytes
      ingestValue({ ...base, exchange: "bïnance" }), // non-ASCII
      ingestValue({ ...base, flags: [""] }), // an empty flag (the general path allows it)
    ];
    for (const v of other) expect(decodeValid(Buffer.from(v))).toBeNull();
    // The general path reads them (the map16 one, the last two) or names them poison (the rest).
    expect(decodeRecord(other[0]!).tradeId).toBe("t1");
    expect(() => decodeRecord(other[1]!)).toThrow(PoisonRecord);
    expect(() => decodeRecord(other[2]!)).toThrow(PoisonRecord);
    expect(decodeRecord(other[3]!).exchange).toBe("bïnance");
    expect(decodeRecord(other[4]!).flags).toEqual([""]);
  });

  test("a value in ingest's layout that a check refuses is poison, with the general path's reason", () => {
    const codeOf = (r: ValidRecord) => {
      try {
        decodeRecord(ingestValue(r));
      } catch (e) {
        expect(e).toBeInstanceOf(PoisonRecord);
        return (e as PoisonRecord).code;
      }
      return "decoded";
    };
    expect(codeOf({ ...base, price: Number.NaN })).toBe("record.bad_field");
    expect(codeOf({ ...base, size: Number.POSITIVE_INFINITY })).toBe("record.bad_field");
    expect(codeOf({ ...base, symbol: "BTC\u0000USDT" })).toBe("record.bad_field");
    expect(codeOf({ ...base, side: "hold" as never })).toBe("record.bad_field");
    expect(codeOf({ ...base, ts: 1.5 })).toBe("record.bad_field");
  });
});
