// One system under test from start to stop: start it (or use --url), open the stores, run one or
// more measured steps against it with the same tick sources, then the loss account and the
// end-to-end latencies over all steps, stop it and remove the run's data.
import { availableParallelism } from "node:os";
import Redis from "ioredis";
import postgres, { type Sql } from "postgres";
import type { Kafka } from "kafkajs";
import { loadConfig } from "../../src/config.ts";
import { createKafka } from "../../src/kafka/client.ts";
import { account, cleanup, type Account, type Stores } from "./account.ts";
import { drive } from "./clients.ts";
import { cpuMeter, type CpuUse } from "./cpu.ts";
import { round, type LatencySummary } from "./hist.ts";
import { breakdown, scrape, type ServerBreakdown } from "./metrics.ts";
import type { Options } from "./options.ts";
import { Probe, type E2eSummary } from "./probe.ts";
import { endNote, note, progress } from "./progress.ts";
import { Schedule, type Profile } from "./rate.ts";
import { Recorder, type Second, type Totals } from "./recorder.ts";
import { externalSut, startSut, type Sut } from "./target.ts";
import { exchangesOf, runId, TickSource } from "./ticks.ts";

export interface StepResult {
  label: string;
  /** the ?ack= of the step's requests */
  ackLevel: "kafka" | "stored";
  /** ticks per request / frame */
  batch: number;
  /** a warm-up step: in the loss account, not in the figures */
  warmup: boolean;
  profile: string;
  durationS: number;
  /** ticks/s the profile asked for (0 = as fast as possible) */
  targetRate: number;
  /** ticks/s actually sent */
  offered: number;
  /** ticks/s answered 200 (accepted + rejected), over the span from the first send to the last answer */
  achieved: number;
  /** performance.now() of the step's first send */
  firstSendAt: number;
  /**
   * ticks/s stored (S): the step's accepted ticks over its first send → the last of them in Redis and
   * PostgreSQL. Known for the session's last step (the sink's catch-up after it is its own); null otherwise.
   */
  stored: number | null;
  ack: LatencySummary;
  ackMean: number | null;
  totals: Totals;
  cpu: CpuUse;
  /** POST → visible latencies of this step's samples (filled in when the session closes) */
  e2e: { redis: E2eSummary | null; pg: E2eSummary | null } | null;
  /** the server's own timings over the step (tickgate /metrics), null for the baseline */
  server: ServerBreakdown | null;
  timeline: Second[];
}

export interface RunResult {
  target: string;
  runId: string;
  prefix: string | null;
  url: string;
  env: Record<string, string>;
  mode: string;
  format: string;
  batch: number;
  connections: number;
  steps: StepResult[];
  warmup: { durationS: number; sent: number; achieved: number; ack: LatencySummary }[];
  account: Account;
  e2e: { redis: E2eSummary | null; pg: E2eSummary | null; samples: number; probeErrors: string[] };
  /** accepted ticks of the measured steps / (their first send → every accepted tick stored), when a sink is part of the run */
  endToEndTicksPerS: number | null;
}

export interface Session {
  opts: Options;
  sut: Sut;
  id: string;
  sources: TickSource[];
  exchanges: string[];
  stores: Stores;
  probe: Probe | null;
  steps: StepResult[];
  firstSend: number;
  lastAnswer: number;
  kafka: Kafka;
  redis: Redis | null;
  sql: Sql | null;
}

// The table of a server given with --url; a server the load tool starts gets a table of its own.
const URL_TABLE = process.env.SINK_TABLE || "ticks";
const KEY_PREFIX = process.env.REDIS_KEY_PREFIX || "";

export async function openSession(opts: Options, kind: "tickgate" | "baseline", workers: number | null = opts.workers): Promise<Session> {
  const id = runId();
  const config = loadConfig({ ...process.env, LOG_LEVEL: "error" });
  let sut: Sut;
  if (opts.url) sut = externalSut(opts.url, opts.prefix, opts.role === "all");
  else {
    note(opts.progress, `starting ${kind}${workers ? ` WORKERS=${workers}` : ""} …`);
    // A table per run (SINK_TABLE, created by the sink at start, dropped after counting): the run's
    // rows never bloat the shared `ticks` table, and removing them costs a DROP, not a DELETE + vacuum.
    const env = { SINK_TABLE: `load_${id}`, ...opts.env };
    sut = await startSut({ kind, prefix: `load.${id}`, role: opts.role, workers, profileDir: opts.profile ? `${opts.out}/prof-${id}` : null, env });
    endNote(opts.progress);
  }
  const sources: TickSource[] = [];
  const exchanges: string[] = [];
  const perConn = Math.max(1, Math.round(opts.symbols / opts.connections));
  for (let c = 0; c < opts.connections; c++) {
    const ex = exchangesOf(id, c);
    exchanges.push(...ex);
    sources.push(new TickSource(ex, perConn, opts.seed * 1000 + c, opts.bad, opts.sample));
  }
  const kafka = createKafka({ ...config, LOG_LEVEL: "error" }, "-load");
  const redis = sut.sink ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false }) : null;
  redis?.on("error", () => {});
  const sql = sut.sink ? postgres(config.DATABASE_URL, { max: 2, onnotice: () => {} }) : null;
  const table = sut.env.SINK_TABLE ?? URL_TABLE;
  const ownTable = sut.kind === "tickgate" && table === `load_${id}`;
  const stores: Stores = { kafka, prefix: sut.prefix, redis, sql, keyPrefix: KEY_PREFIX, table, ownTable, runId: id, exchanges };
  const probe = sut.sink ? new Probe(redis, sql, KEY_PREFIX, table) : null;
  return { opts, sut, id, sources, exchanges, stores, probe, steps: [], firstSend: Infinity, lastAnswer: 0, kafka, redis, sql };
}

