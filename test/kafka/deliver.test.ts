// deliver() against an in-memory model of an idempotent Kafka broker and of kafkajs's producer
// bookkeeping: per-partition sequence numbers, duplicate batches acknowledged without appending,
// a produce request that fails for one partition after the others were appended (kafkajs then rolls
// every partition's sequence back), and a size limit per record batch. The property under test:
// every record that fits ends in its partition exactly once and in order, whatever was refused.
import { describe, expect, test } from "bun:test";
import type { TopicMessages } from "kafkajs";
import { deliver, refusalOf, type DeliverOptions, type Outgoing } from "../../src/kafka/deliver.ts";
import { prng } from "../../bench/lib/prng.ts";

class KafkaError extends Error {
  constructor(readonly type: string, readonly retriable: boolean) {
    super(type);
  }
}

/** One broker: partitions keyed "topic/partition", each a log plus the last batch's sequence range. */
class FakeBroker {
  logs = new Map<string, string[]>();
  private last = new Map<string, { first: number; count: number }>();
  private next = new Map<string, number>();
  /** Producer-side sequence per partition (kafkajs's eosManager). */
  private seq = new Map<string, number>();
  /** Throw a connection error on this many upcoming requests, before anything is appended. */
  downFor = 0;
  requests = 0;
  constructor(readonly maxBatchBytes: number, readonly partitions = 3) {}

  send = async (topicMessages: TopicMessages[]): Promise<void> => {
    this.requests++;
    if (this.downFor > 0) {
      this.downFor--;
      throw Object.assign(new Error("Connection error"), { name: "KafkaJSConnectionError", retriable: true });
    }
    const batches = new Map<string, string[]>();
    for (const { topic, messages } of topicMessages) {
      for (const m of messages) {
        // The partitioner's job in production (cachedKeyPartitioner pins it on the message).
        m.partition ??= m.key ? [...String(m.key)].reduce((h, c) => h + c.charCodeAt(0), 0) % this.partitions : this.requests % this.partitions;
        const id = `${topic}/${m.partition}`;
        (batches.get(id) ?? batches.set(id, []).get(id)!).push(String(m.value));
      }
    }
    let failure: KafkaError | null = null;
    for (const [id, values] of batches) {
      const first = this.seq.get(id) ?? 0;
      const bytes = values.reduce((n, v) => n + v.length, 0);
      if (bytes > this.maxBatchBytes) {
        failure = new KafkaError("MESSAGE_TOO_LARGE", false);
        continue;
      }
      const last = this.last.get(id);
      if (last && last.first === first && last.count === values.length) continue; // duplicate: acknowledged, not appended
      if (first !== (this.next.get(id) ?? 0)) throw new Error(`OUT_OF_ORDER_SEQUENCE_NUMBER on ${id}: ${first} != ${this.next.get(id) ?? 0}`);
      const log = this.logs.get(id) ?? this.logs.set(id, []).get(id)!;
      log.push(...values);
      this.last.set(id, { first, count: values.length });
      this.next.set(id, first + values.length);
    }
    if (failure) throw failure; // kafkajs (patched): the sequences of every partition of the call stay where they were
    for (const [id, values] of batches) this.seq.set(id, (this.seq.get(id) ?? 0) + values.length);
  };

  all(topic: string): string[] {
    return [...this.logs].filter(([id]) => id.startsWith(`${topic}/`)).flatMap(([, log]) => log);
  }
}

type Origin = { id: string };
const record = (id: string, key: string | null, size: number, topic = "valid"): Outgoing<Origin> => ({
  topic, message: { key, value: Buffer.from(id.padEnd(size, ".")) }, origin: { id },
});

function options(broker: FakeBroker, over: Partial<DeliverOptions<Origin>> = {}) {
  const seen = { retries: 0, substituted: [] as string[], givenUp: [] as string[], fatal: 0 };
  const o: DeliverOptions<Origin> = {
    send: broker.send,
    onRetry: () => void seen.retries++,
    substitute: (r) => (seen.substituted.push(r.origin.id), record(`digest-of-${r.origin.id}`, r.message.key, 20, "rejected")),
    onGivenUp: (r) => void seen.givenUp.push(r.origin.id),
    onProducerFatal: () => void seen.fatal++,
    stopping: () => false,
    retryInitialMs: 1,
    retryMaxMs: 4,
    ...over,
  };
  return { o, seen };
}

/** Each partition's log holds the ids in the order they were given, each once. */
function expectExactlyOnceInOrder(broker: FakeBroker, topic: string, records: Outgoing<Origin>[], except: Set<string>) {
  const expected = records.filter((r) => r.topic === topic && !except.has(r.origin.id));
  const got = broker.all(topic).map((v) => v.replace(/\.+$/, ""));
  expect(got.slice().sort()).toEqual(expected.map((r) => r.origin.id).sort());
  for (const [id, log] of broker.logs) {
    if (!id.startsWith(`${topic}/`)) continue;
    const ids = log.map((v) => v.replace(/\.+$/, ""));
    const order = expected.map((r) => r.origin.id).filter((x) => ids.includes(x));
    expect(ids).toEqual(order);
  }
}

