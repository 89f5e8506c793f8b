// What crosses the rings between the main thread and a validator worker.
//
// main → worker, one record per tick:
//   [u32 request][u32 index][f64 recvTs µs][u32 kind] then the payload (MessagePack of the tick as
//   received, or for KIND_UNREADABLE the line text and the parse error).
// worker → main, one record per (request, Kafka batch): MessagePack of a Completion.
// Header fields are little-endian at fixed offsets so both sides read them without decoding.

export const TICK_HEADER_BYTES = 20;
export const OFF_REQUEST = 0;
export const OFF_INDEX = 4;
export const OFF_RECV_TS = 8;
export const OFF_KIND = 16;

/** The payload is a decoded tick (any value), MessagePack-encoded. */
export const KIND_TICK = 0;
/** The payload is MessagePack `[text, error]` of an NDJSON line that did not parse. */
export const KIND_UNREADABLE = 1;

/**
 * One worker's answer for some of a request's ticks, after Kafka acknowledged them (or failed).
 * One per request and Kafka batch, not per tick, so the keys are whole words. A tick is in `rejects`
 * or in `flags` or in neither, so the two lists together hold at most `ticks` entries, and a batch
 * holds at most MAX_BATCH_RECORDS ticks (collector.ts): that bounds a completion; the answer's own
 * bounds (MAX_REJECTS_LISTED, MAX_FLAGS_LISTED) are applied by the main thread, which must see every
 * entry to count them by code.
 */
export interface Completion {
  /** the request's id (Pending.id) */
  request: number;
  /** how many of the request's ticks this completion covers */
  ticks: number;
  /** the rejected ones: [index in the request, reject codes] (their flags are only in the Kafka record) */
  rejects: [number, string[]][];
  /** the ones accepted with at least one flag: [index in the request, flag codes in registry order] */
  flags: [number, string[]][];
  /** set when these ticks could not be written to Kafka: the request fails with 503 */
  error?: string;
  /** where the accepted ones went in `<prefix>.valid`: flat [partition, last offset of the batch there, …] */
  offsets?: number[];
}
