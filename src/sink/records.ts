// A consumed `ticks.valid` value → a checked SinkTick, and a SinkTick → what each target stores:
// the Redis member (MessagePack of the tick fields in one fixed order), the PostgreSQL COPY line and
// the dedupe key `tick_key`. Pure functions; the sink's tests pin them byte for byte.
import { Packr, unpack } from "msgpackr";
import { RECORD_VERSION, type Tick } from "../tick.ts";
import { POISON, PoisonRecord } from "./errors.ts";
import { decodeValid } from "./decode-valid.ts";

/** A decoded, checked record: the normalised tick plus what ingest added. */
export interface SinkTick extends Tick {
  recvTs: number | null;
  flags: string[];
  /** The Redis member, when decodeValid could take it from the value's bytes (else memberOf packs it). */
  member?: Buffer;
}

// useRecords: false → plain msgpack maps, so any msgpack reader can read a member; one Packr, reused:
// each pack() returns a view on its own slice of the Packr's buffer, valid after later packs.
const packr = new Packr({ useRecords: false });

/** Decodes and checks one Kafka value. Throws PoisonRecord (never anything else) when it can't be stored. */
export function decodeRecord(value: Buffer | Uint8Array | null): SinkTick {
  if (value === null || value.length === 0) throw poison(POISON.undecodable, "empty value");
  // Ingest's own layout, read in one pass; anything else (or anything wrong) takes the general path below.
  const fast = decodeValid(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  if (fast) return fast;
  let r: any;
  try {
    r = unpack(value);
  } catch (e) {
    throw poison(POISON.undecodable, `msgpack: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Plain objects only: msgpack maps decode to them; arrays, buffers, extension values (msgpackr's
  // C1Type for the reserved 0xc1 byte, dates) do not.
  if (r === null || typeof r !== "object" || Object.getPrototypeOf(r) !== Object.prototype) throw poison(POISON.notObject, "value is not a map");
  if (r.v !== undefined && r.v !== RECORD_VERSION) throw poison(POISON.version, `unsupported record version ${JSON.stringify(r.v)}`);

  const type = r.type;
  if (type !== "trade" && type !== "quote") throw field(r, "type", "trade or quote");
  const t: SinkTick = {
    type,
    exchange: str(r, "exchange"),
    symbol: str(r, "symbol"),
    ts: int(r, "ts", 0),
    recvTs: r.recvTs === undefined || r.recvTs === null ? null : int(r, "recvTs", 0),
    flags: flags(r),
  };
  if (type === "trade") {
    t.price = num(r, "price");
    t.size = num(r, "size");
    if (r.side !== "buy" && r.side !== "sell") throw field(r, "side", "buy or sell");
    t.side = r.side;
    t.tradeId = typeof r.tradeId === "number" && Number.isSafeInteger(r.tradeId) ? String(r.tradeId) : str(r, "tradeId");
  } else {
    t.bid = num(r, "bid");
    t.bidSize = num(r, "bidSize");
    t.ask = num(r, "ask");
    t.askSize = num(r, "askSize");
  }
  if (r.seq !== undefined && r.seq !== null) t.seq = int(r, "seq", Number.MIN_SAFE_INTEGER);
  return t;
}

/** `ticks:{exchange:symbol}` — the braces are the Redis Cluster hash tag (DESIGN.md, "Redis"). */
export const zsetKey = (prefix: string, t: Tick) => `${prefix}ticks:{${t.exchange}:${t.symbol}}`;
export const lastKey = (prefix: string, t: Tick) => `${prefix}last:{${t.exchange}:${t.symbol}}`;

/** ZSET score: the tick time in ms (ts is µs). */
export const scoreOf = (t: Tick) => Math.floor(t.ts / 1000);

/**
 * The ZSET member: the tick fields only (not recvTs/flags/v), in a fixed key order, so a redelivered
 * tick encodes to the same bytes and ZADD stores it once. Allocates one object and one buffer view.
 */
export function memberOf(t: Tick): Buffer {
  const m: Record<string, unknown> =
    t.type === "trade"
      ? { type: t.type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, price: t.price, size: t.size, side: t.side, tradeId: t.tradeId }
      : { type: t.type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, bid: t.bid, bidSize: t.bidSize, ask: t.ask, askSize: t.askSize };
  if (t.seq !== undefined) m.seq = t.seq;
  return packr.pack(m);
}

/** The part of the PostgreSQL unique key that tells ticks at the same (exchange, symbol, ts) apart. */
export function tickKey(t: Tick): string {
  if (t.type === "trade") return `t:${t.tradeId}`;
  if (t.seq !== undefined) return `q:${t.seq}`;
  return `q:${t.bid}:${t.bidSize}:${t.ask}:${t.askSize}`;
}

/** Field/value pairs for `last:{exchange:symbol}` (HSET), all as strings. */
export function lastFields(t: SinkTick): string[] {
  const f = ["type", t.type, "exchange", t.exchange, "symbol", t.symbol, "ts", String(t.ts)];
  if (t.type === "trade") f.push("price", String(t.price), "size", String(t.size), "side", t.side!, "tradeId", t.tradeId!);
  else f.push("bid", String(t.bid), "bidSize", String(t.bidSize), "ask", String(t.ask), "askSize", String(t.askSize));
  if (t.seq !== undefined) f.push("seq", String(t.seq));
  if (t.recvTs !== null) f.push("recvTs", String(t.recvTs));
  if (t.flags.length) f.push("flags", t.flags.join(","));
  return f;
}

/** Column order of the COPY lines; the table (schema.ts) and the staging table follow it. */
export const COLUMNS = [
  "ts", "exchange", "symbol", "type", "price", "size", "side", "trade_id",
  "bid", "bid_size", "ask", "ask_size", "seq", "flags", "recv_ts", "tick_key",
] as const;

/** One COPY text-format line (tab-separated, `\N` = NULL, newline-terminated). */
export function copyLine(t: SinkTick): string {
  const N = "\\N";
  const trade = t.type === "trade";
  return (
    pgTime(t.ts) + "\t" + esc(t.exchange) + "\t" + esc(t.symbol) + "\t" + t.type + "\t" +
    (trade ? t.price + "\t" + t.size + "\t" + t.side + "\t" + esc(t.tradeId!) + "\t" + N + "\t" + N + "\t" + N + "\t" + N
           : N + "\t" + N + "\t" + N + "\t" + N + "\t" + t.bid + "\t" + t.bidSize + "\t" + t.ask + "\t" + t.askSize) + "\t" +
    (t.seq === undefined ? N : String(t.seq)) + "\t" +
    pgArray(t.flags) + "\t" +
    (t.recvTs === null ? N : pgTime(t.recvTs)) + "\t" +
    esc(tickKey(t)) + "\n"
  );
}

// µs since the epoch → `YYYY-MM-DD HH:MM:SS.ffffff+00`. Ticks of one batch mostly share their
// second, so the date part is cached per second instead of formatting a Date per tick.
let cachedSec = NaN;
let cachedPrefix = "";
export function pgTime(us: number): string {
  const sec = Math.floor(us / 1e6);
  if (sec !== cachedSec) {
    cachedSec = sec;
    const iso = new Date(sec * 1000).toISOString(); // 2024-11-23T22:13:20.000Z
    cachedPrefix = iso.slice(0, 10) + " " + iso.slice(11, 19) + ".";
  }
  const frac = us - sec * 1e6;
  return cachedPrefix + (frac < 10 ? "00000" : frac < 100 ? "0000" : frac < 1000 ? "000" : frac < 10000 ? "00" : frac < 100000 ? "0" : "") + frac + "+00";
}

// COPY text format: backslash, tab, newline and carriage return must be escaped.
const SPECIAL = /[\\\t\n\r]/;
function esc(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

function pgArray(a: string[]): string {
  if (a.length === 0) return "{}";
  // Each element quoted (array syntax), then the whole literal COPY-escaped.
  return esc("{" + a.map((s) => '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"').join(",") + "}");
}

// ---------------------------------------------------------------- field checks (poison reasons)

function poison(code: (typeof POISON)[keyof typeof POISON], message: string) {
  return new PoisonRecord(code, message);
}
function field(r: any, name: string, expected: string) {
  const v = r[name];
  return v === undefined || v === null
    ? poison(POISON.missingField, `missing field ${name}`)
    : poison(POISON.badField, `field ${name}: expected ${expected}, got ${JSON.stringify(v)?.slice(0, 80)}`);
}
// PostgreSQL text can't hold NUL; anything else a string may hold is escaped in copyLine.
function str(r: any, name: string): string {
  const v = r[name];
  if (typeof v !== "string" || v.length === 0 || v.length > 1024 || v.includes("\0")) throw field(r, name, "a non-empty string without NUL");
  return v;
}
function num(r: any, name: string): number {
  const v = r[name];
  if (typeof v !== "number" || !Number.isFinite(v)) throw field(r, name, "a finite number");
  return v;
}
function int(r: any, name: string, min: number): number {
  const v = r[name];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) throw field(r, name, `an integer ≥ ${min}`);
  return v;
}
function flags(r: any): string[] {
  const v = r.flags;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string" && !s.includes("\0"))) throw field(r, "flags", "an array of strings");
  return v;
}
