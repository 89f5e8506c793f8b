// Reads a whole topic back, for tests that compare what reached Kafka with what was sent.
import { unpack } from "msgpackr";
import { createKafka } from "../../src/kafka/client.ts";
import { config, uniqueName } from "./stack.ts";

export interface Consumed<T = any> {
  key: string;
  value: T;
  partition: number;
  offset: number;
}

const kafka = () => createKafka({ ...config, LOG_LEVEL: "error" }, "-test");

/** Records in `topic` now (sum over partitions of high − low watermark). */
export async function topicCount(topic: string): Promise<number> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every record in `topic` up to its end as of this call (acknowledged records are all below the
 * high watermark), in partition order. Decodes values with MessagePack.
 */
export async function consumeAll<T = any>(topic: string, { timeoutMs = 60_000 } = {}): Promise<Consumed<T>[]> {
  const k = kafka();
  const admin = k.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const got: Consumed<T>[] = [];
  const next = new Map([...ends.keys()].map((p) => [p, 0]));
  const done = () => [...ends].every(([p, high]) => (next.get(p) ?? 0) >= high);
  if (done()) return got;
  const consumer = k.consumer({ groupId: uniqueName("test-read"), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset >= (ends.get(batch.partition) ?? 0)) continue;
          got.push({ key: m.key?.toString() ?? "", value: unpack(m.value!) as T, partition: batch.partition, offset });
          next.set(batch.partition, offset + 1);
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`read ${got.length} records of ${topic} before the timeout`);
      await Bun.sleep(20);
    }
  } finally {
    await consumer.disconnect();
  }
  return got.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
