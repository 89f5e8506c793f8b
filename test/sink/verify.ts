// Asserts that the sink stored exactly the given records, each once, with equal values, in both
// PostgreSQL and Redis. Exact counts first (cheap, clearest failure), then value by value.
import { expect } from "bun:test";
import type { ValidRecord } from "../../src/tick.ts";
import { tickKey } from "../../src/sink/pg-row.ts";
import { memberOf } from "../../src/sink/redis-layout.ts";
import { memberCount, readMembers, readRows, rowCount, type TestEnv } from "../../bench/lib/sink-env.ts";

export async function expectStored(e: TestEnv, records: ValidRecord[]) {
  const n = records.length;
  expect(await rowCount(e)).toBe(n);
  expect(await memberCount(e)).toBe(n);

  // PostgreSQL: one row per record, every column equal.
  const byKey = new Map<string, ValidRecord>();
  for (const r of records) byKey.set(`${r.exchange}|${r.symbol}|${r.ts}|${tickKey(r)}`, r);
  expect(byKey.size).toBe(n); // the generator's ticks are distinct by the unique key
  const rows = await readRows(e);
  expect(rows.length).toBe(n);
  const seen = new Set<string>();
  for (const row of rows) {
    const k = `${row.exchange}|${row.symbol}|${row.ts_us}|${row.tick_key}`;
    const r = byKey.get(k);
    if (!r) throw new Error(`unexpected row ${JSON.stringify(row)}`);
    expect(seen.has(k)).toBe(false);
    seen.add(k);
    const trade = r.type === "trade";
    expect({
      type: row.type, price: row.price, size: row.size, side: row.side, trade_id: row.trade_id,
      bid: row.bid, bid_size: row.bid_size, ask: row.ask, ask_size: row.ask_size,
      seq: row.seq, flags: row.flags, recv_us: row.recv_us,
    }).toEqual({
      type: r.type, price: trade ? r.price! : null, size: trade ? r.size! : null, side: trade ? r.side! : null, trade_id: trade ? r.tradeId! : null,
      bid: trade ? null : r.bid!, bid_size: trade ? null : r.bidSize!, ask: trade ? null : r.ask!, ask_size: trade ? null : r.askSize!,
      seq: r.seq === undefined ? null : String(r.seq), flags: r.flags, recv_us: String(r.recvTs),
    });
  }

  // Redis: per key, exactly the records of that key, member bytes = memberOf(record), score = ts ms.
  const members = await readMembers(e);
  const expected = new Map<string, ValidRecord[]>();
  for (const r of records) {
    const k = `${e.keyPrefix}ticks:{${r.exchange}:${r.symbol}}`;
    if (!expected.has(k)) expected.set(k, []);
    expected.get(k)!.push(r);
  }
  expect([...members.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [k, list] of expected) {
    const got = members.get(k)!;
    expect(got.length).toBe(list.length);
    const want = new Map(list.map((r) => [memberOf(r).toString("hex"), r]));
    for (const m of got) {
      const r = want.get(m.bytes.toString("hex"));
      if (!r) throw new Error(`unexpected member in ${k}: ${JSON.stringify(m.tick)}`);
      expect(m.score).toBe(Math.floor(r.ts / 1000));
      want.delete(m.bytes.toString("hex"));
    }
    expect(want.size).toBe(0);
    // last:{…} holds the newest tick of the key.
    const newest = list.reduce((a, b) => (b.ts > a.ts ? b : a));
    const h = await e.redis.hgetall(k.replace(`${e.keyPrefix}ticks:`, `${e.keyPrefix}last:`));
    expect(h.ts).toBe(String(newest.ts));
    expect(h.type).toBe(newest.type);
  }
}
