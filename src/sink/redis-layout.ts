// What Redis holds of a tick: the keys `ticks:{exchange:symbol}` (a ZSET) and `last:{exchange:symbol}`
// (a hash), the member's score, the member itself and the hash's fields. Pure functions; the sink's
// tests pin them byte for byte.
import { Packr } from "msgpackr";
import { routingKeyOf, TICK_FIELDS, type Tick } from "../tick.ts";
import type { SinkTick } from "./decode-record.ts";

// useRecords: false → plain msgpack maps, so any msgpack reader can read a member; one Packr, reused:
// each pack() returns a view on its own slice of the Packr's buffer, valid after later packs.
const packr = new Packr({ useRecords: false });

/** `ticks:{exchange:symbol}` — the braces are the Redis Cluster hash tag (docs/api.md, "Redis"). */
export const zsetKey = (prefix: string, t: Tick) => `${prefix}ticks:{${routingKeyOf(t.exchange, t.symbol)}}`;
export const lastKey = (prefix: string, t: Tick) => `${prefix}last:{${routingKeyOf(t.exchange, t.symbol)}}`;

/** ZSET score: the tick time in ms (ts is µs). */
export const scoreOf = (t: Tick) => Math.floor(t.ts / 1000);

/**
 * The ZSET member: the tick fields only (not recvTs/flags/v), in TICK_FIELDS order, so a redelivered
 * tick encodes to the same bytes and ZADD stores it once. Allocates one object and one buffer view.
 * Written out rather than looped over TICK_FIELDS because it runs per tick whenever decodeValid
 * could not slice the member (a literal of a fixed shape, no per-field lookups); a test
 * (test/kafka/tick-fields.test.ts) holds it to the table.
 */
export function memberOf(t: Tick): Buffer {
  const m: Record<string, unknown> =
    t.type === "trade"
      ? { type: t.type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, price: t.price, size: t.size, side: t.side, tradeId: t.tradeId }
      : { type: t.type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, bid: t.bid, bidSize: t.bidSize, ask: t.ask, askSize: t.askSize };
  if (t.seq !== undefined) m.seq = t.seq;
  return packr.pack(m);
}

const FIELD_NAMES = { trade: TICK_FIELDS.trade.map((f) => f.name), quote: TICK_FIELDS.quote.map((f) => f.name) };

/**
 * Field/value pairs for `last:{exchange:symbol}` (HSET), all as strings: the tick's fields in
 * TICK_FIELDS order, then recvTs and the flags (comma-joined) when it has them. Once per key per
 * batch, so derived from the table.
 */
export function lastFields(t: SinkTick): string[] {
  const names = FIELD_NAMES[t.type];
  const f: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const v = t[names[i]!];
    if (v !== undefined) f.push(names[i]!, String(v));
  }
  if (t.recvTs !== null) f.push("recvTs", String(t.recvTs));
  if (t.flags.length) f.push("flags", t.flags.join(","));
  return f;
}
