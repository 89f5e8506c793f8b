// The values tickgate produces to Kafka (DESIGN.md, "Kafka"), MessagePack-encoded: the object forms
// of the `ticks.valid` and `ticks.rejected` values, and the per-thread encoder for the rejects.
import { Packr } from "msgpackr";
import { RECORD_VERSION, type RejectRecord, type Tick, type ValidRecord } from "../tick.ts";

/**
 * The `ticks.valid` value as an object: the tick's fields in TICK_FIELDS order, then recvTs, flags
 * and the schema version (seq only when the tick has one). The hot path encodes the same thing
 * with encodeValid (encode.ts); tests hold the two equal, and this to TICK_FIELDS. Written out as
 * literals (not a loop over the table) because the encode bench packs it as msgpackr's baseline.
 */
export function validRecord(t: Tick, recvTs: number, flags: string[]): ValidRecord {
  const seq = t.seq === undefined ? {} : { seq: t.seq };
  return t.type === "trade"
    ? { type: t.type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, price: t.price, size: t.size, side: t.side, tradeId: t.tradeId, ...seq, recvTs, flags, v: RECORD_VERSION }
    : { type: t.type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, bid: t.bid, bidSize: t.bidSize, ask: t.ask, askSize: t.askSize, ...seq, recvTs, flags, v: RECORD_VERSION };
}

/** The `ticks.rejected` value: every code, the flags, and the tick as received. */
export function rejectRecord(original: unknown, key: string, recvTs: number, codes: string[], flags: string[], error?: string): RejectRecord & { error?: string } {
  return { v: RECORD_VERSION, recvTs, codes, flags, key, original, ...(error ? { error } : {}) };
}

/**
 * The reject code of a tick whose record Kafka refused for good (MESSAGE_TOO_LARGE, INVALID_RECORD, …):
 * not a check, the pipeline's verdict. The tick is in `ticks.rejected` as a digest.
 */
export const RECORD_REFUSED = "record.refused";

/** One encoder per thread; the Buffers it returns stay valid (msgpackr moves on, it does not overwrite). */
export const recordPackr = () => new Packr({ useRecords: false });
