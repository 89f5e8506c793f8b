// The cached partitioner must pick exactly the partition kafkajs's default (Java-compatible) one
// picks, and the kafkajs patches (patches/kafkajs@2.2.4.patch) must be installed.
import { describe, expect, test } from "bun:test";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { createRequire } from "node:module";
import { cachedKeyPartitioner } from "../../src/kafka/partitioner.ts";

const meta = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));

describe("cachedKeyPartitioner", () => {
  test("agrees with the default partitioner for every key, topic and partition count, cached or not", () => {
    const cached = cachedKeyPartitioner();
    const plain = Partitioners.DefaultPartitioner();
    for (const n of [1, 2, 3, 4, 7, 16, 64]) {
      for (const topic of ["ticks.valid", "ticks.rejected"]) {
        for (let round = 0; round < 2; round++) {
          for (let i = 0; i < 500; i++) {
            const key = `ex${i % 9}:SYM${i}-USD${"é".repeat(i % 3)}`;
            const args = { topic, partitionMetadata: meta(n), message: { key, value: null } };
            expect(cached(args)).toBe(plain(args));
          }
        }
      }
    }
  });

  test("an explicit partition wins", () => {
    const cached = cachedKeyPartitioner();
    expect(cached({ topic: "t", partitionMetadata: meta(8), message: { key: "a:B-C", value: null, partition: 5 } })).toBe(5);
  });
});

describe("kafkajs patches", () => {
  test("bun install applied patches/kafkajs@2.2.4.patch (linear grouping, cheap varints)", async () => {
    const require = createRequire(import.meta.url);
    for (const file of ["kafkajs/src/producer/groupMessagesPerPartition.js", "kafkajs/src/protocol/encoder.js"]) {
      expect(await Bun.file(require.resolve(file)).text()).toContain("tickgate patch");
    }
    const group = require("kafkajs/src/producer/groupMessagesPerPartition.js");
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: String(i), value: null, partition: i % 3 }));
    const grouped = group({ topic: "t", partitionMetadata: meta(3), messages, partitioner: ({ message }: any) => message.partition });
    expect(Object.keys(grouped).sort()).toEqual(["0", "1", "2"]);
    expect(grouped[1].map((m: any) => Number(m.key))).toEqual(messages.filter((m) => m.partition === 1).map((m) => Number(m.key)));
  });
});
