// The sink: Kafka `<prefix>.valid` → Redis pipeline + PostgreSQL COPY, offsets committed only after
// both took a batch. Used by ROLE=sink in the main process and by workers/sink.ts for ROLE=all
// (runner.ts picks which; thread.ts is the parent's side of the thread).
//
//   consumer (kafkajs eachBatch: decode) → Batcher (ready | size | time | drain) → flush loop of SINK_CONCURRENCY writers:
//     Redis ∥ PostgreSQL (each retried alone with capped backoff) → DLQ (poison) → commit offsets
import { Partitioners, type Producer } from "kafkajs";
import type Redis from "ioredis";
import type { Sql } from "postgres";
import { topics, type Config } from "../config.ts";
// createKafka also registers the zstd codec the validators compress with, in this thread.
import { createKafka } from "../kafka/client.ts";
import { ensureTopics } from "../kafka/topics.ts";
import { Batcher } from "./batcher.ts";
import { createConsumer, type Consumed, type SinkConsumer } from "./consumer.ts";
import { createDlq } from "./dlq.ts";
import { backoffMs, createFlusher, type RetryPolicy } from "./flush.ts";
import { newSinkState, sinkMetricsText, statsOf, type SinkStats } from "./stats.ts";
import { createPgWriter, pgClient, type PgWriteMode } from "./pg-writer.ts";
import { createRedisWriter, redisClient } from "./redis-writer.ts";
import { migrate } from "./pg-schema.ts";
import { FlushAborted, messageOf } from "./sink-errors.ts";
import { log as logger } from "../log.ts";

export type { SinkStats } from "./stats.ts";

/** The part of the process config the sink reads (a full `Config` from loadConfig() fits). */
export type SinkConfig = Pick<
  Config,
  | "KAFKA_BROKERS" | "KAFKA_CLIENT_ID" | "TOPIC_PREFIX" | "KAFKA_PARTITIONS" | "REDIS_URL" | "DATABASE_URL"
  | "SINK_GROUP" | "SINK_FLUSH_ROWS" | "SINK_FLUSH_MS" | "SINK_TABLE" | "SINK_PG_MODE" | "SINK_BUFFER_ROWS" | "SINK_CONCURRENCY"
  | "SINK_RETRY_MAX_MS" | "REDIS_RETENTION_MS" | "REDIS_RETENTION_COUNT" | "REDIS_KEY_PREFIX" | "PG_RETENTION"
  | "SHUTDOWN_TIMEOUT_MS" | "LOG_LEVEL" | "SINK_SESSION_TIMEOUT_MS"
>;

export interface SinkOptions {
  /** Log sink (default: console with a `[sink]` prefix; debug lines only at LOG_LEVEL=debug). */
  log?: (msg: string) => void;
  /** Retry policy for unavailable targets (default: 100 ms doubling to SINK_RETRY_MAX_MS). */
  retry?: Partial<RetryPolicy>;
  /** Interval of the idle reachability check of Redis and PostgreSQL behind ready() (default 2000 ms). */
  healthIntervalMs?: number;
  /**
   * The sink cannot go on (its consumer crashed for good, or its flush loop failed): the runner must
   * replace it. Default: log and exit the process non-zero, for the orchestrator to restart it.
   */
  onFatal?: (reason: string) => void;
}

export interface SinkReady {
  ready: boolean;
  /** Why not ready (empty when ready). */
  reasons: string[];
  redis: boolean;
  pg: boolean;
  kafka: boolean;
}

export interface Sink {
  /** Stops fetching, writes what is buffered (bounded by SHUTDOWN_TIMEOUT_MS), commits, disconnects. */
  stop(): Promise<void>;
  /** Stops fetching and resolves once every consumed record is written and committed; the sink stays connected. */
  drain(): Promise<void>;
  stats(): SinkStats;
  ready(): SinkReady;
  metricsText(): string;
}

