// The fast path of decodeRecord (decode-record.ts) for the one layout ingest writes: encodeValid's
// (src/kafka/encode.ts) — a map of the tick fields in a fixed order, then recvTs, flags and v. It
// walks the bytes once and also hands back the Redis member as a copy of the value's tick-field
// bytes under a new map header, instead of decoding the value into an object and packing the member
// again (together ≈ 4 µs of the sink thread per tick, see docs/sink.md).
//
// It returns null for anything else: another key order (a record from another producer), a form
// encodeValid never writes, a value a check would refuse. decode-record.ts then takes the general path,
// which is the one place that says why a record is poison. So this file only ever speeds up; it
// never decides.
//
// The member must be byte for byte what memberOf() packs (msgpackr), or a redelivered tick would add
// a second member. msgpackr starts every map with a map16 header; after it, the slice is used only
// where the two encoders agree: positive integers below 2^32
// in their smallest form, other numbers as float64 (msgpackr writes integers in [−2^31, 0) and −0 in
// an integer form: such a tick keeps its fields but gets its member from memberOf), ASCII strings
// with the smallest header.
//
// The fields are read in TICK_FIELDS order (src/tick.ts) written out by hand, like encodeValid's
// writes; test/kafka/tick-fields.test.ts holds both to the table.
import { VALID_KEYS } from "../kafka/encode.ts";
import { RECORD_VERSION } from "../tick.ts";
import type { SinkTick } from "./decode-record.ts";

const K = VALID_KEYS;
/** The strings decode-record.ts accepts (str()): 1..1024 characters. */
const MAX_STRING = 1024;

// The reader's state for one value: module-level, like encode.ts, because JavaScriptCore optimises
// plain variables better than object fields here. One value is read at a time (synchronously).
let b: Buffer;
let pos = 0;
/** Cleared when a field is encoded in a form memberOf would encode differently. */
let sliceable = true;

function key(k: readonly number[]): boolean {
  if (pos + k.length > b.length) return false;
  for (let i = 0; i < k.length; i++) if (b[pos + i] !== k[i]) return false;
  pos += k.length;
  return true;
}

/** A finite number, or NaN when the form is not one encodeValid writes (or the bytes end). */
function num(): number {
  if (pos >= b.length) return NaN;
  const t = b[pos++]!;
  if (t < 0x80) return t;
  if (t === 0xcb) {
    if (pos + 8 > b.length) return NaN;
    const v = b.readDoubleBE(pos);
    pos += 8;
    // msgpackr packs these as integers: the member must come from memberOf.
    if (Number.isInteger(v) && v >= -2147483648 && v < 4294967296) sliceable = false;
    return Number.isFinite(v) ? v : NaN;
  }
  let v: number;
  if (t === 0xcc && pos + 1 <= b.length) (v = b[pos]!), (pos += 1);
  else if (t === 0xcd && pos + 2 <= b.length) (v = b.readUInt16BE(pos)), (pos += 2);
  else if (t === 0xce && pos + 4 <= b.length) (v = b.readUInt32BE(pos)), (pos += 4);
  else return NaN;
  // Not the smallest form: msgpackr would write fewer bytes.
  if (v < (t === 0xcc ? 0x80 : t === 0xcd ? 0x100 : 0x10000)) sliceable = false;
  return v;
}

/** An ASCII string of 1..MAX_STRING characters without NUL, or null. */
function str(): string | null {
  if (pos >= b.length) return null;
  const t = b[pos++]!;
  let n: number;
  if ((t & 0xe0) === 0xa0) n = t & 0x1f;
  else if (t === 0xd9 && pos + 1 <= b.length) (n = b[pos]!), (pos += 1), n < 32 && (sliceable = false);
  else if (t === 0xda && pos + 2 <= b.length) (n = b.readUInt16BE(pos)), (pos += 2), n < 256 && (sliceable = false);
  else return null;
  if (n === 0 || n > MAX_STRING || pos + n > b.length) return null;
  for (let i = pos; i < pos + n; i++) {
    const c = b[i]!;
    if (c === 0 || c > 0x7f) return null; // NUL is refused; non-ASCII takes the general path
  }
  const s = b.toString("latin1", pos, pos + n);
  pos += n;
  return s;
}

