// SinkProgress's logic against an in-memory stand-in for the Kafka admin calls it makes (the real
// broker is in test/e2e/storage.test.ts): when a stored() wait ends, what the lag counts, when
// behind() refuses, and that nothing keeps it refusing once the sink is done.
import { describe, expect, test } from "bun:test";
import type { Kafka } from "kafkajs";
import { SinkProgress } from "../../src/ingest/sink-progress.ts";

const TOPIC = "t.valid";

/** The group's committed offsets and the topic's high watermarks, as the admin client would read them. */
function fakeKafka() {
  const state = { committed: new Map<number, number>(), high: new Map<number, number>([[0, 0], [1, 0]]), polls: 0 };
  const admin = {
    connect: async () => {},
    disconnect: async () => {},
    fetchOffsets: async () => {
      state.polls++;
      return [{ topic: TOPIC, partitions: [...state.high.keys()].map((p) => ({ partition: p, offset: String(state.committed.get(p) ?? -1), metadata: null })) }];
    },
    fetchTopicOffsets: async () => [...state.high].map(([partition, high]) => ({ partition, offset: String(high), high: String(high), low: "0" })),
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, state };
}

const progressOf = (kafka: Kafka, o: { maxLagMs?: number; sinkKnown?: boolean } = {}) =>
  new SinkProgress(kafka, { group: "g", topic: TOPIC, maxLagMs: o.maxLagMs ?? 300, sinkKnown: o.sinkKnown ?? true, idlePollMs: 20 });

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(5);
  }
};

describe("SinkProgress", () => {
  test("stored() ends once the committed offset (the next to consume) passes the request's last offset — not at it", async () => {
    const { kafka, state } = fakeKafka();
    const p = progressOf(kafka);
    p.start();
    try {
      let done = false;
      const wait = p.stored(new Map([[0, 9], [1, 4]]), 5000).then(() => (done = true));
      state.high.set(0, 10).set(1, 5);
      state.committed.set(0, 10).set(1, 4); // partition 1: offset 4 not yet committed
      await Bun.sleep(100);
      expect(done).toBe(false);
      expect(p.waiting()).toBe(1);
      state.committed.set(1, 5);
      await wait;
      expect(p.waiting()).toBe(0);
    } finally {
      await p.stop();
    }
  });

  test("stored() gives up after its bound, and stop() ends every wait", async () => {
    const { kafka } = fakeKafka();
    const p = progressOf(kafka);
    p.start();
    await expect(p.stored(new Map([[0, 0]]), 150)).rejects.toThrow(/within 150 ms/);
    const pending = p.stored(new Map([[0, 0]]), 60_000);
    await p.stop();
    await expect(pending).rejects.toThrow(/shutting down/);
  });

  test("lag: records and the wait of this process's oldest uncommitted tick; behind() past the bound; 0 once committed", async () => {
    const { kafka, state } = fakeKafka();
    const p = progressOf(kafka, { maxLagMs: 300 });
    p.start();
    try {
      state.committed.set(0, 0).set(1, 0);
      state.high.set(0, 50).set(1, 0);
      p.produced([0, 49]);
      await until(() => p.lag().records === 50);
      expect(p.behind()).toBe(0);
      await until(() => p.behind() > 300);
      expect(p.lag().seconds).toBeGreaterThan(0.3);
      state.committed.set(0, 50);
      await until(() => p.lag().records === 0);
      expect(p.lag().seconds).toBe(0);
      expect(p.behind()).toBe(0);
    } finally {
      await p.stop();
    }
  });

  test("a long stream with a sink that keeps up never looks behind (the lag is the sink's wait, not the stream's age)", async () => {
    const { kafka, state } = fakeKafka();
    const p = progressOf(kafka, { maxLagMs: 300 });
    p.start();
    try {
      // 1.5 s of batches every 20 ms (one long NDJSON request would look like this); the sink
      // commits each batch about 40 ms after Kafka acknowledged it.
      let offset = -1;
      let maxLag = 0;
      for (let i = 0; i < 75; i++) {
        offset += 10;
        state.high.set(0, offset + 1);
        p.produced([0, offset]);
        const committedUpTo = offset - 20; // two batches behind
        setTimeout(() => state.committed.set(0, Math.max(state.committed.get(0) ?? 0, committedUpTo + 1)), 0);
        await Bun.sleep(20);
        maxLag = Math.max(maxLag, p.lag().seconds);
        expect(p.behind()).toBe(0);
      }
      expect(maxLag).toBeLessThan(0.3);
    } finally {
      await p.stop();
    }
  });

  test("ROLE=ingest (sink not known): no refusals until the group has committed on the topic", async () => {
    const { kafka, state } = fakeKafka();
    const p = progressOf(kafka, { maxLagMs: 100, sinkKnown: false });
    p.start();
    try {
      state.high.set(0, 10);
      p.produced([0, 9], Date.now() - 5000);
      await until(() => p.lag().records === 10);
      expect(p.lag().seconds).toBeGreaterThan(4);
      expect(p.lag().sinkSeen).toBe(false);
      expect(p.behind()).toBe(0);
      state.committed.set(1, 0); // a sink appears (it committed on another partition)
      await until(() => p.lag().sinkSeen);
      expect(p.behind()).toBeGreaterThan(4000);
    } finally {
      await p.stop();
    }
  });

  test("offsets past a high watermark read well after their ack (the topic was recreated) stop counting", async () => {
    const { kafka, state } = fakeKafka();
    const p = progressOf(kafka, { maxLagMs: 100 });
    p.start();
    try {
      state.committed.set(0, 0);
      state.high.set(0, 0);
      p.produced([0, 500], Date.now() - 5000); // acknowledged 5 s ago, in the old topic
      await until(() => p.lag().seconds === 0);
      expect(p.behind()).toBe(0);
      // A fresh ack at an offset the (stale-looking) watermark has not reached yet still counts.
      p.produced([0, 3]);
      expect(p.lag().seconds).toBeGreaterThanOrEqual(0);
      await Bun.sleep(60);
      expect(p.lag().seconds).toBeGreaterThan(0.03);
    } finally {
      await p.stop();
    }
  });
});
