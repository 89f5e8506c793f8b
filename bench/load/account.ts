// The loss account of a run: what the clients sent and were told (accepted / rejected / refused),
// what Kafka holds (high − low watermark of the run's fresh topics), and what the sink stored (sum of
// ZCARD over the run's Redis keys; count(*) of the run's rows). Every count must agree.
import type { Kafka } from "kafkajs";
import type Redis from "ioredis";
import type { Sql } from "postgres";
import type { Totals } from "./recorder.ts";

/** What the clients were told (from the recorder's totals), then what each store holds. */
export interface Account extends Pick<Totals, "sent" | "accepted" | "rejected" | "flagged" | "refused" | "failed" | "generatedBad"> {
  kafkaValid: number | null;
  kafkaRejected: number | null;
  redis: number | null;
  pg: number | null;
  /** ms the sink took after the last answer until Redis and PostgreSQL held every accepted tick */
  sinkCatchUpMs: number | null;
  balanced: boolean;
  problems: string[];
}

export async function kafkaCounts(kafka: Kafka, prefix: string): Promise<{ valid: number; rejected: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const count = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    return { valid: await count(`${prefix}.valid`), rejected: await count(`${prefix}.rejected`) };
  } finally {
    await admin.disconnect();
  }
}

/** The run's ZSET keys: every exchange of the run starts with `<runId>-`. */
export async function runKeys(redis: Redis, keyPrefix: string, runId: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${keyPrefix}ticks:{${runId}-*`, "COUNT", 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  return keys;
}

export async function redisCount(redis: Redis, keyPrefix: string, runId: string): Promise<number> {
  const keys = await runKeys(redis, keyPrefix, runId);
  if (keys.length === 0) return 0;
  const p = redis.pipeline();
  for (const k of keys) p.zcard(k);
  const replies = (await p.exec()) ?? [];
  return replies.reduce((n, [err, v]) => n + (err ? 0 : Number(v)), 0);
}

export async function pgCount(sql: Sql, table: string, exchanges: string[]): Promise<number> {
  const [r] = await sql`select count(*)::bigint as n from ${sql(table)} where exchange = any(${sql.array(exchanges)}::text[])`;
  return Number(r.n);
}

export interface Stores {
  kafka: Kafka | null;
  prefix: string | null;
  redis: Redis | null;
  sql: Sql | null;
  keyPrefix: string;
  table: string;
  /** the table is this run's alone: drop it instead of deleting rows */
  ownTable: boolean;
  runId: string;
  exchanges: string[];
}

/**
 * Counts everything; waits (up to waitMs, and while the counts still move) for the sink to store
 * every accepted tick first.
 */
export async function account(t: Totals, s: Stores, waitMs: number, onWait?: (redis: number | null, pg: number | null) => void): Promise<Account> {
  const k = s.kafka && s.prefix ? await kafkaCounts(s.kafka, s.prefix) : null;
  let redis: number | null = null;
  let pg: number | null = null;
  const t0 = performance.now();
  let catchUp: number | null = null;
  if (s.redis || s.sql) {
    let lastChange = t0;
    let prev = "";
    for (;;) {
      redis = s.redis ? await redisCount(s.redis, s.keyPrefix, s.runId) : null;
      pg = s.sql ? await pgCount(s.sql, s.table, s.exchanges) : null;
      onWait?.(redis, pg);
      const now = performance.now();
      if ((redis === null || redis >= t.accepted) && (pg === null || pg >= t.accepted)) {
        catchUp = Math.round(now - t0);
        break;
      }
      const cur = `${redis}/${pg}`;
      if (cur !== prev) lastChange = now;
      prev = cur;
      // Give up at the bound, or when nothing moved for 10 s (the sink is stuck or the ticks are lost).
      if (now - t0 > waitMs || now - lastChange > 10_000) break;
      await Bun.sleep(250);
    }
  }
  const problems: string[] = [];
  const answered = t.accepted + t.rejected + t.refused;
  if (answered !== t.sent) problems.push(`sent ${t.sent} ≠ accepted ${t.accepted} + rejected ${t.rejected} + refused (503) ${t.refused}: ${t.sent - answered} ticks have no answer (${t.failed} in failed requests)`);
  if (t.rejected < t.generatedBad) problems.push(`rejected ${t.rejected} < bad ticks generated ${t.generatedBad}`);
  if (k && k.valid !== t.accepted) {
    const hint = k.valid > t.accepted && t.refused > 0 ? " — more than accepted while requests were refused: ticks answered 503 reached Kafka anyway" : "";
    problems.push(`${s.prefix}.valid holds ${k.valid}, accepted ${t.accepted} (${k.valid - t.accepted > 0 ? "+" : ""}${k.valid - t.accepted})${hint}`);
  }
  if (k && k.rejected !== t.rejected) problems.push(`${s.prefix}.rejected holds ${k.rejected}, rejected ${t.rejected} (${k.rejected - t.rejected > 0 ? "+" : ""}${k.rejected - t.rejected})`);
  if (redis !== null && redis !== t.accepted) problems.push(`Redis holds ${redis}, accepted ${t.accepted} (${redis - t.accepted > 0 ? "+" : ""}${redis - t.accepted})`);
  if (pg !== null && pg !== t.accepted) problems.push(`PostgreSQL holds ${pg}, accepted ${t.accepted} (${pg - t.accepted > 0 ? "+" : ""}${pg - t.accepted})`);
  return {
    sent: t.sent,
    accepted: t.accepted,
    rejected: t.rejected,
    flagged: t.flagged,
    refused: t.refused,
    failed: t.failed,
    generatedBad: t.generatedBad,
    kafkaValid: k?.valid ?? null,
    kafkaRejected: k?.rejected ?? null,
    redis,
    pg,
    sinkCatchUpMs: catchUp,
    balanced: problems.length === 0,
    problems,
  };
}

/** Removes the run's topics, Redis keys and rows (after they were counted). */
export async function cleanup(s: Stores): Promise<void> {
  if (s.redis) {
    const keys = await runKeys(s.redis, s.keyPrefix, s.runId);
    const lastKeys = keys.map((k) => k.replace(`${s.keyPrefix}ticks:`, `${s.keyPrefix}last:`));
    for (let i = 0; i < keys.length; i += 500) await s.redis.unlink(...keys.slice(i, i + 500), ...lastKeys.slice(i, i + 500));
  }
  if (s.sql && s.ownTable) await s.sql`drop table if exists ${s.sql(s.table)}`;
  else if (s.sql) await s.sql`delete from ${s.sql(s.table)} where exchange = any(${s.sql.array(s.exchanges)}::text[])`;
  if (s.kafka && s.prefix) {
    const admin = s.kafka.admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${s.prefix}.`));
      if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
      // The sink's consumer group of this run (SINK_GROUP=<prefix>.sink), if there was one.
      await admin.deleteGroups([`${s.prefix}.sink`]).catch(() => {});
    } finally {
      await admin.disconnect();
    }
  }
}
