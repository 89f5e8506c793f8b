// Shared pieces of the sink's integration tests: a per-run isolated environment (topic prefix,
// consumer group, PostgreSQL table, Redis key prefix), readers of what the sink stored, the stack's
// stop/start for fault tests, and cleanup. Everything real: no mocks.
import Redis from "ioredis";
import postgres from "postgres";
import { unpack } from "msgpackr";
import { loadConfig, topics, type Config } from "../../src/config.ts";
import { kafkaFor } from "./valid-records.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface TestEnv {
  id: string;
  env: Record<string, string>;
  config: Config;
  table: string;
  keyPrefix: string;
  topics: ReturnType<typeof topics>;
  sql: postgres.Sql;
  redis: Redis;
  cleanup(): Promise<void>;
}

export async function testEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const id = `s${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    TOPIC_PREFIX: id,
    SINK_GROUP: `${id}-sink`,
    SINK_TABLE: `sink_${id}`,
    REDIS_KEY_PREFIX: `${id}:`,
    KAFKA_PARTITIONS: "4",
    SINK_RETRY_MAX_MS: "500",
    SHUTDOWN_TIMEOUT_MS: "10000",
    SINK_SESSION_TIMEOUT_MS: "6000", // a kill -9'd sink's partitions move on after 6 s, not 30
    LOG_LEVEL: "info",
    ...overrides,
  };
  const config = loadConfig(env);
  const t = topics(config);
  const admin = kafkaFor(config.KAFKA_BROKERS).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [t.valid, t.dlq].map((topic) => ({ topic, numPartitions: 4 })) });
  await admin.disconnect();
  const sql = postgres(config.DATABASE_URL, { max: 2, onnotice: () => {} });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, retryStrategy: (n) => Math.min(n * 200, 1000) });
  redis.on("error", () => {});
  return {
    id,
    env,
    config,
    table: config.SINK_TABLE,
    keyPrefix: config.REDIS_KEY_PREFIX,
    topics: t,
    sql,
    redis,
    async cleanup() {
      await sql.unsafe(`drop table if exists ${config.SINK_TABLE}`).catch(() => {});
      const keys = await scanKeys(redis, `${config.REDIS_KEY_PREFIX}*`).catch(() => []);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500)).catch(() => {});
      const a = kafkaFor(config.KAFKA_BROKERS).admin();
      await a.connect();
      await a.deleteGroups([config.SINK_GROUP]).catch(() => {});
      await a.deleteTopics({ topics: [t.valid, t.dlq] }).catch(() => {});
      await a.disconnect();
      await sql.end({ timeout: 2 });
      redis.disconnect();
    },
  };
}

export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== "0");
  return out;
}

export async function rowCount(e: TestEnv): Promise<number> {
  try {
    const [{ n }] = await e.sql.unsafe(`select count(*)::int as n from ${e.table}`);
    return n;
  } catch {
    return -1; // table not there yet, or PostgreSQL restarting
  }
}

/** Every row, with the timestamps as exact µs (postgres.js Dates would drop the µs). */
export async function readRows(e: TestEnv) {
  return e.sql.unsafe(
    `select (extract(epoch from ts) * 1000000)::bigint::text as ts_us, exchange, symbol, type, price, size, side, trade_id,
            bid, bid_size, ask, ask_size, seq::text as seq, flags, (extract(epoch from recv_ts) * 1000000)::bigint::text as recv_us, tick_key
       from ${e.table}`,
  );
}

export async function memberCount(e: TestEnv): Promise<number> {
  try {
    const keys = await scanKeys(e.redis, `${e.keyPrefix}ticks:*`);
    let n = 0;
    for (const k of keys) n += await e.redis.zcard(k);
    return n;
  } catch {
    return -1;
  }
}

/** key → [{score, member bytes, decoded}] */
export async function readMembers(e: TestEnv) {
  const out = new Map<string, { score: number; bytes: Buffer; tick: any }[]>();
  for (const k of await scanKeys(e.redis, `${e.keyPrefix}ticks:*`)) {
    const flat = await e.redis.zrangeBuffer(k, 0, -1, "WITHSCORES");
    const list: { score: number; bytes: Buffer; tick: any }[] = [];
    for (let i = 0; i < flat.length; i += 2) list.push({ bytes: flat[i], score: Number(flat[i + 1].toString()), tick: unpack(flat[i]) });
    out.set(k, list);
  }
  return out;
}

export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 60_000, intervalMs = 100) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `scripts/stack.sh stop|start redis|postgres` — fault tests only; always pair with start in a finally. */
export function stack(cmd: "stop" | "start", service: "redis" | "postgres" | "kafka") {
  const r = Bun.spawnSync(["bash", `${ROOT}scripts/stack.sh`, cmd, service], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`stack.sh ${cmd} ${service} failed: ${r.stderr.toString()}`);
}

/** `bun src/sink/cli.ts` as a child process with the test's environment. */
export function spawnSinkCli(e: TestEnv, extra: Record<string, string> = {}) {
  const out: string[] = [];
  // process.execPath: the bun running the tests, whether or not `bun` is on PATH.
  const proc = Bun.spawn([process.execPath, `${ROOT}src/sink/cli.ts`], {
    cwd: ROOT,
    env: { ...e.env, ...extra },
    stdout: "pipe",
    stderr: "pipe",
  });
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) out.push(...dec.decode(chunk).split("\n").filter(Boolean));
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  return {
    proc,
    out,
    started: () => waitFor("sink cli start", () => out.some((l) => l.includes('"msg":"sink started"')), 60_000),
    /** SIGTERM, wait for exit, return the stats of its last log line (parsed). */
    async stop(): Promise<any> {
      proc.kill("SIGTERM");
      await proc.exited;
      const line = out.find((l) => l.includes('"msg":"sink stopped"'));
      return line ? JSON.parse(line).stats : null;
    },
  };
}
