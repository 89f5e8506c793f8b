// Reads a decoded tick (any value at all) into the Scratch, firing the schema and parse checks.
// Every field is read once; nothing here throws for JSON/MessagePack input (validator.ts still
// wraps the call, for exotic objects with throwing getters). No allocation on the valid path, except
// a decimal string for an integer tradeId (Tick.tradeId is a string) and first-sight spellings.
import * as C from "./codes.ts";
import { fire } from "./codes.ts";
import type { GlobalParams } from "./params.ts";
import { decimal, exchangeOf, kindOf, sideOf, symbolOf, tsFromNumber, tsFromString, uint, validIdString } from "./parse.ts";
import { KIND_QUOTE, KIND_TRADE, type Scratch } from "./scratch.ts";

type Obj = Record<string, unknown>;

const absent = (v: unknown): v is null | undefined => v === undefined || v === null;

export function normalise(raw: unknown, c: Scratch, g: GlobalParams): void {
  if (typeof raw !== "object" || raw === null) return fire(c, C.SCHEMA_NOT_OBJECT);
  // Arrays, Maps, Dates, byte arrays and class instances are not ticks; JSON/msgpack maps are plain.
  const proto = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return fire(c, C.SCHEMA_NOT_OBJECT);
  if (!fieldCountOk(raw, g.maxFields)) return fire(c, C.SCHEMA_TOO_MANY_FIELDS);
  const o = raw as Obj;

  const type = o.type;
  if (absent(type)) fire(c, C.SCHEMA_MISSING_FIELD);
  else if (typeof type !== "string") fire(c, C.TYPE_UNKNOWN);
  else if (type.length > g.maxStringLength) fire(c, C.SCHEMA_STRING_TOO_LONG);
  else if ((c.kind = kindOf(type)) === 0) fire(c, C.TYPE_UNKNOWN);

  c.exchange = readExchange(c, o.exchange, g);
  c.symbol = readSymbol(c, o.symbol, g);
  c.ts = readTs(c, o.ts, g);
  const seq = o.seq;
  if (!absent(seq)) {
    c.seq = uint(seq);
    if (c.seq !== c.seq) fire(c, C.SEQ_INVALID);
  }

  if (c.kind === KIND_TRADE) {
    c.price = readNumber(c, o.price, g, C.PRICE_NOT_FINITE);
    c.size = readNumber(c, o.size, g, C.SIZE_NOT_FINITE);
    readSide(c, o.side, g);
    readTradeId(c, o.tradeId, g);
  } else if (c.kind === KIND_QUOTE) {
    c.bid = readNumber(c, o.bid, g, C.BID_NOT_FINITE);
    c.bidSize = readNumber(c, o.bidSize, g, C.BID_SIZE_NOT_FINITE);
    c.ask = readNumber(c, o.ask, g, C.ASK_NOT_FINITE);
    c.askSize = readNumber(c, o.askSize, g, C.ASK_SIZE_NOT_FINITE);
  }
}

/** Counts own enumerable keys, stopping at the limit (a 1M-key object costs max+1 steps). for-in over a shape seen before reuses JSC's cached enumerator: no allocation. */
export function fieldCountOk(o: object, max: number): boolean {
  let n = 0;
  for (const _ in o) if (++n > max) return false;
  return true;
}

export function readExchange(c: Scratch, v: unknown, g: GlobalParams): string {
  if (absent(v)) { fire(c, C.SCHEMA_MISSING_FIELD); return ""; }
  if (typeof v !== "string") { fire(c, C.EXCHANGE_INVALID); return ""; }
  if (v.length > g.maxStringLength) { fire(c, C.SCHEMA_STRING_TOO_LONG); return ""; }
  const ex = exchangeOf(v);
  if (ex === "") fire(c, C.EXCHANGE_INVALID);
  return ex;
}

export function readSymbol(c: Scratch, v: unknown, g: GlobalParams): string {
  if (absent(v)) { fire(c, C.SCHEMA_MISSING_FIELD); return ""; }
  if (typeof v !== "string") { fire(c, C.SYMBOL_INVALID); return ""; }
  if (v.length > g.maxStringLength) { fire(c, C.SCHEMA_STRING_TOO_LONG); return ""; }
  const sym = symbolOf(v);
  if (sym === "") fire(c, C.SYMBOL_INVALID);
  return sym;
}

export function readTs(c: Scratch, v: unknown, g: GlobalParams): number {
  if (absent(v)) { fire(c, C.SCHEMA_MISSING_FIELD); return NaN; }
  let us = NaN;
  if (typeof v === "number") us = tsFromNumber(v);
  else if (typeof v === "string") {
    if (v.length > g.maxStringLength) { fire(c, C.SCHEMA_STRING_TOO_LONG); return NaN; }
    us = tsFromString(v);
  }
  if (us !== us) fire(c, C.TS_INVALID);
  return us;
}

