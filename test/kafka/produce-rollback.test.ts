// The kafkajs patch in sendMessages.js (patches/kafkajs@2.2.4.patch): when a sendBatch fails in the
// end, the sequence numbers of the brokers that did append their share are undone too, so that
// resending the same messages makes the same batches, which an idempotent broker acknowledges
// without appending them twice (src/kafka/deliver.ts relies on it). Driven with two fake brokers.
import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const sendMessages = require("kafkajs/src/producer/sendMessages.js");
const createRetry = require("kafkajs/src/retry/index.js");

function fakes(failing: Set<number>) {
  const sequences: Record<string, number> = {};
  const key = (topic: string, p: number) => `${topic}/${p}`;
  const produced: { broker: number; partitions: { partition: number; firstSequence: number; count: number }[] }[] = [];
  const broker = (nodeId: number) => ({
    nodeId,
    async produce({ topicData }: any) {
      const partitions = topicData.flatMap((t: any) => t.partitions.map((e: any) => ({ partition: e.partition, firstSequence: e.firstSequence, count: e.messages.length })));
      produced.push({ broker: nodeId, partitions });
      if (failing.has(nodeId)) throw Object.assign(new Error("MESSAGE_TOO_LARGE"), { name: "KafkaJSProtocolError", type: "MESSAGE_TOO_LARGE", retriable: false });
      return { topics: [] };
    },
  });
  const brokers = [broker(1), broker(2)];
  const eosManager = {
    isTransactional: () => false,
    getProducerId: () => 7,
    getProducerEpoch: () => 0,
    getSequence: (t: string, p: number) => sequences[key(t, p)] ?? 0,
    updateSequence: (t: string, p: number, n: number) => void (sequences[key(t, p)] = (sequences[key(t, p)] ?? 0) + n),
    acquireBrokerLock: async () => {},
    releaseBrokerLock: () => {},
  };
  const meta = [0, 1, 2, 3].map((p) => ({ partitionId: p, leader: p % 2 === 0 ? 1 : 2 }));
  const cluster = {
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => {},
    addMultipleTargetTopics: async () => {},
    isConnected: () => true,
    findTopicPartitionMetadata: () => meta,
    // Even partitions on broker 1, odd ones on broker 2.
    findLeaderForPartitions: (_t: string, partitions: string[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[p % 2 === 0 ? 1 : 2] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: number }) => brokers[nodeId - 1],
  };
  const logger = { debug() {}, error() {}, warn() {}, info() {} };
  const send = sendMessages({
    logger, cluster, eosManager,
    partitioner: ({ message }: any) => message.partition,
    retrier: createRetry({ retries: 0, initialRetryTime: 1 }),
  });
  return { send, sequences, produced };
}

describe("kafkajs patch: a failed sendBatch undoes every broker's sequences", () => {
  const messages = [0, 1, 2, 3, 0, 2].map((partition, i) => ({ key: `k${i}`, value: Buffer.from(`v${i}`), partition }));

  test("broker 2 refuses, broker 1 appended: broker 1's partitions are back where they were", async () => {
    const { send, sequences, produced } = fakes(new Set([2]));
    await expect(send({ acks: -1, topicMessages: [{ topic: "t", messages }] })).rejects.toThrow("MESSAGE_TOO_LARGE");
    expect(produced.map((p) => p.broker).sort()).toEqual([1, 2]);
    expect(sequences).toEqual({ "t/0": 0, "t/1": 0, "t/2": 0, "t/3": 0 });
  });

  test("so a resend of broker 1's messages carries the same first sequence (the broker's duplicate)", async () => {
    const { send, produced } = fakes(new Set([2]));
    await send({ acks: -1, topicMessages: [{ topic: "t", messages }] }).catch(() => {});
    const first = produced.find((p) => p.broker === 1)!.partitions;
    const again = fakes(new Set());
    // The same state as after the failure: all sequences 0; resend the even partitions alone.
    await again.send({ acks: -1, topicMessages: [{ topic: "t", messages: messages.filter((m) => m.partition % 2 === 0) }] });
    expect(again.produced[0]!.partitions).toEqual(first);
  });

  test("when every broker appends, the sequences advance by what was sent", async () => {
    const { send, sequences } = fakes(new Set());
    await send({ acks: -1, topicMessages: [{ topic: "t", messages }] });
    expect(sequences).toEqual({ "t/0": 2, "t/1": 1, "t/2": 2, "t/3": 1 });
  });
});
