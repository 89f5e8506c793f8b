// The Kafka batch a validator worker is building: the records to send and, per request, the
// completion that answers its ticks once Kafka acknowledged them.
import type { Outgoing } from "../../kafka/deliver.ts";
import type { Completion } from "../ring-records.ts";

/** Where a record came from: enough to correct the request's answer if Kafka refuses the record. */
export interface Origin {
  completion: Completion;
  index: number;
  recvTs: number;
  flags: string[];
  /** The reject codes (the same array as in the completion), or null for a valid tick. */
  codes: string[] | null;
}

export class Batch {
  records: Outgoing<Origin>[] = [];
  /** request id → its completion for this batch */
  completions = new Map<number, Completion>();
  /** Key and value bytes of `records`, for the batch's byte bound. */
  bytes = 0;

  completionFor(request: number): Completion {
    let completion = this.completions.get(request);
    if (!completion) {
      completion = { request, ticks: 0, rejects: [], flags: [] };
      this.completions.set(request, completion);
    }
    return completion;
  }

  push(topic: string, key: string, value: Buffer, origin: Origin): void {
    // No key at all (rather than "") when the tick names no symbol: such rejects spread over partitions.
    this.records.push({ topic, message: { key: key === "" ? null : key, value }, origin });
    this.bytes += value.length + key.length;
  }

  /** Start the next batch (after the last one was delivered and answered). */
  clear(): void {
    this.records = [];
    this.completions = new Map();
    this.bytes = 0;
  }
}

/**
 * Kafka refused the record of `origin` for good: its tick is answered rejected with `code` added.
 * A valid tick moves from the completion's flags (if it was flagged) to its rejects, so the answer
 * never lists a flag for a tick it counts as rejected. Returns true when the tick was accepted until now.
 */
export function refuseOrigin(origin: Origin, code: string): boolean {
  if (origin.codes !== null) {
    origin.codes.push(code);
    return false;
  }
  const completion = origin.completion;
  origin.codes = [code];
  completion.rejects.push([origin.index, origin.codes]);
  if (origin.flags.length > 0) {
    // A scan of one batch's flags, on the rare path of a refused record; indices are unique in a request.
    const at = completion.flags.findIndex((flag) => flag[0] === origin.index);
    if (at !== -1) completion.flags.splice(at, 1);
  }
  return true;
}

/**
 * Stands in for a value too large to keep: its size and the SHA-256 of the bytes tickgate held (the
 * tick as MessagePack, or the refused record), enough to tell such records apart and find them again.
 */
export function digestOf(bytes: Uint8Array) {
  return { truncated: true, bytes: bytes.length, sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex") };
}