export async function startSink(config: SinkConfig, opts: SinkOptions = {}): Promise<Sink> {
  const debug = config.LOG_LEVEL === "debug";
  const log = opts.log ?? ((m: string) => logger.info(m, { component: "sink" }));
  const fatal = opts.onFatal ?? ((reason: string) => {
    log(`fatal: ${reason}; exiting so that the process is restarted`);
    process.exit(1);
  });
  const t = topics(config);
  const stats = newSinkState(config.SINK_GROUP, t.valid);
  const retry: RetryPolicy = { initialMs: opts.retry?.initialMs ?? 100, maxMs: opts.retry?.maxMs ?? config.SINK_RETRY_MAX_MS };
  let aborted = false;
  let stopping = false;

  // A client of one connection per writer (a COPY holds its connection for the whole batch). Not one
  // pool of SINK_CONCURRENCY connections: with that, writes issued while PostgreSQL was down hung
  // until their timeout after it came back, and the sink caught up 16–24 s after a restart instead
  // of 1–9 s (bench/sink-resume.ts).
  const sqls: Sql[] = Array.from({ length: config.SINK_CONCURRENCY }, () => pgClient(config.DATABASE_URL, { max: 1 }));
  const sql = sqls[0]!;
  const endSql = (timeout: number) => Promise.allSettled(sqls.map((c) => c.end({ timeout })));
  const redis: Redis = redisClient(config.REDIS_URL);
  // ioredis emits 'error' on every failed reconnect; the flush loop reports outages itself.
  redis.on("error", (e) => debug && log(`redis: ${messageOf(e)}`));

  // Schema first, retried while PostgreSQL is unreachable, so a sink started before its database waits.
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await migrate(sql, { table: config.SINK_TABLE, retention: config.PG_RETENTION, log });
      if (debug) log(`schema ready: ${info.table} (timescaledb: ${info.timescale})`);
      break;
    } catch (e) {
      stats.targets.pg.up = false;
      stats.targets.pg.error = messageOf(e);
      stats.targets.pg.downSince ??= Date.now();
      if (attempt === 0 || debug) log(`schema migration failed, retrying: ${messageOf(e)}`);
      if (attempt >= 30) {
        await Promise.allSettled([endSql(1), redis.quit()]);
        throw e;
      }
      await new Promise((r) => setTimeout(r, backoffMs(attempt, retry)));
    }
  }
  stats.targets.pg = { up: true, error: null, downSince: null, failures: stats.targets.pg.failures };

  const kafka = createKafka({ ...config, LOG_LEVEL: debug ? "debug" : config.LOG_LEVEL }, "-sink");
  // Idempotent: ingest may have created `valid` already; the DLQ is the sink's own.
  await ensureTopics(kafka, [t.valid, t.dlq], config.KAFKA_PARTITIONS);
  const producer: Producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();

  const batcher = new Batcher<Consumed>({ maxRows: config.SINK_FLUSH_ROWS, maxMs: config.SINK_FLUSH_MS });
  const redisWriter = createRedisWriter(redis, {
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    retentionMs: config.REDIS_RETENTION_MS,
    retentionCount: config.REDIS_RETENTION_COUNT,
  });
  const pgWriters = sqls.map((c) => createPgWriter(c, { table: config.SINK_TABLE, mode: config.SINK_PG_MODE as PgWriteMode }));
  const dlq = createDlq(producer, t.valid, t.dlq);
  // One flusher per writer, each with its PostgreSQL client; Redis and the DLQ producer are shared.
  const flushers = pgWriters.map((pg) => createFlusher({ redis: redisWriter, pg, dlq, stats, retry, aborted: () => aborted, log }));
  const flusher = flushers[0]!; // for up()/down(), which act on the shared stats
  const freeFlushers = flushers.slice();
  const consumer: SinkConsumer = createConsumer({
    kafka,
    groupId: config.SINK_GROUP,
    topic: t.valid,
    batcher,
    maxBuffered: config.SINK_BUFFER_ROWS,
    fetchMaxWaitMs: 500,
    sessionTimeoutMs: config.SINK_SESSION_TIMEOUT_MS,
    stats,
    log,
    // kafkajs restarts its consumer after most crashes; when it will not, nothing consumes any more.
    onCrashForGood: (e) => !stopping && fatal(`Kafka consumer crashed and will not restart: ${messageOf(e)}`),
  });

  // ---------------------------------------------------------------- flush loop
  // Up to SINK_CONCURRENCY batches are written at once: their Redis and PostgreSQL round trips
  // overlap, and every write is idempotent and order-free (ZADD of fixed members, the last-hash
  // script compares ts, INSERT … ON CONFLICT DO NOTHING). Commits stay in batch order: a batch's
  // offsets are committed only after it and every batch before it are written.
  let flushing = 0;
  let commits: Promise<void> = Promise.resolve();
  let idleWaiters: (() => void)[] = [];
  let lastWriteAt = Date.now();
  const inFlight = new Set<Promise<void>>();
  const loopDone = (async () => {
    for (;;) {
      while (inFlight.size >= config.SINK_CONCURRENCY) await Promise.race(inFlight);
      const b = await batcher.take();
      if (!b) break;
      stats.buffered = batcher.size;
      consumer.notifySpace();
      flushing++;
      // A slot in flight is freed only after its commit, which follows its write: one is free here.
      const writer = freeFlushers.pop()!;
      const written = writer.flush(b).finally(() => {
        flushing--;
        freeFlushers.push(writer);
        lastWriteAt = Date.now();
      });
      // Seen by the commit chain below; a chain already stopped by an earlier abort never looks.
      written.catch(() => {});
      // An aborted flush (sink stopping) rejects the chain: nothing after it is committed either,
      // and all of it is redelivered later.
      commits = commits.then(() => written).then(() => consumer.commit(b.items));
      const settled = commits.then(
        () => {
          if (batcher.size === 0 && flushing === 0) for (const w of idleWaiters.splice(0)) w();
        },
        (e) => {
          if (!(e instanceof FlushAborted)) log(`flush failed: ${messageOf(e)}`);
        },
      );
      const tracked = settled.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);
    for (const w of idleWaiters.splice(0)) w();
  })().catch((e) => {
    log(`flush loop failed: ${messageOf(e)}`);
    if (!stopping) fatal(`flush loop failed: ${messageOf(e)}`);
    throw e;
  });
  loopDone.catch(() => {});

  await consumer.start();
  stats.running = true;

  // ---------------------------------------------------------------- readiness
  // While idle nobody writes, so an outage would go unnoticed: ping both targets then.
  let pinging = false;
  const health = setInterval(async () => {
    if (pinging || flushing > 0 || stopping || Date.now() - lastWriteAt < 1000) return;
    pinging = true;
    try {
      const [r, ...ps] = await Promise.all([redisWriter.ping(), ...pgWriters.map((w) => w.ping())]);
      const p = ps.every(Boolean);
      r ? flusher.up("redis") : flusher.down("redis", new Error("ping failed"));
      p ? flusher.up("pg") : flusher.down("pg", new Error("ping failed"));
    } finally {
      pinging = false;
    }
  }, opts.healthIntervalMs ?? 2000);
  health.unref?.();

  function ready(): SinkReady {
    const reasons: string[] = [];
    const s = stats.targets;
    if (stopping) reasons.push("sink is stopping");
    if (!stats.joined) reasons.push("kafka: consumer has not joined its group");
    if (!s.kafka.up) reasons.push(`kafka: ${s.kafka.error}`);
    if (!s.redis.up) reasons.push(`redis: ${s.redis.error}`);
    if (!s.pg.up) reasons.push(`pg: ${s.pg.error}`);
    return { ready: reasons.length === 0, reasons, redis: s.redis.up, pg: s.pg.up, kafka: s.kafka.up && stats.joined };
  }

  /** Brings the two values only asked for on demand up to date. */
  function refresh() {
    stats.buffered = batcher.size;
    stats.lag = consumer.lag();
    return stats;
  }

  async function drain(): Promise<void> {
    await consumer.pause();
    batcher.drain(true);
    if (batcher.size > 0 || flushing > 0) await new Promise<void>((r) => idleWaiters.push(r));
    await commits.catch(() => {});
  }

  let stopped: Promise<void> | null = null;
  function stop(): Promise<void> {
    return (stopped ??= (async () => {
      stopping = true;
      clearInterval(health);
      await consumer.pause();
      batcher.close();
      // Bounded: a target still down at the deadline leaves its batch uncommitted (redelivered later).
      const deadline = setTimeout(() => (aborted = true), config.SHUTDOWN_TIMEOUT_MS);
      await loopDone.catch(() => {});
      clearTimeout(deadline);
      await commits.catch(() => {});
      await consumer.stop().catch((e) => log(`consumer disconnect: ${messageOf(e)}`));
      await producer.disconnect().catch(() => {});
      await Promise.allSettled([endSql(2), redis.quit().catch(() => redis.disconnect())]);
      stats.running = false;
    })());
  }

  return { stop, drain, stats: () => statsOf(refresh()), ready, metricsText: () => sinkMetricsText(refresh()) };
}
