// One Redis pipeline per batch: per symbol key one variadic ZADD (score = ts ms, member = the
// fixed-order msgpack tick), the latest-tick hash through a small Lua script that only overwrites an
// older tick, and — at most once per key every `trimEveryMs` — the two retention trims. (ioredis
// costs ≈ 25 µs of the sink thread per command, and with many symbols a batch holds few ticks per
// key: trimming every key on every batch was a quarter of the writer's CPU. A key is trimmed only
// when ticks for it arrive: it may hold up to a second of ticks past its bounds, and a key that
// goes quiet keeps what it had until its next tick.) Every command is idempotent, so a retried or
// redelivered batch leaves Redis as one successful write would: ZADD of an existing member is a
// no-op, the trims are pure functions of the ZSET, and the hash keeps the max-ts tick.
import Redis, { type RedisOptions } from "ioredis";
import { withTimeout } from "../timeout.ts";
import type { SinkTick } from "./decode-record.ts";
import { lastFields, lastKey, memberOf, scoreOf, zsetKey } from "./redis-layout.ts";
import { POISON, PoisonRecord, sinkErrors } from "./sink-errors.ts";

export interface RedisWriterOptions {
  url: string;
  /** Prepended to every key (tests use a per-run prefix); "" in production. */
  keyPrefix?: string;
  /** Trim members whose score is older than (newest ts in the batch for the key − retentionMs); 0 = keep. */
  retentionMs: number;
  /** Keep at most this many members per key; 0 = no cap. */
  retentionCount: number;
  /** Bound on one pipeline round trip before the write counts as failed and is retried. */
  timeoutMs?: number;
  /** A key is trimmed at most this often (ms); 0 = on every batch. Default 1000. */
  trimEveryMs?: number;
}

export interface RedisWriteResult {
  /** Members newly added (a redelivered tick adds 0). */
  added: number;
  /** Indexes (into the written array) Redis refused for good: they go to the DLQ. */
  poison: Map<number, PoisonRecord>;
}

// KEYS[1] = last:{…}; ARGV[1] = ts (µs); ARGV[2..] = field, value pairs.
// DEL + HSET so the hash is exactly the latest tick (a quote doesn't inherit a trade's price).
// Equal ts: the later writer wins (ticks of one key are written in offset order).
const LAST_LUA = `
local cur = redis.call('HGET', KEYS[1], 'ts')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`;

export function redisClient(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    // Fail fast while Redis is down: the sink keeps the batch and retries with its own backoff,
    // rather than ioredis queueing commands without bound behind our back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(100 * times, 1000),
    connectTimeout: 3000,
    lazyConnect: false,
    ...extra,
  });
}

export function createRedisWriter(redis: Redis, opts: RedisWriterOptions) {
  const prefix = opts.keyPrefix ?? "";
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const trimEveryMs = opts.trimEveryMs ?? 1000;
  /** key → when it was last trimmed (performance.now()); forgotten wholesale past MAX_TRIM_KEYS. */
  const trimmedAt = new Map<string, number>();
  const MAX_TRIM_KEYS = 100_000;

  async function write(ticks: SinkTick[]): Promise<RedisWriteResult> {
    // Group by key, keeping offset order inside a key. Allocates per batch, not per tick beyond the member.
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < ticks.length; i++) {
      const k = zsetKey(prefix, ticks[i]);
      let a = byKey.get(k);
      if (!a) byKey.set(k, (a = []));
      a.push(i);
    }
    const p = redis.pipeline();
    const now = performance.now();
    const trimmed: string[] = [];
    // Which key each pipeline command belongs to, to map a refused command back to its records.
    const cmdKey: string[] = [];
    for (const [k, idx] of byKey) {
      const args: (string | number | Buffer)[] = [];
      let newest = 0;
      let latest = idx[0];
      for (const i of idx) {
        const t = ticks[i];
        args.push(scoreOf(t), t.member ?? memberOf(t));
        if (t.ts >= ticks[latest].ts) latest = i;
        if (t.ts > newest) newest = t.ts;
      }
      p.zadd(k, ...(args as [number, Buffer]));
      cmdKey.push(k);
      const trim = now - (trimmedAt.get(k) ?? -Infinity) >= trimEveryMs;
      if (trim && opts.retentionMs > 0) {
        p.zremrangebyscore(k, "-inf", `(${Math.floor(newest / 1000) - opts.retentionMs}`);
        cmdKey.push(k);
      }
      if (trim && opts.retentionCount > 0) {
        p.zremrangebyrank(k, 0, -(opts.retentionCount + 1));
        cmdKey.push(k);
      }
      if (trim) trimmed.push(k);
      const t = ticks[latest];
      p.eval(LAST_LUA, 1, lastKey(prefix, t), String(t.ts), ...lastFields(t));
      cmdKey.push(k);
    }

    let results: [Error | null, unknown][] | null;
    try {
      results = await withTimeout(timeoutMs, p.exec(), "redis pipeline");
    } catch (e) {
      // Refused, unreachable or too slow: the same outage to the flusher, which retries the batch.
      throw sinkErrors.redis(e);
    }
    if (!results) throw sinkErrors.redis(new Error("pipeline returned no results"));

    let added = 0;
    const poison = new Map<number, PoisonRecord>();
    let firstError: Error | null = null;
    for (let c = 0; c < results.length; c++) {
      const [err, res] = results[c];
      if (!err) {
        if (c === 0 || cmdKey[c] !== cmdKey[c - 1]) added += typeof res === "number" ? res : 0;
        continue;
      }
      // WRONGTYPE: the key holds something else; retrying can't help, so its ticks are poison.
      // Every other error (connection, LOADING, OOM, READONLY, …) is transient: retry the batch.
      if (/^WRONGTYPE/.test(err.message)) {
        for (const i of byKey.get(cmdKey[c]) ?? []) poison.set(i, new PoisonRecord(POISON.redisData, `redis ${cmdKey[c]}: ${err.message}`));
      } else firstError ??= err;
    }
    if (firstError) throw sinkErrors.redis(firstError);
    // Only a pipeline that went through counts as a trim (a failed one is retried with its trims).
    if (trimmedAt.size + trimmed.length > MAX_TRIM_KEYS) trimmedAt.clear();
    for (const k of trimmed) trimmedAt.set(k, now);
    return { added, poison };
  }

  async function ping(): Promise<boolean> {
    try {
      return (await redis.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  return { write, ping };
}

export type RedisWriter = ReturnType<typeof createRedisWriter>;
