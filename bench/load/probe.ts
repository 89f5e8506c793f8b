// End-to-end latency from marked sample ticks: a side loop polls Redis (pipelined ZRANGEBYSCORE on
// each pending sample's key at its score) and another polls PostgreSQL (one query for every pending
// sample by (exchange, symbol, ts)), and records when each sample first became visible.
// The latency is visible − sent; the poll period (5 ms Redis, 20 ms PostgreSQL) bounds its error.
import type Redis from "ioredis";
import { unpack } from "msgpackr";
import type { Sql } from "postgres";
import { Samples, type LatencySummary } from "./hist.ts";
import type { Sample } from "./ticks.ts";

const REDIS_EVERY_MS = 5;
const PG_EVERY_MS = 20;
const PER_ROUND = 2000;

export interface E2eSummary extends LatencySummary {
  /** confirmed samples never seen within the wait */
  missing: number;
}

/** µs since the epoch → an exact timestamptz literal (Date only carries ms). */
export function usToTimestamp(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // 2025-01-01T00:00:00.123Z
  return `${iso.slice(0, 23)}${String(us - ms * 1000).padStart(3, "0")}Z`;
}

export class Probe {
  private readonly redisPending = new Set<Sample>();
  private readonly pgPending = new Set<Sample>();
  private readonly confirmed = new Set<Sample>();
  private running = true;
  private loops: Promise<void>[] = [];
  errors: string[] = [];
  /** samples watched from now on belong to this step */
  step = 0;

  constructor(
    private readonly redis: Redis | null,
    private readonly sql: Sql | null,
    private readonly keyPrefix: string,
    private readonly table: string,
  ) {
    if (redis) this.loops.push(this.loop(REDIS_EVERY_MS, () => this.pollRedis()));
    if (sql) this.loops.push(this.loop(PG_EVERY_MS, () => this.pollPg()));
  }

  watch(samples: Sample[]): void {
    for (const s of samples) {
      s.step = this.step;
      if (this.redis) this.redisPending.add(s);
      if (this.sql) this.pgPending.add(s);
    }
  }
  confirm(samples: Sample[]): void {
    for (const s of samples) this.confirmed.add(s);
  }
  drop(samples: Sample[]): void {
    for (const s of samples) {
      this.redisPending.delete(s);
      this.pgPending.delete(s);
    }
  }

  private async loop(every: number, poll: () => Promise<void>) {
    while (this.running) {
      const t0 = performance.now();
      try {
        await poll();
      } catch (err) {
        if (this.errors.length < 10) this.errors.push(String((err as Error)?.message ?? err));
      }
      const rest = every - (performance.now() - t0);
      await Bun.sleep(rest > 0 ? rest : 1);
    }
  }

  private async pollRedis() {
    if (this.redisPending.size === 0) return;
    const batch = [...this.redisPending].slice(0, PER_ROUND);
    const p = this.redis!.pipeline();
    for (const s of batch) {
      const score = Math.floor(s.ts / 1000);
      p.zrangebyscoreBuffer(this.keyPrefix + s.zkey, score, score);
    }
    const replies = await p.exec();
    const now = performance.now();
    replies?.forEach(([err, members], i) => {
      if (err) return;
      const s = batch[i];
      for (const m of members as Buffer[]) {
        if (Number((unpack(m) as { ts: number }).ts) === s.ts) {
          s.redisAt = now;
          this.redisPending.delete(s);
          return;
        }
      }
    });
  }

  private async pollPg() {
    if (this.pgPending.size === 0) return;
    const batch = [...this.pgPending].slice(0, PER_ROUND);
    const sql = this.sql!;
    const rows = await sql`
      select s.i from unnest(${sql.array(batch.map((s) => s.exchange))}::text[], ${sql.array(batch.map((s) => s.symbol))}::text[],
                             ${sql.array(batch.map((s) => usToTimestamp(s.ts)))}::timestamptz[], ${sql.array(batch.map((_, i) => i))}::int[]) as s(ex, sym, ts, i)
      where exists (select 1 from ${sql(this.table)} t where t.exchange = s.ex and t.symbol = s.sym and t.ts = s.ts)`;
    const now = performance.now();
    for (const r of rows) {
      const s = batch[r.i as number];
      s.pgAt = now;
      this.pgPending.delete(s);
    }
  }

  /** Waits (bounded) until every confirmed sample was seen, then stops polling. */
  async finish(waitMs: number): Promise<void> {
    const deadline = performance.now() + waitMs;
    const outstanding = () => [...this.confirmed].some((s) => (this.redis && s.redisAt === undefined) || (this.sql && s.pgAt === undefined));
    while (outstanding() && performance.now() < deadline) await Bun.sleep(20);
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Over every confirmed sample, or those of one step. */
  summary(which: "redis" | "pg", step?: number): E2eSummary | null {
    if (which === "redis" ? !this.redis : !this.sql) return null;
    const lat = new Samples();
    let missing = 0;
    for (const s of this.confirmed) {
      if (step !== undefined && s.step !== step) continue;
      const at = which === "redis" ? s.redisAt : s.pgAt;
      if (at === undefined) missing++;
      else lat.add(at - s.sentAt);
    }
    return { ...lat.summary(), missing };
  }
}
