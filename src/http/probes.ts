// /readyz: is every part this process depends on reachable right now? Each probe has a timeout;
// the report is cached for a second so a scrape storm cannot hammer the servers.
import type { Admin } from "kafkajs";
import Redis from "ioredis";
import postgres from "postgres";
import type { Config } from "../config.ts";
import { createKafka } from "../kafka/client.ts";
import { within } from "../within.ts";
import type { ValidatorPool } from "../ingest/pool.ts";

export interface ProbeResult {
  ok: boolean;
  detail?: string;
}
export interface Readiness {
  ready: boolean;
  checks: Record<string, ProbeResult>;
}
export interface Probes {
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

const TIMEOUT_MS = 1500;

async function probe(what: string, p: Promise<unknown>): Promise<ProbeResult> {
  try {
    await within(TIMEOUT_MS, p, what);
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: String((err as Error)?.message ?? err) };
  }
}

export function createProbes(config: Config, parts: { pool: ValidatorPool | null; sinkReady?: () => Promise<ProbeResult> }): Probes {
  // Redis and PostgreSQL matter to a process that runs a sink; Kafka to every role.
  const usesStores = config.ROLE !== "ingest";
  const redis = usesStores
    ? new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 200, 2000) })
    : null;
  redis?.on("error", () => {}); // reported by the probe, not as an unhandled event
  const sql = usesStores ? postgres(config.DATABASE_URL, { max: 1, idle_timeout: 30, connect_timeout: 2, onnotice: () => {} }) : null;
  // One admin client, connected once: concurrent probes during an outage share the same attempt.
  let admin: Promise<Admin> | null = null;
  let cached: { at: number; report: Promise<Readiness> } | null = null;

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

  async function check(): Promise<Readiness> {
    const checks: Record<string, ProbeResult> = {};
    const jobs: Promise<void>[] = [probe("kafka", kafkaProbe()).then((r) => void (checks.kafka = r))];
    if (redis) {
      jobs.push(
        probe("redis", (redis.status === "wait" || redis.status === "end" ? redis.connect() : Promise.resolve()).then(() => redis.ping())).then(
          (r) => void (checks.redis = r),
        ),
      );
    }
    if (sql) jobs.push(probe("postgres", sql`select 1`).then((r) => void (checks.postgres = r)));
    if (parts.sinkReady) jobs.push(parts.sinkReady().then((r) => void (checks.sink = r), (e) => void (checks.sink = { ok: false, detail: String(e) })));
    await Promise.all(jobs);
    if (parts.pool) {
      checks.workers = parts.pool.alive() ? { ok: true } : { ok: false, detail: "a validator worker is restarting" };
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  return {
    readiness() {
      if (!cached || performance.now() - cached.at > 1000) cached = { at: performance.now(), report: check() };
      return cached.report;
    },
    async close() {
      redis?.disconnect();
      await sql?.end({ timeout: 1 }).catch(() => {});
      await admin?.then((a) => a.disconnect()).catch(() => {});
    },
  };
}
