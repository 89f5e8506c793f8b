// Delivers one batch of records to Kafka: retried until acknowledged when Kafka is unavailable, split
// until the culprit is found when Kafka refuses a record for good. A refused record is replaced by a
// substitute (a small digest record) or, failing that, given up — never retried forever, so one
// hostile tick cannot wedge a validator.
//
// Why the split goes partition by partition: a sendBatch that fails for one partition may have been
// appended for the others, and kafkajs then rolls back the sequence numbers of all of them (of every
// broker's: patches/kafkajs@2.2.4.patch makes that so when several brokers lead the partitions).
// Re-sending each of those partitions' records alone, unchanged, makes the same batch (same first
// sequence, same count), which the idempotent broker recognises as a duplicate and acknowledges
// without appending it again. Inside the one failing partition nothing was appended, so its records
// can be halved freely. This needs every record's partition to stay fixed across attempts, which
// cachedKeyPartitioner (client.ts) does by pinning `message.partition` on the first attempt. The same
// holds for a plain retry of the whole batch after Kafka was unreachable.
import type { TopicMessages } from "kafkajs";

export interface OutgoingMessage {
  key: string | null;
  value: Buffer;
  /** Pinned by the partitioner on the first attempt. */
  partition?: number;
}

/** One record of a batch, with what the caller needs to know about it if Kafka refuses it. */
export interface Outgoing<Origin> {
  topic: string;
  message: OutgoingMessage;
  origin: Origin;
}

export interface DeliverOptions<Origin> {
  send(topicMessages: TopicMessages[]): Promise<void>;
  /** Called on every failed attempt that will be retried (Kafka unreachable, timeouts, …). */
  onRetry(err: unknown): void;
  /** Kafka refused `record` for good: the record to send in its place, or null for none. */
  substitute(record: Outgoing<Origin>, err: unknown): Outgoing<Origin> | null;
  /** Kafka refused even the substitute (or there was none): nothing of `record` reaches Kafka. */
  onGivenUp(record: Outgoing<Origin>, err: unknown): void;
  /**
   * The producer cannot go on (its idempotence state is broken: OUT_OF_ORDER_SEQUENCE_NUMBER,
   * UNKNOWN_PRODUCER_ID, …): no retry with it can succeed. Delivery stops (deliver() returns false);
   * the caller must replace the producer.
   */
  onProducerFatal(err: unknown): void;
  /** True once the worker is stopping: a failed attempt is not retried and deliver() returns false. */
  stopping(): boolean;
  retryInitialMs: number;
  retryMaxMs: number;
}

/**
 * Produce errors that name a record, not the cluster: retrying the same request can never succeed.
 * (CORRUPT_MESSAGE is retriable for kafkajs — a bit flip on the wire — and it has retried it by the
 * time it reaches us; a split then retries every record once more.)
 */
const REFUSED = new Set(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE", "INVALID_RECORD", "CORRUPT_MESSAGE", "INVALID_TIMESTAMP"]);

/** Errors after which the producer's idempotence state is broken: only a new producer can send again. */
const PRODUCER_FATAL = new Set(["OUT_OF_ORDER_SEQUENCE_NUMBER", "DUPLICATE_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH", "INVALID_PRODUCER_ID_MAPPING"]);

/** The kafkajs protocol error type of `err` or of an error it wraps, when it is in `types`. */
function typeIn(err: unknown, types: ReadonlySet<string>): string | null {
  for (let e: any = err, depth = 0; e && depth < 8; depth++) {
    if (typeof e.type === "string" && types.has(e.type)) return e.type;
    e = e.cause ?? e.originalError;
  }
  return null;
}

/** The protocol error type, if `err` refuses records. */
export const refusalOf = (err: unknown) => typeIn(err, REFUSED);
/** The protocol error type, if `err` leaves the producer unable to send. */
export const producerFatalOf = (err: unknown) => typeIn(err, PRODUCER_FATAL);

/** Resolves true once Kafka holds every record (or its substitute, or gave it up); false if stopped first or the producer is broken. */
export async function deliver<O>(records: Outgoing<O>[], o: DeliverOptions<O>): Promise<boolean> {
  const first = await attempt(records, o);
  if (first === true) return true;
  if (first === false) return false;
  // Refused: one partition at a time, in the order their first records appear.
  const byPartition = new Map<string, Outgoing<O>[]>();
  for (const r of records) {
    const id = `${r.topic}\u0000${r.message.partition ?? "?"}`;
    let list = byPartition.get(id);
    if (!list) byPartition.set(id, (list = []));
    list.push(r);
  }
  for (const part of byPartition.values()) if (!(await deliverPart(part, o))) return false;
  return true;
}

/** Records of one partition: sent whole, else halved (left half first, so their order is kept). */
async function deliverPart<O>(records: Outgoing<O>[], o: DeliverOptions<O>): Promise<boolean> {
  const result = await attempt(records, o);
  if (typeof result === "boolean") return result;
  if (records.length === 1) return replace(records[0]!, result.err, o);
  const mid = records.length >> 1;
  return (await deliverPart(records.slice(0, mid), o)) && (await deliverPart(records.slice(mid), o));
}

/** The culprit: its substitute is sent once; if that is refused too, the record is given up. */
async function replace<O>(record: Outgoing<O>, err: unknown, o: DeliverOptions<O>): Promise<boolean> {
  const sub = o.substitute(record, err);
  const result = sub ? await attempt([sub], o) : { err };
  if (result === false) return false;
  if (result !== true) o.onGivenUp(record, result.err);
  return true;
}

/** Sends until acknowledged (true), refused ({err}) or the worker stops (false). Retriable errors back off. */
async function attempt<O>(records: Outgoing<O>[], o: DeliverOptions<O>): Promise<true | false | { err: unknown }> {
  for (let delay = o.retryInitialMs; ; delay = Math.min(delay * 2, o.retryMaxMs)) {
    try {
      await o.send(topicMessages(records));
      return true;
    } catch (err) {
      if (refusalOf(err)) return { err };
      if (producerFatalOf(err)) {
        o.onProducerFatal(err);
        return false;
      }
      o.onRetry(err);
      if (o.stopping()) return false;
      await Bun.sleep(delay);
    }
  }
}

/** Records grouped by topic, each topic's records in their order. Allocates per call. */
function topicMessages<O>(records: Outgoing<O>[]): TopicMessages[] {
  const out: TopicMessages[] = [];
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) {
      byTopic.set(r.topic, (list = []));
      out.push({ topic: r.topic, messages: list });
    }
    list.push(r.message);
  }
  return out;
}
