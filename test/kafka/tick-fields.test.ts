// TICK_FIELDS (src/tick.ts) is the one description of a tick's fields. The encoders on the hot path
// are written out by hand for speed; these tests hold every one of them to the description, so a
// field added to the table and not to an encoder (or the other way round) fails here.
import { describe, expect, test } from "bun:test";
import { pack, Unpackr } from "msgpackr";
import { encodeValid, VALID_KEYS } from "../../src/kafka/encode.ts";
import { validRecord } from "../../bench/lib/valid-records.ts";
import { decodeRecord, type SinkTick } from "../../src/sink/decode-record.ts";
import { decodeValid } from "../../src/sink/decode-valid.ts";
import { COLUMNS, copyLine, pgTime, rowParams, tickKey } from "../../src/sink/pg-row.ts";
import { lastFields, lastKey, memberOf, zsetKey } from "../../src/sink/redis-layout.ts";
import { routingKeyOf, TICK_FIELDS, VALID_RECORD_EXTRAS, type Tick, type TickType } from "../../src/tick.ts";

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

// One tick per type, with and without each optional field.
const trade: Tick = { type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: 1732400000123456, price: 97000.5, size: 0.01, side: "buy", tradeId: "t1" };
const quote: Tick = { type: "quote", exchange: "kraken", symbol: "SOL-EUR", ts: 1732400000000001, bid: 1.5, bidSize: 0.25, ask: 1.6, askSize: 3 };
const ticks: Tick[] = [trade, { ...trade, seq: 7 }, quote, { ...quote, seq: 42 }];
const recvTs = 1732400000200000;
const flags = ["price.spike"];

/** The field names a tick of `type` has, in the table's order. */
const namesOf = (t: Tick) => TICK_FIELDS[t.type].filter((f) => !f.optional || t[f.name] !== undefined).map((f) => f.name as string);
const sinkTick = (t: Tick): SinkTick => ({ ...t, recvTs, flags });

describe("TICK_FIELDS", () => {
  test("every field of Tick is described, once per type, type/exchange/symbol/ts first", () => {
    // A field added to Tick fails the typecheck here until it is listed, and then this test until TICK_FIELDS has it.
    const every: Record<keyof Tick, true> = { type: true, exchange: true, symbol: true, ts: true, price: true, size: true, side: true, tradeId: true, bid: true, bidSize: true, ask: true, askSize: true, seq: true };
    expect([...new Set([...TICK_FIELDS.trade, ...TICK_FIELDS.quote].map((f) => f.name))].sort()).toEqual(Object.keys(every).sort() as (keyof Tick)[]);
    for (const type of ["trade", "quote"] as TickType[]) {
      const names = TICK_FIELDS[type].map((f) => f.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.slice(0, 4)).toEqual(["type", "exchange", "symbol", "ts"]);
    }
  });

  test("the Kafka value: encodeValid and validRecord write the fields in the table's order, then the extras", () => {
    for (const t of ticks) {
      const expected = [...namesOf(t), ...VALID_RECORD_EXTRAS];
      expect(Object.keys(unpackr.unpack(encodeValid(t, recvTs, flags)))).toEqual(expected);
      expect(Object.keys(validRecord(t, recvTs, flags))).toEqual(expected);
    }
    expect(Object.keys(VALID_KEYS).sort()).toEqual([...new Set([...TICK_FIELDS.trade, ...TICK_FIELDS.quote].map((f) => f.name as string).concat(VALID_RECORD_EXTRAS))].sort());
  });

  test("the sink reads every field back with its kind, on both decode paths", () => {
    for (const t of ticks) {
      const fast = decodeValid(Buffer.from(encodeValid(t, recvTs, flags)));
      const general = decodeRecord(pack({ ...validRecord(t, recvTs, flags) }));
      for (const d of [fast!, general]) {
        expect(d).not.toBeNull();
        for (const f of TICK_FIELDS[t.type]) {
          if (f.optional && t[f.name] === undefined) {
            expect(d[f.name]).toBeUndefined();
            continue;
          }
          expect(d[f.name]).toBe(t[f.name] as never);
          const v = d[f.name];
          if (f.kind === "string") expect(typeof v).toBe("string");
          else if (f.kind === "integer") expect(Number.isSafeInteger(v)).toBe(true);
          else expect(Number.isFinite(v)).toBe(true);
        }
      }
    }
  });

  test("the Redis member and the last: hash hold the fields in the table's order", () => {
    for (const t of ticks) {
      expect(Object.keys(unpackr.unpack(memberOf(t)))).toEqual(namesOf(t));
      const f = lastFields(sinkTick(t));
      const keys = f.filter((_, i) => i % 2 === 0);
      expect(keys).toEqual([...namesOf(t), "recvTs", "flags"]);
      for (const name of namesOf(t)) expect(f[f.indexOf(name) + 1]).toBe(String(t[name as keyof Tick]));
    }
    // decodeValid's sliced member is the same bytes (test/sink/decode-valid.test.ts covers the edges).
    for (const t of ticks) expect(Buffer.compare(decodeValid(Buffer.from(encodeValid(t, recvTs, flags)))!.member!, memberOf(t))).toBe(0);
  });

  test("the Redis keys and the Kafka key are routingKeyOf(exchange, symbol)", () => {
    expect(routingKeyOf("binance", "BTC-USDT")).toBe("binance:BTC-USDT");
    expect(zsetKey("p:", trade)).toBe(`p:ticks:{${routingKeyOf(trade.exchange, trade.symbol)}}`);
    expect(lastKey("p:", trade)).toBe(`p:last:{${routingKeyOf(trade.exchange, trade.symbol)}}`);
  });

  test("the PostgreSQL row: COLUMNS are the fields' columns plus flags, recv_ts, tick_key; copyLine and rowParams put each value under its column", () => {
    const fieldColumns = [...new Set([...TICK_FIELDS.trade, ...TICK_FIELDS.quote].map((f) => f.column))];
    expect(([...COLUMNS] as string[]).sort()).toEqual([...fieldColumns, "flags", "recv_ts", "tick_key"].sort());
    for (const t of ticks) {
      const s = sinkTick(t);
      const cells = copyLine(s).slice(0, -1).split("\t");
      const params = rowParams(s);
      expect(cells.length).toBe(COLUMNS.length);
      expect(params.length).toBe(COLUMNS.length);
      const at = (column: string) => COLUMNS.indexOf(column as (typeof COLUMNS)[number]);
      const mine = new Set(TICK_FIELDS[t.type].map((f) => f.column));
      for (const f of TICK_FIELDS[t.type]) {
        const v = t[f.name];
        const text = v === undefined ? null : f.name === "ts" ? pgTime(v as number) : String(v);
        expect(cells[at(f.column)]).toBe(text ?? "\\N");
        expect(params[at(f.column)] === null ? null : String(params[at(f.column)])).toBe(text);
      }
      // Columns of the other type's fields are NULL.
      for (const c of fieldColumns) if (!mine.has(c)) expect([cells[at(c)], params[at(c)]]).toEqual(["\\N", null]);
      expect(cells[at("recv_ts")]).toBe(pgTime(recvTs));
      expect(cells[at("tick_key")]).toBe(tickKey(t));
      expect(cells[at("flags")]).toBe('{"price.spike"}');
    }
  });
});