/** A finite number from a number or a decimal string; fires `bad` (or missing / too long) and returns NaN otherwise. */
export function readNumber(c: Scratch, v: unknown, g: GlobalParams, bad: number): number {
  if (typeof v === "number") {
    if (v - v === 0) return v; // finite: NaN - NaN and ∞ - ∞ are NaN
  } else if (absent(v)) {
    fire(c, C.SCHEMA_MISSING_FIELD);
    return NaN;
  } else if (typeof v === "string") {
    if (v.length > g.maxStringLength) { fire(c, C.SCHEMA_STRING_TOO_LONG); return NaN; }
    const n = decimal(v);
    if (n - n === 0) return n;
  }
  fire(c, bad);
  return NaN;
}

export function readSide(c: Scratch, v: unknown, g: GlobalParams): void {
  if (absent(v)) return fire(c, C.SCHEMA_MISSING_FIELD);
  if (typeof v !== "string") return fire(c, C.SIDE_INVALID);
  if (v.length > g.maxStringLength) return fire(c, C.SCHEMA_STRING_TOO_LONG);
  const s = sideOf(v);
  if (s === "") return fire(c, C.SIDE_INVALID);
  c.side = s;
}

export function readTradeId(c: Scratch, v: unknown, g: GlobalParams): void {
  if (typeof v === "string") {
    if (v.length > g.maxStringLength) return fire(c, C.SCHEMA_STRING_TOO_LONG);
    if (!validIdString(v, g.maxTradeIdLength)) return fire(c, C.TRADE_ID_INVALID);
    c.tradeId = v;
  } else if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v < 0) return fire(c, C.TRADE_ID_INVALID);
    c.tradeId = String(v + 0); // allocates: Tick.tradeId is a string (+0 folds -0)
  } else if (absent(v)) {
    fire(c, C.SCHEMA_MISSING_FIELD);
  } else {
    fire(c, C.TRADE_ID_INVALID);
  }
}

/** Check id → the part of normalise that decides it, run on a whole raw tick: for the per-check benchmark. */
export const FIELD_READERS: Readonly<Record<string, (c: Scratch, raw: Obj, g: GlobalParams) => void>> = {
  "schema.not_object": (c, o) => {
    if (typeof o !== "object" || o === null) return fire(c, C.SCHEMA_NOT_OBJECT);
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) fire(c, C.SCHEMA_NOT_OBJECT);
  },
  "schema.too_many_fields": (c, o, g) => { if (!fieldCountOk(o, g.maxFields)) fire(c, C.SCHEMA_TOO_MANY_FIELDS); },
  "type.unknown": (c, o) => { const t = o.type; if (typeof t !== "string" || (c.kind = kindOf(t)) === 0) fire(c, C.TYPE_UNKNOWN); },
  "exchange.invalid": (c, o, g) => { c.exchange = readExchange(c, o.exchange, g); },
  "symbol.invalid": (c, o, g) => { c.symbol = readSymbol(c, o.symbol, g); },
  "ts.invalid": (c, o, g) => { c.ts = readTs(c, o.ts, g); },
  "seq.invalid": (c, o) => { const v = o.seq; if (!absent(v) && (c.seq = uint(v)) !== c.seq) fire(c, C.SEQ_INVALID); },
  "price.not_finite": (c, o, g) => { if (o.type === "trade") c.price = readNumber(c, o.price, g, C.PRICE_NOT_FINITE); },
  "size.not_finite": (c, o, g) => { if (o.type === "trade") c.size = readNumber(c, o.size, g, C.SIZE_NOT_FINITE); },
  "side.invalid": (c, o, g) => { if (o.type === "trade") readSide(c, o.side, g); },
  "tradeId.invalid": (c, o, g) => { if (o.type === "trade") readTradeId(c, o.tradeId, g); },
  "bid.not_finite": (c, o, g) => { if (o.type === "quote") c.bid = readNumber(c, o.bid, g, C.BID_NOT_FINITE); },
  "ask.not_finite": (c, o, g) => { if (o.type === "quote") c.ask = readNumber(c, o.ask, g, C.ASK_NOT_FINITE); },
  "bidSize.not_finite": (c, o, g) => { if (o.type === "quote") c.bidSize = readNumber(c, o.bidSize, g, C.BID_SIZE_NOT_FINITE); },
  "askSize.not_finite": (c, o, g) => { if (o.type === "quote") c.askSize = readNumber(c, o.askSize, g, C.ASK_SIZE_NOT_FINITE); },
  // Cross-cutting: decided while reading every field, so measured as the whole of normalise.
  "schema.unreadable": (c, o, g) => normalise(o, c, g),
  "schema.missing_field": (c, o, g) => normalise(o, c, g),
  "schema.string_too_long": (c, o, g) => normalise(o, c, g),
};
