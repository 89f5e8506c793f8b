// A MessagePack encoder for the one shape on the hot path: the `ticks.valid` value. Its keys are
// known, so their bytes are prepared once and each record is a run of byte stores into a shared
// slab. Any MessagePack decoder reads the result (the tests compare it with msgpackr, with
// validRecord() of bench/lib/valid-records.ts and with TICK_FIELDS); other values (rejects, completions) use msgpackr.
//
// Returns Buffer views into a slab; a new slab is allocated when one is full, so earlier views stay
// valid (Kafka holds them until the batch is acknowledged). Allocates one view per record and
// nothing else, unless a string field is not ASCII. The state is module-level (one encoder per
// thread) because JavaScriptCore optimises plain variables better than object fields here.
import { RECORD_VERSION, TICK_FIELDS, VALID_RECORD_EXTRAS, type Tick } from "../tick.ts";

const SLAB = 1 << 20;
const utf8 = new TextEncoder();

let buf = Buffer.allocUnsafeSlow(SLAB);
let view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
let pos = 0;

/** The fixstr encoding of a key, computed once (keys are ASCII). A byte loop beats `set` at this size. */
const key = (k: string) => [0xa0 | k.length, ...[...k].map((c) => c.charCodeAt(0))];
/**
 * Every key of the layout, as bytes, built from TICK_FIELDS at load. encodeValid below writes the
 * fields in that order by hand (a loop over the table per tick would cost the hot path); a test
 * (test/kafka/tick-fields.test.ts) holds the two equal. The sink's fast reader
 * (src/sink/decode-valid.ts) matches these bytes too.
 */
type ValidKey = keyof Tick | (typeof VALID_RECORD_EXTRAS)[number];
const KEYS: ValidKey[] = [...TICK_FIELDS.trade.map((f) => f.name), ...TICK_FIELDS.quote.map((f) => f.name), ...VALID_RECORD_EXTRAS];
export const VALID_KEYS = {} as Record<ValidKey, readonly number[]>;
for (const k of KEYS) VALID_KEYS[k] = key(k);
const { type: K_TYPE, exchange: K_EXCHANGE, symbol: K_SYMBOL, ts: K_TS } = VALID_KEYS;
const { price: K_PRICE, size: K_SIZE, side: K_SIDE, tradeId: K_TRADE_ID } = VALID_KEYS;
const { bid: K_BID, bidSize: K_BID_SIZE, ask: K_ASK, askSize: K_ASK_SIZE } = VALID_KEYS;
const { seq: K_SEQ, recvTs: K_RECV_TS, flags: K_FLAGS, v: K_V } = VALID_KEYS;

function newSlab(atLeast: number) {
  buf = Buffer.allocUnsafeSlow(Math.max(SLAB, atLeast));
  view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  pos = 0;
}

function writeKey(k: readonly number[]) {
  for (let i = 0; i < k.length; i++) buf[pos++] = k[i];
}

/** Integers in [0, 2^32) in the smallest unsigned form, everything else as float64. */
function writeNum(n: number) {
  if (n >= 0 && n < 4294967296 && Math.floor(n) === n && !Object.is(n, -0)) {
    if (n < 128) buf[pos++] = n;
    else if (n < 256) {
      buf[pos++] = 0xcc;
      buf[pos++] = n;
    } else if (n < 65536) {
      buf[pos++] = 0xcd;
      view.setUint16(pos, n);
      pos += 2;
    } else {
      buf[pos++] = 0xce;
      view.setUint32(pos, n);
      pos += 4;
    }
    return;
  }
  buf[pos++] = 0xcb;
  view.setFloat64(pos, n);
  pos += 8;
}

function writeStrHeader(len: number) {
  if (len < 32) buf[pos++] = 0xa0 | len;
  else if (len < 256) {
    buf[pos++] = 0xd9;
    buf[pos++] = len;
  } else if (len < 65536) {
    buf[pos++] = 0xda;
    view.setUint16(pos, len);
    pos += 2;
  } else {
    buf[pos++] = 0xdb;
    view.setUint32(pos, len);
    pos += 4;
  }
}

function writeStr(s: string) {
  const n = s.length;
  const header = pos;
  writeStrHeader(n);
  // ASCII fast path: one byte per character. On the first other character, start over as UTF-8.
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) {
      pos = header;
      const bytes = utf8.encode(s); // allocates: only for non-ASCII strings
      writeStrHeader(bytes.length);
      buf.set(bytes, pos);
      pos += bytes.length;
      return;
    }
    buf[pos++] = c;
  }
}

/** Encodes the normalised tick plus recvTs, flags and v, in TICK_FIELDS order (the key order of validRecord in bench/lib/valid-records.ts). */
export function encodeValid(t: Tick, recvTs: number, flags: readonly string[]): Buffer {
  // Worst case: fixed fields under 256 bytes, plus up to 3 bytes per UTF-16 unit of the strings.
  let room = 256 + 3 * (t.exchange.length + t.symbol.length + (t.tradeId?.length ?? 0));
  for (let i = 0; i < flags.length; i++) room += 5 + 3 * flags[i].length;
  if (pos + room > buf.length) newSlab(room);
  const start = pos;
  const hasSeq = t.seq !== undefined;
  buf[pos++] = 0x80 | (hasSeq ? 12 : 11); // fixmap: 4 common + 4 of the type + seq? + recvTs, flags, v
  writeKey(K_TYPE);
  writeStr(t.type);
  writeKey(K_EXCHANGE);
  writeStr(t.exchange);
  writeKey(K_SYMBOL);
  writeStr(t.symbol);
  writeKey(K_TS);
  writeNum(t.ts);
  if (t.type === "trade") {
    writeKey(K_PRICE);
    writeNum(t.price!);
    writeKey(K_SIZE);
    writeNum(t.size!);
    writeKey(K_SIDE);
    writeStr(t.side!);
    writeKey(K_TRADE_ID);
    writeStr(t.tradeId!);
  } else {
    writeKey(K_BID);
    writeNum(t.bid!);
    writeKey(K_BID_SIZE);
    writeNum(t.bidSize!);
    writeKey(K_ASK);
    writeNum(t.ask!);
    writeKey(K_ASK_SIZE);
    writeNum(t.askSize!);
  }
  if (hasSeq) {
    writeKey(K_SEQ);
    writeNum(t.seq!);
  }
  writeKey(K_RECV_TS);
  writeNum(recvTs);
  writeKey(K_FLAGS);
  if (flags.length < 16) buf[pos++] = 0x90 | flags.length;
  else {
    buf[pos++] = 0xdc;
    view.setUint16(pos, flags.length);
    pos += 2;
  }
  for (let i = 0; i < flags.length; i++) writeStr(flags[i]);
  writeKey(K_V);
  writeNum(RECORD_VERSION);
  return buf.subarray(start, pos);
}
