// The pool in this process, against the real Kafka: all-or-nothing admission when a ring is full,
// and a worker that dies is replaced with its requests answered 503, never dropped silently.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig, topics } from "../../src/config.ts";
import { IngestError } from "../../src/errors.ts";
import { ValidatorPool, type TickResult } from "../../src/ingest/pool.ts";
import { createKafka } from "../../src/kafka/client.ts";
import { ensureTopics } from "../../src/kafka/topics.ts";
import { normalised, tickStream } from "../../bench/lib/tick-gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { uniqueName } from "../helpers/stack.ts";

const config = loadConfig({ ...process.env, WORKERS: "2", TOPIC_PREFIX: uniqueName("pool"), RING_BYTES: "65536", KAFKA_ACK_TIMEOUT_MS: "10000", LOG_LEVEL: "error" });
const t = topics(config);
let pool: ValidatorPool;

beforeAll(async () => {
  await ensureTopics(createKafka(config), [t.valid, t.rejected], 2);
  pool = new ValidatorPool({ config, checksConfig: {} });
  await pool.start();
});
afterAll(async () => {
  await pool.shutdown(5000);
});

const now = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

describe("pool", () => {
  test("a full ring refuses whole requests (503) and takes none of their ticks", async () => {
    const gen = tickStream({ seed: 3, symbols: 8 });
    // 60 requests of 150 ticks at once into 64 KiB rings: some must wait for room, and be refused.
    const requests = Array.from({ length: 60 }, () => gen.batch(150).map((s) => s.tick));
    const outcomes = await Promise.allSettled(requests.map((ticks) => pool.submit(ticks, now())));
    const refused = outcomes.filter((o) => o.status === "rejected");
    const taken = outcomes.filter((o) => o.status === "fulfilled") as PromiseFulfilledResult<TickResult>[];
    expect(refused.length).toBeGreaterThan(0);
    expect(taken.length).toBeGreaterThan(0);
    for (const r of refused) {
      const err = (r as PromiseRejectedResult).reason as IngestError;
      expect(err).toBeInstanceOf(IngestError);
      expect([err.status, err.code]).toEqual([503, "pipeline.full"]);
    }
    // The generator numbers each symbol's trades and quotes by seq, so exchange:symbol:type:seq names a tick.
    const id = (n: { exchange: unknown; symbol: unknown; type: unknown; seq?: unknown }) => `${n.exchange}:${n.symbol}:${n.type}:${n.seq}`;
    const ids = (i: number) => requests[i].map((tk) => id(normalised(tk)));
    const expected = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? ids(i) : []));
    const refusedIds = new Set(outcomes.flatMap((o, i) => (o.status === "rejected" ? ids(i) : [])));
    const stored = (await consumeAll(t.valid)).map((r) => id(r.value));
    // Every tick of an accepted request is there once; no tick of a refused request is.
    expect(stored.sort()).toEqual(expected.sort());
    for (const s of stored) expect(refusedIds.has(s)).toBe(false);
  });

  test("a request larger than half a ring is refused for good (413), not 503", async () => {
    const gen = tickStream({ seed: 4, symbols: 1 });
    const big = gen.batch(800).map((s) => s.tick);
    let err: unknown;
    try {
      await pool.submit(big, now());
    } catch (e) {
      err = e;
    }
    expect((err as IngestError).status).toBe(413);
  });

  test("a worker that dies is replaced; the requests it held get 503", async () => {
    const gen = tickStream({ seed: 5, symbols: 8 });
    const inflight = pool.submit(gen.batch(100).map((s) => s.tick), now());
    pool.terminateWorker(0);
    pool.terminateWorker(1);
    let err: unknown;
    try {
      await inflight;
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).status).toBe(503);
    expect(pool.restarts()).toBe(2);
    // The replacements take work again.
    for (let i = 0; i < 100 && !pool.kafkaReachable(); i++) await Bun.sleep(50);
    let result: TickResult | undefined;
    for (let i = 0; i < 50 && !result; i++) {
      result = await pool.submit(gen.batch(50).map((s) => s.tick), now()).catch(() => undefined);
      if (!result) await Bun.sleep(100);
    }
    expect(result?.accepted).toBe(50);
  });
});
