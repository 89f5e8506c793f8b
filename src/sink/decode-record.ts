// A consumed `ticks.valid` value → a checked SinkTick, or the PoisonRecord that says why it can never
// be stored. Ingest's own layout is read by decode-valid.ts in one pass; every other value (another
// producer's key order, a bad field) comes here, and this file alone names poison.
import { unpack } from "msgpackr";
import { RECORD_VERSION, type Tick } from "../tick.ts";
import { POISON, PoisonRecord, type PoisonCode } from "./sink-errors.ts";
import { decodeValid } from "./decode-valid.ts";

/** A decoded, checked record: the normalised tick plus what ingest added. */
export interface SinkTick extends Tick {
  recvTs: number | null;
  flags: string[];
  /** The Redis member, when decodeValid could take it from the value's bytes (else memberOf packs it). */
  member?: Buffer;
}

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

  // Field by field rather than a loop over TICK_FIELDS: this runs per record, and each field has its
  // own rule (ts ≥ 0, side an enum, an integer tradeId becomes text). test/kafka/tick-fields.test.ts
  // holds the result to TICK_FIELDS.
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

// ---------------------------------------------------------------- field checks (poison reasons)

function poison(code: PoisonCode, message: string) {
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