export async function runStep(s: Session, label: string, profile: Profile, durationS: number, targetRate: number, warmup = false, ack = s.opts.ack, batch = s.opts.batch): Promise<StepResult> {
  const o = s.opts;
  const start = performance.now() + 5;
  const recorder = new Recorder(start);
  const schedule = new Schedule(profile, batch, start, durationS);
  const before = s.sut.kind === "baseline" ? null : await scrape(s.sut.url);
  if (s.probe) s.probe.step = s.steps.length;
  const cpu = cpuMeter(s.sut.pid, s.sut.kind === "tickgate" ? Number(s.sut.env.WORKERS || availableParallelism()) : 0);
  const stopBar = progress(o.progress, label, durationS, (now) => recorder.lastSecond(now));
  try {
    await drive({
      url: s.sut.url, mode: o.mode, format: o.format, sources: s.sources, schedule, recorder, probe: warmup ? null : s.probe,
      window: o.window, timeoutMs: 60_000, ack,
    });
  } finally {
    stopBar();
  }
  const cpuUse = cpu();
  const span = (recorder.lastAnswer - start) / 1000;
  const t = recorder.totals;
  // The sink lags the acks: give it a moment so its flush counters cover this step's ticks.
  if (before && s.sut.sink) await Bun.sleep(500);
  const after = before ? await scrape(s.sut.url) : null;
  if (!warmup) s.firstSend = Math.min(s.firstSend, recorder.firstSend);
  s.lastAnswer = Math.max(s.lastAnswer, recorder.lastAnswer);
  const step: StepResult = {
    label,
    ackLevel: ack,
    batch,
    warmup,
    profile: profile.describe,
    durationS,
    targetRate,
    offered: Math.round(t.sent / durationS),
    achieved: span > 0 ? Math.round((t.accepted + t.rejected) / Math.max(span, durationS)) : 0,
    firstSendAt: recorder.firstSend,
    stored: null,
    ack: recorder.ack(),
    ackMean: round(recorder.latency.mean()),
    totals: t,
    cpu: cpuUse,
    e2e: null,
    server: breakdown(before, after, t.accepted + t.rejected),
    timeline: recorder.timeline(),
  };
  s.steps.push(step);
  return step;
}

function sumTotals(steps: StepResult[]): Totals {
  const z: Totals = { requests: 0, sent: 0, accepted: 0, rejected: 0, flagged: 0, refused: 0, failed: 0, generatedBad: 0, statuses: {}, errors: [] };
  for (const { totals: t } of steps) {
    for (const k of ["requests", "sent", "accepted", "rejected", "flagged", "refused", "failed", "generatedBad"] as const) z[k] += t[k];
    for (const [st, n] of Object.entries(t.statuses)) z.statuses[st] = (z.statuses[st] ?? 0) + n;
    z.errors.push(...t.errors.slice(0, 20 - z.errors.length));
  }
  return z;
}

export async function closeSession(s: Session): Promise<RunResult> {
  const o = s.opts;
  const totals = sumTotals(s.steps);
  try {
    if (s.sut.sink) note(o.progress, "waiting for the sink to store every accepted tick …");
    const acc = await account(totals, s.stores, o.e2eWait * 1000, (r, p) =>
      note(o.progress, `waiting for the sink: Redis ${r ?? "-"} / PostgreSQL ${p ?? "-"} of ${totals.accepted} accepted`),
    );
    if (s.sut.sink) endNote(o.progress);
    await s.probe?.finish(acc.balanced ? 2000 : 0);
    s.steps.forEach((st, i) => {
      if (s.probe && !st.warmup) st.e2e = { redis: s.probe.summary("redis", i), pg: s.probe.summary("pg", i) };
    });
    const measuredAccepted = s.steps.reduce((n, st) => n + (st.warmup ? 0 : st.totals.accepted), 0);
    const sinkDone = acc.sinkCatchUpMs !== null ? s.lastAnswer + acc.sinkCatchUpMs : null;
    const last = s.steps[s.steps.length - 1];
    if (last && !last.warmup && s.sut.sink && sinkDone !== null && acc.balanced) {
      last.stored = Math.round(last.totals.accepted / ((sinkDone - last.firstSendAt) / 1000));
    }
    return {
      target: s.sut.kind,
      runId: s.id,
      prefix: s.sut.prefix,
      url: s.sut.url,
      env: s.sut.env,
      mode: o.mode,
      format: o.format,
      batch: o.batch,
      connections: o.connections,
      steps: s.steps.filter((st) => !st.warmup),
      warmup: s.steps.filter((st) => st.warmup).map((st) => ({ durationS: st.durationS, sent: st.totals.sent, achieved: st.achieved, ack: st.ack })),
      account: acc,
      e2e: {
        redis: s.probe?.summary("redis") ?? null,
        pg: s.probe?.summary("pg") ?? null,
        samples: s.probe ? (s.probe.summary("redis") ?? s.probe.summary("pg"))!.n : 0,
        probeErrors: s.probe?.errors ?? [],
      },
      endToEndTicksPerS: s.sut.sink && sinkDone !== null && acc.balanced ? Math.round(measuredAccepted / ((sinkDone - s.firstSend) / 1000)) : null,
    };
  } finally {
    await s.probe?.finish(0);
    const code = await s.sut.stop();
    if (code !== null && code !== 0) console.error(`load: ${s.sut.kind} exited with ${code}:\n${s.sut.output().slice(-3000)}`);
    if (!o.keep && !o.url) await cleanup(s.stores).catch((e) => console.error(`load: cleanup failed: ${e}`));
    s.redis?.disconnect();
    await s.sql?.end({ timeout: 2 });
  }
}
