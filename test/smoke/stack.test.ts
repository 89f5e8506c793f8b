// Smoke tests: each client library talks to its real server on loopback, from Bun.
// They pin the three things every later stage relies on.
import { afterAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import Redis from "ioredis";
import postgres from "postgres";
import { pack, unpack } from "msgpackr";
import { config, uniqueName } from "../helpers/stack.ts";

describe("kafka (kafkajs on Bun)", () => {
  test("idempotent producer (acks=-1) and consumer round trip", async () => {
    const kafka = new Kafka({ clientId: "smoke", brokers: config.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
    const topic = uniqueName("smoke");
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
    await producer.connect();
    const sent = Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 7}`, value: pack({ i, s: `tick-${i}` }) }));
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName("smoke-g") });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length}/100 consumed`)), 30_000);
      consumer.run({
        eachMessage: async ({ message }) => {
          got.push((unpack(message.value!) as { i: number }).i);
          if (got.length === sent.length) { clearTimeout(timer); resolve(); }
        },
      });
    });
    await consumer.disconnect();
    expect(got.sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
  });
});

describe("redis (ioredis)", () => {
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true });
  afterAll(() => redis.quit());

  test("pipelined ZADD then ZRANGE", async () => {
    const key = `${uniqueName("smoke")}:{x:BTC-USD}`;
    const p = redis.pipeline();
    for (let i = 0; i < 1000; i++) p.zadd(key, 1000 - i, `m${i}`);
    p.expire(key, 60);
    const results = await p.exec();
    expect(results!.every(([err]) => err === null)).toBe(true);
    const members = await redis.zrange(key, 0, 2);
    expect(members).toEqual(["m999", "m998", "m997"]);
    expect(await redis.zcard(key)).toBe(1000);
    await redis.del(key);
  });
});

describe("postgresql (postgres.js)", () => {
  const sql = postgres(config.DATABASE_URL, { onnotice: () => {} });
  afterAll(() => sql.end());

  test("COPY ... FROM STDIN then SELECT count(*)", async () => {
    const table = uniqueName("smoke");
    await sql`create table ${sql(table)} (ts timestamptz, symbol text, price double precision)`;
    try {
      const writable = await sql`copy ${sql(table)} (ts, symbol, price) from stdin`.writable();
      const done = new Promise<void>((resolve, reject) => { writable.on("finish", resolve); writable.on("error", reject); });
      for (let i = 0; i < 5000; i++) writable.write(`2026-11-24T00:00:00.${String(i).padStart(6, "0")}Z\tBTC-USD\t${100 + i / 100}\n`);
      writable.end();
      await done;
      const [{ count }] = await sql`select count(*)::int as count from ${sql(table)}`;
      expect(count).toBe(5000);
    } finally {
      await sql`drop table ${sql(table)}`;
    }
  });
});
