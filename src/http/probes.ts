// /readyz: is every part this process depends on reachable right now? The parts are probed in the
// background about once a second (each probe bounded), and /readyz answers the latest report at
// once: an orchestrator's probe (often a 1 s timeout) gets a 503 during an outage, not a timeout,
// and a scrape storm cannot hammer the servers. The report says how old it is (`ageMs`, < ~2.5 s).
import type { Admin } from "kafkajs";
import Redis from "ioredis";
import postgres from "postgres";
import type { Config } from "../config.ts";
import { createKafka } from "../kafka/client.ts";
import type { ValidatorPool } from "../ingest/pool.ts";
import { log } from "../log.ts";
import { TimedOut, withTimeout } from "../timeout.ts";

/**
 * One part's readiness. `state` is a fixed word (never an error's text: /readyz is unauthenticated,
 * and internal messages may carry hosts or credentials); the text goes to the log when a part fails.
 */
export interface ProbeResult {
  ok: boolean;
  state?: string;
  /** Per validator worker, in the `workers` check. */
  workers?: unknown[];
}
export interface Readiness {
  ready: boolean;
  /** ms since the probes of this report finished */
  ageMs?: number;
  checks: Record<string, ProbeResult>;
}
export interface Probes {
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

const TIMEOUT_MS = 1500;

async function probe(p: Promise<unknown>): Promise<ProbeResult & { error?: string }> {
  try {
    await withTimeout(TIMEOUT_MS, p, "probe");
    return { ok: true };
  } catch (err) {
    return { ok: false, state: err instanceof TimedOut ? "timeout" : "unreachable", error: String((err as Error)?.message ?? err) };
  }
}

export interface ProbedParts {
  pool: ValidatorPool | null;
  sinkReady?: () => Promise<ProbeResult & { error?: string }>;
  /** True once the process is shutting down: not ready any more, whatever the parts say. */
  stopping?: () => boolean;
}

export function createProbes(config: Config, parts: ProbedParts): Probes {
  // Redis and PostgreSQL matter to a process that runs a sink; Kafka to every role.
  const usesStores = config.ROLE !== "ingest";
  const redis = usesStores
    ? new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 200, 2000) })
    : null;
  redis?.on("error", () => {}); // reported by the probe, not as an unhandled event
  const sql = usesStores ? postgres(config.DATABASE_URL, { max: 1, idle_timeout: 30, connect_timeout: 2, onnotice: () => {} }) : null;
  // One admin client, connected once: concurrent probes during an outage share the same attempt.
  let admin: Promise<Admin> | null = null;
  let latest: { at: number; report: Readiness } | null = null;
  let first: Promise<Readiness> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const REFRESH_MS = 1000;

  /** Probes, keeps the report, and schedules the next round; never rejects. */
  async function refresh(): Promise<Readiness> {
    let report: Readiness;
    try {
      report = await check();
    } catch (e) {
      log.error("readiness probes failed", { error: String((e as Error)?.stack ?? e) });
      report = { ready: false, checks: { probes: { ok: false, state: "failed" } } };
    }
    latest = { at: performance.now(), report };
    if (!closed) {
      timer = setTimeout(() => void refresh(), REFRESH_MS);
      timer.unref?.();
    }
    return report;
  }

  async function kafkaProbe(): Promise<void> {
    if (!admin) {
      const a = createKafka(config, "-readyz").admin();
      admin = a.connect().then(() => a);
      admin.catch(() => a.disconnect().catch(() => {}));
    }
    const current = admin;
    try {
      await (await current).describeCluster();
    } catch (err) {
      if (admin === current) admin = null; // the next probe starts a fresh client
      current.then((a) => a.disconnect()).catch(() => {});
      throw err;
    }
  }

  // The last ok of each part: a part that fails is logged once, with its error, until it is back.
  const wasOk = new Map<string, boolean>();
  const note = (part: string, r: ProbeResult & { error?: string }): ProbeResult => {
    const { error, ...shown } = r;
    if (wasOk.get(part) !== r.ok) {
      if (!r.ok) log.warn("readiness: a part is not ready", { part, state: r.state, error });
      else if (wasOk.has(part)) log.info("readiness: a part is ready again", { part });
      wasOk.set(part, r.ok);
    }
    return shown;
  };

  async function check(): Promise<Readiness> {
    const checks: Record<string, ProbeResult> = {};
    const jobs: Promise<void>[] = [probe(kafkaProbe()).then((r) => void (checks.kafka = note("kafka", r)))];
    if (redis) {
      jobs.push(
        probe((redis.status === "wait" || redis.status === "end" ? redis.connect() : Promise.resolve()).then(() => redis.ping())).then(
          (r) => void (checks.redis = note("redis", r)),
        ),
      );
    }
    if (sql) jobs.push(probe(sql`select 1`).then((r) => void (checks.postgres = note("postgres", r))));
    if (parts.sinkReady) {
      // The sink runner (src/sink/runner.ts) bounds its own call into the sink thread: a stuck sink rejects with TimedOut.
      jobs.push(
        parts.sinkReady().then(
          (r) => void (checks.sink = note("sink", r)),
          (e) => void (checks.sink = note("sink", { ok: false, state: e instanceof TimedOut ? "timeout" : "unavailable", error: String(e?.message ?? e) })),
        ),
      );
    }
    await Promise.all(jobs);
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  /** Each validator worker's own producer state, from shared memory: read at every answer (it costs nothing). */
  function workersCheck(pool: ValidatorPool): ProbeResult {
    const workers = pool.workerStates().map(({ worker, alive, kafka, responsive }) => ({ worker, alive, kafka, responsive }));
    const ok = workers.length === pool.size && workers.every((w) => w.alive && w.responsive && w.kafka === "up");
    const state = workers.some((w) => !w.alive) ? "restarting" : workers.some((w) => !w.responsive) ? "stalled" : "kafka unavailable";
    return note("workers", { ok, ...(ok ? {} : { state }), workers });
  }

  /** The background report with what is known now: the workers, and whether the process is stopping. */
  function current(r: Readiness, ageMs: number): Readiness {
    const checks = { ...r.checks };
    if (parts.pool) checks.workers = workersCheck(parts.pool);
    if (parts.stopping?.()) checks.process = { ok: false, state: "shutting down" };
    return { ready: Object.values(checks).every((c) => c.ok), ageMs, checks };
  }

  return {
    async readiness() {
      if (!latest) return current(await (first ??= refresh()), 0);
      return current(latest.report, Math.round(performance.now() - latest.at));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      redis?.disconnect();
      await sql?.end({ timeout: 1 }).catch(() => {});
      await admin?.then((a) => a.disconnect()).catch(() => {});
    },
  };
}
