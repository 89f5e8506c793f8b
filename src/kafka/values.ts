// The values tickgate produces to Kafka (docs/api.md, "Kafka"), MessagePack-encoded: the object form of
// the `ticks.rejected` value and the per-thread encoder for it. `ticks.valid` values are written by
// encode.ts; their object form, for tests and benchmarks, is validRecord in bench/lib/valid-records.ts.
import { Packr } from "msgpackr";
import { RECORD_VERSION, type RejectRecord } from "../tick.ts";

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
