// The sink on the real stack, in-process: N records → exactly N rows and N members with equal
// values; poison records → DLQ with their reason while the rest is stored; a full redelivery of the
// topic stores nothing twice.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pack, unpack } from "msgpackr";
import { startSink, type Sink } from "../../src/sink/index.ts";
import { routingKeyOf } from "../../src/tick.ts";
import { kafkaFor, makeTicks, produceRaw, produceRecords } from "../../bench/lib/valid-records.ts";
import { rowCount, memberCount, testEnv, waitFor, type TestEnv } from "../../bench/lib/sink-env.ts";
import { expectStored } from "./verify.ts";

const N = 10_000;
const quiet = () => {};

describe("sink on the real stack", () => {
  let e: TestEnv;
  let sink: Sink | null = null;
  beforeAll(async () => {
    e = await testEnv({ SINK_FLUSH_ROWS: "1000", SINK_FLUSH_MS: "20" });
  }, 30_000);
  afterAll(async () => {
    await sink?.stop();
    await e.cleanup();
  }, 30_000);

  let first: ReturnType<typeof makeTicks> = [];
  test(`${N} records → exactly ${N} rows and ${N} ZSET members, values equal`, async () => {
    const records = (first = makeTicks(N, { seed: 7 }));
    sink = await startSink(e.config, { log: quiet });
    await produceRecords({ brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid }, records);
    await waitFor("all rows", async () => (await rowCount(e)) >= N && (await memberCount(e)) >= N, 60_000);
    await waitFor("commit", () => sink!.stats().lag.total === 0, 20_000);
    await expectStored(e, records);
    const s = sink.stats();
    expect(s.consumed).toBe(N);
    expect(s.written).toBe(N);
    expect(s.pgInserted).toBe(N);
    expect(s.redisAdded).toBe(N);
    expect(s.poison).toBe(0);
    expect(sink.ready()).toEqual({ ready: true, reasons: [], redis: true, pg: true, kafka: true });
    expect(s.flushes.size + s.flushes.time).toBeGreaterThanOrEqual(N / 1000);
    expect(sink.metricsText()).toContain(`tickgate_sink_written_total{group="${e.config.SINK_GROUP}"} ${N}`);
  }, 90_000);

  test("poison records go to the DLQ with their reason; the rest is stored", async () => {
    const more = makeTicks(200, { seed: 8, startTs: (Date.now() - 30_000) * 1000 });
    const bad = [
      { key: "binance:BTC-USDT", value: Buffer.from([0xc1, 0x00, 0xff]), reason: "record.undecodable" }, // 0xc1 is never used in msgpack
      { key: "binance:BTC-USDT", value: pack({ type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: 1, v: 1 }), reason: "record.missing_field" },
      { key: "binance:BTC-USDT", value: pack({ ...more[0], v: 99 }), reason: "record.version" },
      { key: null, value: pack([1, 2, 3]), reason: "record.not_object" },
      { key: "x:Y-Z", value: pack({ ...more[1], price: "NaN", type: "trade", side: "buy", tradeId: "p1" }), reason: "record.bad_field" },
    ];
    const msgs = [
      ...bad.slice(0, 2),
      ...more.slice(0, 100).map((r) => ({ key: routingKeyOf(r.exchange, r.symbol), value: pack(r) })),
      ...bad.slice(2),
      ...more.slice(100).map((r) => ({ key: routingKeyOf(r.exchange, r.symbol), value: pack({ ...r, extra: "ignored" }) })),
    ];
    await produceRaw({ brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid }, msgs.map(({ key, value }) => ({ key, value })));
    await waitFor("more rows", async () => (await rowCount(e)) >= N + 200, 30_000);
    await waitFor("commit", () => sink!.stats().lag.total === 0, 20_000);
    expect(await rowCount(e)).toBe(N + 200);
    expect(await memberCount(e)).toBe(N + 200);
    expect(sink!.stats().poison).toBe(bad.length);

    // Read the DLQ back: one record per poison record, with its reason and original bytes.
    const consumer = kafkaFor(e.config.KAFKA_BROKERS).consumer({ groupId: `${e.id}-dlq-reader` });
    const got: any[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: e.topics.dlq, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(unpack(message.value!)) });
    await waitFor("dlq records", () => got.length >= bad.length, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    await consumer.disconnect();
    expect(got.length).toBe(bad.length);
    for (const b of bad) {
      const d = got.find((g) => Buffer.from(g.value).equals(b.value));
      expect(d).toBeDefined();
      expect(d.reason).toBe(b.reason);
      expect(d.topic).toBe(e.topics.valid);
      expect(d.key).toBe(b.key);
      expect(typeof d.offset).toBe("number");
      expect(typeof d.detail).toBe("string");
    }
  }, 90_000);

  test("a full redelivery of the topic stores nothing twice", async () => {
    await sink!.stop();
    sink = null;
    const before = { rows: await rowCount(e), members: await memberCount(e) };
    const admin = kafkaFor(e.config.KAFKA_BROKERS).admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: e.config.SINK_GROUP, topic: e.topics.valid, earliest: true });
    await admin.disconnect();
    sink = await startSink(e.config, { log: quiet });
    await waitFor("redelivery consumed", () => sink!.stats().consumed >= N + 205 && sink!.stats().lag.total === 0, 60_000);
    const s = sink.stats();
    expect(s.written).toBe(N + 200);
    expect(s.pgInserted).toBe(0);
    expect(s.redisAdded).toBe(0);
    expect(s.pgPaths.staging).toBeGreaterThan(0);
    expect(await rowCount(e)).toBe(before.rows);
    expect(await memberCount(e)).toBe(before.members);
  }, 90_000);

  test("the same ticks again from another producer's layout (the general decode path) store nothing twice", async () => {
    // The first test produced ingest's layout (the sink's fast path, the member sliced from the
    // value); the same ticks packed by msgpackr must come out as the same members and rows.
    const before = { rows: await rowCount(e), members: await memberCount(e), written: sink!.stats().written };
    await produceRecords({ brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid, layout: "msgpackr" }, first);
    await waitFor("second copies written", () => sink!.stats().written >= before.written + N && sink!.stats().lag.total === 0, 60_000);
    expect(await rowCount(e)).toBe(before.rows);
    expect(await memberCount(e)).toBe(before.members);
  }, 90_000);
});
