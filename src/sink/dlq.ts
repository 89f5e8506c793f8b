// The sink's dead-letter queue: `<prefix>.sink-dlq`, one record per poison record, value msgpack
// `{reason, detail, topic, partition, offset, key, value}` with the original bytes, key unchanged.
import { pack } from "msgpackr";
import type { Producer } from "kafkajs";
import type { Consumed } from "./consumer.ts";

export interface DlqEntry {
  consumed: Consumed;
  /** Stable code from sink-errors.ts POISON. */
  reason: string;
  detail: string;
}

export interface DlqValue {
  reason: string;
  detail: string;
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
}

export function dlqValue(e: DlqEntry, topic: string): DlqValue {
  const c = e.consumed;
  return {
    reason: e.reason,
    detail: e.detail,
    topic,
    partition: c.partition,
    offset: Number(c.offset),
    key: c.key === null ? null : c.key.toString(),
    value: c.value,
  };
}

export function createDlq(producer: Producer, sourceTopic: string, dlqTopic: string) {
  return {
    topic: dlqTopic,
    /** Resolves once Kafka acknowledged every entry (acks=all); throws otherwise (the caller retries). */
    async send(entries: DlqEntry[]): Promise<void> {
      if (entries.length === 0) return;
      await producer.send({
        topic: dlqTopic,
        acks: -1,
        messages: entries.map((e) => ({ key: e.consumed.key, value: pack(dlqValue(e, sourceTopic)) })),
      });
    },
  };
}

export type Dlq = ReturnType<typeof createDlq>;
