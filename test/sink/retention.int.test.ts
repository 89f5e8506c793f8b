// The Redis writer's retention on a real Redis: a key keeps at most REDIS_RETENTION_COUNT members
// and none older than REDIS_RETENTION_MS before its newest, trimmed at most once per trimEveryMs.
import { afterAll, describe, expect, test } from "bun:test";
import { createRedisWriter, redisClient } from "../../src/sink/redis-writer.ts";
import { decodeRecord } from "../../src/sink/decode-record.ts";
import { zsetKey } from "../../src/sink/redis-layout.ts";
import { encodeValid } from "../../src/kafka/encode.ts";
import type { Tick } from "../../src/tick.ts";
import { loadConfig } from "../../src/config.ts";
import { makeTicks } from "../../bench/lib/valid-records.ts";
import { scanKeys } from "../../bench/lib/sink-env.ts";

const config = loadConfig(process.env);
const redis = redisClient(config.REDIS_URL);
const prefix = `ret${Date.now().toString(36)}:`;
afterAll(async () => {
  const keys = await scanKeys(redis, `${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** n ticks of one symbol, 1 ms apart, as the sink decodes them. */
function ticks(n: number, startMs: number) {
  return makeTicks(n, { seed: n, keys: ["ex:RET-USDT"], startTs: startMs * 1000 }).map((r, i) => {
    const { recvTs, flags, v, ...tick } = r;
    return decodeRecord(Buffer.from(encodeValid({ ...(tick as Tick), ts: (startMs + i) * 1000 }, recvTs, flags)));
  });
}

describe("Redis retention", () => {
  test("count and age bounds, trimmed at most once per interval", async () => {
    await new Promise((r) => (redis.status === "ready" ? r(null) : redis.once("ready", r)));
    const byCount = createRedisWriter(redis, { url: config.REDIS_URL, keyPrefix: `${prefix}c:`, retentionMs: 0, retentionCount: 5, trimEveryMs: 0 });
    const first = ticks(20, Date.now() - 60_000);
    await byCount.write(first);
    const countKey = zsetKey(`${prefix}c:`, first[0]!);
    expect(await redis.zcard(countKey)).toBe(5);
    // The newest five stay.
    expect((await redis.zrange(countKey, 0, -1, "WITHSCORES")).filter((_, i) => i % 2).map(Number)).toEqual(first.slice(15).map((t) => Math.floor(t.ts / 1000)));

    const byAge = createRedisWriter(redis, { url: config.REDIS_URL, keyPrefix: `${prefix}a:`, retentionMs: 10, retentionCount: 0, trimEveryMs: 0 });
    const aged = ticks(30, Date.now() - 60_000);
    await byAge.write(aged);
    // Scores newest − 10 ms … newest: 11 members.
    expect(await redis.zcard(zsetKey(`${prefix}a:`, aged[0]!))).toBe(11);

    const seldom = createRedisWriter(redis, { url: config.REDIS_URL, keyPrefix: `${prefix}s:`, retentionMs: 0, retentionCount: 5, trimEveryMs: 2000 });
    const t0 = Date.now() - 60_000;
    const batches = [ticks(10, t0), ticks(10, t0 + 100), ticks(10, t0 + 200)];
    const key = zsetKey(`${prefix}s:`, batches[0]![0]!);
    await seldom.write(batches[0]!);
    expect(await redis.zcard(key)).toBe(5); // the first write of a key trims
    await seldom.write(batches[1]!);
    expect(await redis.zcard(key)).toBe(15); // within the interval: no trim
    await Bun.sleep(2100);
    await seldom.write(batches[2]!);
    expect(await redis.zcard(key)).toBe(5); // past it: trimmed again
  });
});
