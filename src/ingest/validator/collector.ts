// A validator worker's intake: reads tick records from its input ring, runs the checks on each, and
// adds the Kafka record (valid tick or reject) to the batch, noting the outcome in the completion
// of the tick's request.
import type { Packr, Unpackr } from "msgpackr";
import { routingKey, type Validator } from "../../checks/index.ts";
import type { topics } from "../../config.ts";
import { encodeValid } from "../../kafka/encode.ts";
import { rejectRecord } from "../../kafka/values.ts";
import type { Ring } from "../../ring/index.ts";
import { routingKeyOf } from "../../tick.ts";
import { KIND_TICK, OFF_INDEX, OFF_KIND, OFF_RECV_TS, OFF_REQUEST, TICK_HEADER_BYTES, type Completion } from "../ring-records.ts";
import { digestOf, type Batch } from "./batch.ts";
import { countCodes, type ValidatorCounters } from "./counters.ts";

/** Records per Kafka batch, and a byte bound that keeps a batch under the broker's 1 MiB default. */
const MAX_BATCH_RECORDS = 4000;
const MAX_BATCH_BYTES = 768 * 1024;
/** What a record adds to its tick's size at most: key, recvTs, codes, flags, error text. */
const RECORD_OVERHEAD_BYTES = 1024;
/** Records handed over per drain call. */
const DRAIN_MAX = 256;
/** An unreadable NDJSON line's parse error is kept this long in its reject record. */
const MAX_ERROR_CHARS = 512;
/** Shared by every valid tick without flags, so those allocate no flags array. */
const NO_FLAGS: string[] = [];

export interface CollectorParts {
  input: Ring;
  validator: Validator;
  batch: Batch;
  counters: ValidatorCounters;
  topic: ReturnType<typeof topics>;
  unpackr: Unpackr;
  packr: Packr;
}

export class Collector {
  private readonly input: Ring;
  private readonly validator: Validator;
  private readonly batch: Batch;
  private readonly counters: ValidatorCounters;
  private readonly topic: ReturnType<typeof topics>;
  private readonly unpackr: Unpackr;
  private readonly packr: Packr;
  /** The input ring's data region, for the records' fixed header fields. */
  private readonly header: DataView;

  constructor(parts: CollectorParts) {
    this.input = parts.input;
    this.validator = parts.validator;
    this.batch = parts.batch;
    this.counters = parts.counters;
    this.topic = parts.topic;
    this.unpackr = parts.unpackr;
    this.packr = parts.packr;
    const bytes = this.input.bytes;
    this.header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Reads records into the batch until it is full or the ring is empty. Each drain takes no more
   * records than could fit the byte bound if every one were as large as a tick may be, so a batch ends
   * at most one record past MAX_BATCH_BYTES (hostile rejects would otherwise overshoot by megabytes).
   */
  collect(): number {
    const batch = this.batch;
    let collected = 0;
    while (batch.bytes < MAX_BATCH_BYTES && collected < MAX_BATCH_RECORDS) {
      const room = Math.max(1, Math.floor((MAX_BATCH_BYTES - batch.bytes) / (this.validator.maxTickBytes + RECORD_OVERHEAD_BYTES)));
      const got = this.input.drain(this.onRecord, Math.min(DRAIN_MAX, MAX_BATCH_RECORDS - collected, room));
      if (got === 0) break;
      collected += got;
    }
    return collected;
  }

  /** Handles one ring record: validate, encode the Kafka value, note the outcome for the completion. */
  // An arrow function made once, so that drain() gets the same handler every time (no closure per call).
  private readonly onRecord = (bytes: Uint8Array, offset: number, length: number): void => {
    const header = this.header;
    const validator = this.validator;
    const counters = this.counters;
    const request = header.getUint32(offset + OFF_REQUEST, true);
    const index = header.getUint32(offset + OFF_INDEX, true);
    const recvTs = header.getFloat64(offset + OFF_RECV_TS, true);
    const kind = header.getUint32(offset + OFF_KIND, true);
    const payload = bytes.subarray(offset + TICK_HEADER_BYTES, offset + length);
    const completion = this.batch.completionFor(request);
    completion.ticks++;
    counters.ticks++;
    if (kind === KIND_TICK && payload.length > validator.maxTickBytes) {
      // Not decoded at all; its reject record keeps a digest, so it can never exceed Kafka's limit.
      const result = validator.validate(null, recvTs, payload.length);
      return this.reject(digestOf(payload), "", recvTs, result.rejects.slice(), [], completion, index);
    }
    let value: unknown;
    try {
      value = this.unpackr.unpack(payload);
    } catch {
      value = undefined; // cannot happen for records the pool wrote; rejected below as unreadable
    }
    if (kind !== KIND_TICK || value === undefined) {
      const [text, error] = Array.isArray(value) ? (value as [unknown, string]) : [value, "unreadable record"];
      return this.reject(text, "", recvTs, ["schema.unreadable"], [], completion, index, String(error).slice(0, MAX_ERROR_CHARS));
    }
    const result = validator.validate(value, recvTs, payload.length);
    const flags = result.flags.length === 0 ? NO_FLAGS : result.flags.slice();
    if (result.ok && result.tick) {
      const key = routingKeyOf(result.tick.exchange, result.tick.symbol);
      this.batch.push(this.topic.valid, key, encodeValid(result.tick, recvTs, flags), { completion, index, recvTs, flags, codes: null });
      counters.accepted++;
      if (flags.length > 0) {
        // Allocates one entry per flagged tick (the flags array is the record's own copy, shared).
        completion.flags.push([index, flags]);
        counters.flagged++;
        countCodes(counters, flags);
      }
    } else {
      // Rejects are keyed by exchange:symbol too, as far as the tick gives them (routingKey is "" otherwise).
      this.reject(value, routingKey(value), recvTs, result.rejects.slice(), flags, completion, index);
    }
  };

  private reject(original: unknown, key: string, recvTs: number, codes: string[], flags: string[], completion: Completion, index: number, error?: string): void {
    const value = this.packr.pack(rejectRecord(original, key, recvTs, codes, flags, error));
    this.batch.push(this.topic.rejected, key, value, { completion, index, recvTs, flags, codes });
    completion.rejects.push([index, codes]);
    this.counters.rejected++;
    countCodes(this.counters, codes);
  }
}