const MEMBER_SLAB = 1 << 20;
let slab = Buffer.allocUnsafeSlow(MEMBER_SLAB);
let slabPos = 0;

/**
 * The member: a map header for `fields` entries, then the value's bytes [from, to). A view on a
 * shared slab. The header is map16 (0xde), as msgpackr writes every object's, not fixmap.
 */
function member(fields: number, from: number, to: number): Buffer {
  const n = 3 + to - from;
  if (slabPos + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(MEMBER_SLAB, n));
    slabPos = 0;
  }
  const start = slabPos;
  slab[slabPos++] = 0xde;
  slab[slabPos++] = 0;
  slab[slabPos++] = fields;
  b.copy(slab, slabPos, from, to);
  slabPos += to - from;
  return slab.subarray(start, slabPos);
}

/** The checked tick with its member, or null when the value is not exactly encodeValid's layout. */
export function decodeValid(value: Buffer): SinkTick | null {
  b = value;
  pos = 0;
  sliceable = true;
  if (b.length < 2) return null;
  const header = b[pos++]!;
  if (header !== (0x80 | 11) && header !== (0x80 | 12)) return null;
  const hasSeq = header === (0x80 | 12);
  if (!key(K.type)) return null;
  const type = str();
  if (type !== "trade" && type !== "quote") return null;
  if (!key(K.exchange)) return null;
  const exchange = str();
  if (exchange === null || !key(K.symbol)) return null;
  const symbol = str();
  if (symbol === null || !key(K.ts)) return null;
  const ts = num();
  if (!Number.isSafeInteger(ts) || ts < 0) return null;
  const t: SinkTick = { type, exchange, symbol, ts, recvTs: null, flags: [] };
  if (type === "trade") {
    if (!key(K.price)) return null;
    t.price = num();
    if (Number.isNaN(t.price) || !key(K.size)) return null;
    t.size = num();
    if (Number.isNaN(t.size) || !key(K.side)) return null;
    const side = str();
    if (side !== "buy" && side !== "sell") return null;
    t.side = side;
    if (!key(K.tradeId)) return null;
    const tradeId = str();
    if (tradeId === null) return null;
    t.tradeId = tradeId;
  } else {
    if (!key(K.bid)) return null;
    t.bid = num();
    if (Number.isNaN(t.bid) || !key(K.bidSize)) return null;
    t.bidSize = num();
    if (Number.isNaN(t.bidSize) || !key(K.ask)) return null;
    t.ask = num();
    if (Number.isNaN(t.ask) || !key(K.askSize)) return null;
    t.askSize = num();
    if (Number.isNaN(t.askSize)) return null;
  }
  if (hasSeq) {
    if (!key(K.seq)) return null;
    const seq = num();
    if (!Number.isSafeInteger(seq)) return null;
    t.seq = seq;
  }
  const tickEnd = pos;
  const tickSliceable = sliceable;
  if (!key(K.recvTs)) return null;
  const recvTs = num();
  if (!Number.isSafeInteger(recvTs) || recvTs < 0 || !key(K.flags) || pos >= b.length) return null;
  t.recvTs = recvTs;
  const a = b[pos++]!;
  let nFlags: number;
  if ((a & 0xf0) === 0x90) nFlags = a & 0x0f;
  else if (a === 0xdc && pos + 2 <= b.length) (nFlags = b.readUInt16BE(pos)), (pos += 2);
  else return null;
  for (let i = 0; i < nFlags; i++) {
    const f = str();
    if (f === null) return null;
    t.flags.push(f);
  }
  if (!key(K.v) || num() !== RECORD_VERSION || pos !== b.length) return null;
  if (tickSliceable) t.member = member(hasSeq ? 9 : 8, 1, tickEnd);
  return t;
}
