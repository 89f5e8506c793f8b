// What PostgreSQL holds of a tick: the columns, the COPY text line the writer streams, the same row
// as bind parameters (the row-by-row path), and the dedupe key `tick_key`. Pure functions; the
// sink's tests pin them byte for byte.
import type { Tick } from "../tick.ts";
import type { SinkTick } from "./decode-record.ts";

/**
 * Column order of the COPY lines and bind parameters: the table's own order (pg-schema.ts creates
 * it; ts first), which is why it is written out rather than taken from TICK_FIELDS' order. Each
 * tick field's column is TICK_FIELDS' `column`, then what ingest and the sink add (flags, recv_ts,
 * tick_key); test/kafka/tick-fields.test.ts holds copyLine and rowParams to both.
 */
export const COLUMNS = [
  "ts", "exchange", "symbol", "type", "price", "size", "side", "trade_id",
  "bid", "bid_size", "ask", "ask_size", "seq", "flags", "recv_ts", "tick_key",
] as const;

/** The part of the PostgreSQL unique key that tells ticks at the same (exchange, symbol, ts) apart. */
export function tickKey(t: Tick): string {
  if (t.type === "trade") return `t:${t.tradeId}`;
  if (t.seq !== undefined) return `q:${t.seq}`;
  return `q:${t.bid}:${t.bidSize}:${t.ask}:${t.askSize}`;
}

/** One COPY text-format line (tab-separated, `\N` = NULL, newline-terminated). Per tick: written out, one string. */
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

/** The row as bind parameters, in COLUMNS order (text forms PostgreSQL casts from). */
export function rowParams(t: SinkTick): (string | number | null)[] {
  const trade = t.type === "trade";
  return [
    pgTime(t.ts), t.exchange, t.symbol, t.type,
    trade ? t.price! : null, trade ? t.size! : null, trade ? t.side! : null, trade ? t.tradeId! : null,
    trade ? null : t.bid!, trade ? null : t.bidSize!, trade ? null : t.ask!, trade ? null : t.askSize!,
    t.seq === undefined ? null : String(t.seq),
    "{" + t.flags.map((s) => '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"').join(",") + "}",
    t.recvTs === null ? null : pgTime(t.recvTs),
    tickKey(t),
  ];
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