describe("deliver", () => {
  test("a batch that fits is sent once", async () => {
    const broker = new FakeBroker(10_000);
    const records = Array.from({ length: 30 }, (_, i) => record(`r${i}`, `k${i % 5}`, 50));
    const { o, seen } = options(broker);
    expect(await deliver(records, o)).toBe(true);
    expect(broker.requests).toBe(1);
    expect(seen).toEqual({ retries: 0, substituted: [], givenUp: [], fatal: 0 });
    expectExactlyOnceInOrder(broker, "valid", records, new Set());
  });

  test("one record over the limit: it is substituted, every other record lands once, in order", async () => {
    const rand = prng(41);
    for (let round = 0; round < 50; round++) {
      const broker = new FakeBroker(2_000);
      const n = 5 + Math.floor(rand() * 60);
      const bad = Math.floor(rand() * n);
      const records = Array.from({ length: n }, (_, i) => record(`r${i}`, rand() < 0.2 ? null : `k${Math.floor(rand() * 4)}`, i === bad ? 5_000 : 10 + Math.floor(rand() * 20)));
      const { o, seen } = options(broker);
      expect(await deliver(records, o)).toBe(true);
      expect(seen.substituted).toEqual([`r${bad}`]);
      expect(seen.givenUp).toEqual([]);
      expectExactlyOnceInOrder(broker, "valid", records, new Set([`r${bad}`]));
      expect(broker.all("rejected").map((v) => v.replace(/\.+$/, ""))).toEqual([`digest-of-r${bad}`]);
    }
  });

  test("a partition's batch over the limit whose records all fit: halved until each part fits, all delivered once", async () => {
    const broker = new FakeBroker(1_000);
    const records = Array.from({ length: 200 }, (_, i) => record(`r${i}`, `k${i % 2}`, 90));
    const { o, seen } = options(broker);
    expect(await deliver(records, o)).toBe(true);
    expect(seen.substituted).toEqual([]);
    expectExactlyOnceInOrder(broker, "valid", records, new Set());
  });

  test("Kafka unavailable: retried with backoff until it answers, onRetry on every failure", async () => {
    const broker = new FakeBroker(10_000);
    broker.downFor = 5;
    const records = Array.from({ length: 10 }, (_, i) => record(`r${i}`, "k", 10));
    const { o, seen } = options(broker);
    expect(await deliver(records, o)).toBe(true);
    expect(seen.retries).toBe(5);
    expectExactlyOnceInOrder(broker, "valid", records, new Set());
  });

  test("unavailable during a split: the part is retried, still nothing doubled", async () => {
    const broker = new FakeBroker(2_000);
    const records = Array.from({ length: 40 }, (_, i) => record(`r${i}`, `k${i % 3}`, i === 7 ? 3_000 : 40));
    let calls = 0;
    const flaky = async (tm: TopicMessages[]) => {
      if (++calls % 3 === 0) throw Object.assign(new Error("Request timed out"), { name: "KafkaJSRequestTimeoutError", retriable: true });
      return broker.send(tm);
    };
    const { o, seen } = options(broker, { send: flaky });
    expect(await deliver(records, o)).toBe(true);
    expect(seen.retries).toBeGreaterThan(0);
    expect(seen.substituted).toEqual(["r7"]);
    expectExactlyOnceInOrder(broker, "valid", records, new Set(["r7"]));
  });

  test("a substitute refused too: the record is given up, the rest delivered", async () => {
    const broker = new FakeBroker(2_000);
    const records = Array.from({ length: 12 }, (_, i) => record(`r${i}`, "k", i === 3 ? 4_000 : 30));
    const { o, seen } = options(broker, { substitute: (r) => record(`big-digest-${r.origin.id}`, "k", 9_000, "rejected") });
    expect(await deliver(records, o)).toBe(true);
    expect(seen.givenUp).toEqual(["r3"]);
    expect(broker.all("rejected")).toEqual([]);
    expectExactlyOnceInOrder(broker, "valid", records, new Set(["r3"]));
  });

  test("a producer whose idempotence state is broken is not retried: onProducerFatal, false", async () => {
    const broker = new FakeBroker(10_000);
    const broken = async () => {
      throw Object.assign(new Error("non retriable"), { name: "KafkaJSNonRetriableError", cause: new KafkaError("OUT_OF_ORDER_SEQUENCE_NUMBER", false) });
    };
    const { o, seen } = options(broker, { send: broken });
    expect(await deliver([record("a", "k", 10)], o)).toBe(false);
    expect(seen.fatal).toBe(1);
    expect(seen.retries).toBe(0);
  });

  test("stopping while Kafka is down ends delivery with false", async () => {
    const broker = new FakeBroker(10_000);
    broker.downFor = 1_000_000;
    let stop = false;
    const { o, seen } = options(broker, { stopping: () => stop, onRetry: () => void (seen.retries++ > 3 && (stop = true)) });
    expect(await deliver([record("a", "k", 10)], o)).toBe(false);
    expect(broker.all("valid")).toEqual([]);
  });
});

describe("refusalOf", () => {
  test("names the record-level protocol errors, also when wrapped", () => {
    expect(refusalOf(new KafkaError("MESSAGE_TOO_LARGE", false))).toBe("MESSAGE_TOO_LARGE");
    const wrapped = Object.assign(new Error("non retriable"), { name: "KafkaJSNonRetriableError", cause: new KafkaError("INVALID_RECORD", false) });
    expect(refusalOf(wrapped)).toBe("INVALID_RECORD");
    const retriesExceeded = Object.assign(new Error("retries"), { originalError: new KafkaError("CORRUPT_MESSAGE", true) });
    expect(refusalOf(retriesExceeded)).toBe("CORRUPT_MESSAGE");
  });

  test("cluster-level errors are not refusals (they are retried)", () => {
    expect(refusalOf(new KafkaError("TOPIC_AUTHORIZATION_FAILED", false))).toBe(null);
    expect(refusalOf(new KafkaError("NOT_LEADER_FOR_PARTITION", true))).toBe(null);
    expect(refusalOf(Object.assign(new Error("Connection error"), { name: "KafkaJSConnectionError" }))).toBe(null);
    expect(refusalOf(null)).toBe(null);
  });
});
