// Writes one batch to every target and does not return until all of them took it (or the sink is
// stopping). Redis and PostgreSQL are written in parallel; a target that fails is retried alone with
// capped, jittered backoff while the other's success is kept. Poison records go to the DLQ last.
// Only when flush() resolves may the batch's offsets be committed.
import type { Consumed } from "./consumer.ts";
import type { RedisWriter } from "./redis-writer.ts";
import type { PgWriter } from "./pg-writer.ts";
import type { Dlq } from "./dlq.ts";
import type { Batch } from "./batcher.ts";
import { observeBatch, type SinkState } from "./stats.ts";
import { FlushAborted, messageOf, type PoisonRecord, SinkUnavailable, type Target } from "./sink-errors.ts";
import type { SinkTick } from "./decode-record.ts";

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/** Backoff for the n-th consecutive failure (0-based): doubling, capped, ±25 % jitter so sinks don't retry in step. */
export function backoffMs(n: number, p: RetryPolicy, rand = Math.random): number {
  const base = Math.min(p.maxMs, p.initialMs * 2 ** Math.min(n, 30));
  return Math.round(base * (0.75 + 0.5 * rand()));
}

export interface FlusherDeps {
  redis: RedisWriter;
  pg: PgWriter;
  dlq: Dlq;
  stats: SinkState;
  retry: RetryPolicy;
  /** True once the sink must give up on an unwritten batch (hard stop). */
  aborted: () => boolean;
  log: (msg: string) => void;
}

export function createFlusher(d: FlusherDeps) {
  const { stats } = d;

  function down(target: Target, e: unknown) {
    const st = stats.targets[target];
    st.failures++;
    if (st.up) d.log(`${target} unavailable, pausing and retrying: ${messageOf(e)}`);
    st.up = false;
    st.error = messageOf(e);
    st.downSince ??= Date.now();
  }
  function up(target: Target) {
    const st = stats.targets[target];
    if (!st.up) d.log(`${target} back after ${Date.now() - (st.downSince ?? Date.now())} ms`);
    st.up = true;
    st.error = null;
    st.downSince = null;
  }

  async function sleep(ms: number) {
    const until = Date.now() + ms;
    while (Date.now() < until && !d.aborted()) await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
  }

  async function flush(batch: Batch<Consumed>): Promise<void> {
    const t0 = performance.now();
    const ticks: SinkTick[] = [];
    const owner: Consumed[] = [];
    const poison = new Map<Consumed, PoisonRecord>();
    for (const c of batch.items) {
      if (c.tick) {
        ticks.push(c.tick);
        owner.push(c);
      } else poison.set(c, c.poison!);
    }

    let redisMs = 0;
    let pgMs = 0;
    let redisDone = ticks.length === 0;
    let pgDone = ticks.length === 0;
    const pgSkip = new Set<number>();
    for (let attempt = 0; !(redisDone && pgDone); attempt++) {
      if (attempt > 0) {
        stats.retries++;
        await sleep(backoffMs(attempt - 1, d.retry));
      }
      if (d.aborted()) throw new FlushAborted("sink stopped before the batch was written");
      const jobs: Promise<void>[] = [];
      if (!redisDone) {
        const s = performance.now();
        jobs.push(
          d.redis.write(ticks).then((r) => {
            redisMs = performance.now() - s;
            redisDone = true;
            stats.redisAdded += r.added;
            for (const [i, p] of r.poison) poison.set(owner[i], p);
            up("redis");
          }),
        );
      }
      if (!pgDone) {
        const s = performance.now();
        jobs.push(
          d.pg.write(ticks, pgSkip).then((r) => {
            pgMs = performance.now() - s;
            pgDone = true;
            stats.pgInserted += r.inserted;
            stats.pgPaths[r.path]++;
            for (const [i, p] of r.poison) poison.set(owner[i], p);
            up("pg");
          }),
        );
      }
      for (const r of await Promise.allSettled(jobs)) {
        if (r.status === "rejected") down(r.reason instanceof SinkUnavailable ? r.reason.target : "pg", r.reason);
      }
    }

    // DLQ after the writes: a record refused by a target for its data joins the undecodable ones.
    for (let attempt = 0; poison.size > 0; attempt++) {
      if (attempt > 0) {
        stats.retries++;
        await sleep(backoffMs(attempt - 1, d.retry));
      }
      if (d.aborted()) throw new FlushAborted("sink stopped before the DLQ took the batch's poison records");
      try {
        await d.dlq.send([...poison].map(([c, p]) => ({ consumed: c, reason: p.code, detail: p.message })));
        stats.poison += poison.size;
        stats.dlq += poison.size;
        up("kafka");
        break;
      } catch (e) {
        down("kafka", e);
      }
    }

    const totalMs = performance.now() - t0;
    stats.written += ticks.length;
    stats.flushes[batch.reason]++;
    observeBatch(stats, batch.items.length, ticks.length ? { redis: redisMs / 1000, pg: pgMs / 1000 } : null, totalMs / 1000);
    stats.lastFlush = { reason: batch.reason, rows: batch.items.length, waitedMs: batch.waitedMs, redisMs, pgMs, totalMs, at: Date.now() };
  }

  return { flush, up, down };
}
