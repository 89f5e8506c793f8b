// Occurrences per tick identity in each place a tick can end up — a multiset, so a tick written
// twice counts 2: `<prefix>.valid` and `<prefix>.rejected` read from the beginning up to their high
// watermarks, the run's Redis ZSETs (every member decoded), and the run's PostgreSQL table.
import type { Kafka } from "kafkajs";
import type Redis from "ioredis";
import { unpack } from "msgpackr";
import type { Sql } from "postgres";
import { runKeys } from "../load/account.ts";
import { identityOf, identityOfSent } from "./ticks.ts";

export type Multiset = Map<string, number>;

const add = (m: Multiset, id: string, n = 1) => m.set(id, (m.get(id) ?? 0) + n);

export interface TopicTally {
  counts: Multiset;
  records: number;
  /** records whose value could not be read as a tick (counted, not placed) */
  unreadable: number;
}

/** Reads `topic` from the beginning to its high watermarks as of the call; bounded by `timeoutMs`. */
export async function kafkaTally(kafka: Kafka, topic: string, idOf: (value: any) => string, timeoutMs = 300_000): Promise<TopicTally> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const tally: TopicTally = { counts: new Map(), records: 0, unreadable: 0 };
  const next = new Map([...ends.keys()].map((p) => [p, 0]));
  const done = () => [...ends].every(([p, high]) => (next.get(p) ?? 0) >= high);
  if (done()) return tally;
  // A group of its own that is never committed: every read starts at the beginning.
  const groupId = `${topic}.chaos-tally-${Date.now().toString(36)}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, maxBytesPerPartition: 8 << 20 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition) ?? 0;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset >= end) continue;
          tally.records++;
          try {
            add(tally.counts, idOf(unpack(m.value!)));
          } catch {
            tally.unreadable++;
          }
          next.set(batch.partition, offset + 1);
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`read ${tally.records} records of ${topic} within ${timeoutMs} ms, not all of them`);
      await Bun.sleep(50);
    }
  } finally {
    await consumer.disconnect();
    const a = kafka.admin();
    await a.connect().then(() => a.deleteGroups([groupId])).catch(() => {});
    await a.disconnect().catch(() => {});
  }
  return tally;
}

export const validId = (v: any) => identityOf(v);
/** A rejected record carries the tick as received, not normalised. */
export const rejectedId = (v: any) => identityOfSent(v.original);

/** Every member of the run's ZSETs (`<keyPrefix>ticks:{<runId>-…}`), decoded to its identity. */
export async function redisTally(redis: Redis, keyPrefix: string, runId: string): Promise<{ counts: Multiset; members: number; keys: number }> {
  const counts: Multiset = new Map();
  const keys = await runKeys(redis, keyPrefix, runId);
  let members = 0;
  const PAGE = 20_000;
  for (const k of keys) {
    for (let from = 0; ; from += PAGE) {
      const page = await redis.zrangeBuffer(k, from, from + PAGE - 1);
      for (const m of page) add(counts, identityOf(unpack(m) as Record<string, unknown>));
      members += page.length;
      if (page.length < PAGE) break;
    }
  }
  return { counts, members, keys: keys.length };
}

/** Rows of the run's table per identity (the table holds this run's rows only). */
export async function pgTally(sql: Sql, table: string): Promise<{ counts: Multiset; rows: number }> {
  const counts: Multiset = new Map();
  let rows = 0;
  const result = await sql`
    select type, exchange, symbol, case when type = 'trade' then trade_id else seq::text end as id, count(*)::int as n
    from ${sql(table)} group by 1, 2, 3, 4`;
  for (const r of result) {
    add(counts, `${r.exchange}:${r.symbol}:${r.type}:${r.id}`, r.n);
    rows += r.n;
  }
  return { counts, rows };
}
