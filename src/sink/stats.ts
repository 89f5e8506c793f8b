// What the sink counts and how it reports it. The consumer and the flushers update one SinkState in
// place, once per batch (never per tick); stats() copies it into a SinkStats, plain data that
// crosses the comlink boundary as is, and metricsText() renders it with src/metrics.ts.
import { Histogram, Registry, type HistogramSummary } from "../metrics.ts";
import type { FlushReason } from "./batcher.ts";
import type { Target } from "./sink-errors.ts";

export type { Target } from "./sink-errors.ts";

/** Records per batch. Fixed buckets, so two sink processes' histograms can be summed by Prometheus. */
const ROW_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000];

export interface TargetState {
  up: boolean;
  /** Last error while down (cleared when a write or ping succeeds). */
  error: string | null;
  /** ms since the epoch when it went down; null while up. */
  downSince: number | null;
  failures: number;
}

/** The sink's counters and states, updated in place; `histograms` are live (see SinkStats for the copy). */
export interface SinkState {
  role: "sink";
  group: string;
  topic: string;
  running: boolean;
  /** Consumer joined the group with an assignment. */
  joined: boolean;
  assigned: number[];
  consumed: number;
  /** Ticks both targets acknowledged (redeliveries included). */
  written: number;
  /** Rows PostgreSQL newly stored / Redis members newly added (redeliveries not counted). */
  pgInserted: number;
  redisAdded: number;
  poison: number;
  dlq: number;
  buffered: number;
  flushes: Record<FlushReason, number>;
  retries: number;
  commits: number;
  commitFailures: number;
  /** Records dropped from the buffer on rebalance (refetched from the committed offsets). */
  rebalanceDropped: number;
  pgPaths: { direct: number; staging: number; rows: number };
  /** The last batch written; its times in ms (a JSON field for people, unlike the histograms). */
  lastFlush: { reason: FlushReason; rows: number; waitedMs: number; redisMs: number; pgMs: number; totalMs: number; at: number } | null;
  /** Per partition: high watermark − committed offset (records not yet durably written). */
  lag: { total: number; byPartition: Record<number, number> };
  targets: Record<Target, TargetState>;
  histograms: SinkHistograms;
}

/** Observed with the labels they are exposed with ({group}, and {target} for the writes). */
export interface SinkHistograms {
  batchRows: Histogram;
  writeSeconds: Histogram;
  flushSeconds: Histogram;
}

/** stats(): the state as plain data; the histograms as summaries, in seconds (rows for batchRows). */
export interface SinkStats extends Omit<SinkState, "histograms"> {
  histograms: { batchRows: HistogramSummary; redisSeconds: HistogramSummary; pgSeconds: HistogramSummary; flushSeconds: HistogramSummary };
}

export function newSinkState(group: string, topic: string): SinkState {
  const target = (): TargetState => ({ up: true, error: null, downSince: null, failures: 0 });
  return {
    role: "sink",
    group,
    topic,
    running: false,
    joined: false,
    assigned: [],
    consumed: 0,
    written: 0,
    pgInserted: 0,
    redisAdded: 0,
    poison: 0,
    dlq: 0,
    buffered: 0,
    flushes: { size: 0, ready: 0, time: 0, drain: 0 },
    retries: 0,
    commits: 0,
    commitFailures: 0,
    rebalanceDropped: 0,
    pgPaths: { direct: 0, staging: 0, rows: 0 },
    lastFlush: null,
    lag: { total: 0, byPartition: {} },
    targets: { redis: target(), pg: target(), kafka: target() },
    histograms: {
      batchRows: new Histogram("tickgate_sink_batch_rows", "records per written batch", ROW_BUCKETS),
      writeSeconds: new Histogram("tickgate_sink_write_seconds", "write latency per target"),
      flushSeconds: new Histogram("tickgate_sink_flush_seconds", "whole batch: both writes, retries, DLQ"),
    },
  };
}

/** One written batch: its records, each target's write time (none when it held no tick to write) and the whole flush, in seconds. */
export function observeBatch(s: SinkState, rows: number, writes: { redis: number; pg: number } | null, flushSeconds: number): void {
  const g = { group: s.group };
  s.histograms.batchRows.observe(rows, g);
  if (writes) {
    s.histograms.writeSeconds.observe(writes.redis, { group: s.group, target: "redis" });
    s.histograms.writeSeconds.observe(writes.pg, { group: s.group, target: "pg" });
  }
  s.histograms.flushSeconds.observe(flushSeconds, g);
}

/** A copy of the state as plain data (structured-clonable). */
export function statsOf(s: SinkState): SinkStats {
  const { histograms: h, ...rest } = s;
  const g = { group: s.group };
  return {
    ...rest,
    histograms: {
      batchRows: h.batchRows.summary(g),
      redisSeconds: h.writeSeconds.summary({ group: s.group, target: "redis" }),
      pgSeconds: h.writeSeconds.summary({ group: s.group, target: "pg" }),
      flushSeconds: h.flushSeconds.summary(g),
    },
  };
}

/** Prometheus text exposition of the state. */
export function sinkMetricsText(s: SinkState): string {
  const r = new Registry();
  const g = { group: s.group };
  r.counter("tickgate_sink_consumed_total", "records consumed from ticks.valid").inc(g, s.consumed);
  r.counter("tickgate_sink_written_total", "ticks acknowledged by Redis and PostgreSQL").inc(g, s.written);
  r.counter("tickgate_sink_pg_inserted_total", "rows newly stored in PostgreSQL").inc(g, s.pgInserted);
  r.counter("tickgate_sink_redis_added_total", "ZSET members newly added").inc(g, s.redisAdded);
  r.counter("tickgate_sink_poison_total", "records sent to the DLQ").inc(g, s.poison);
  const flushes = r.counter("tickgate_sink_flushes_total", "batches written, by flush reason");
  for (const [reason, n] of Object.entries(s.flushes)) flushes.inc({ ...g, reason }, n);
  r.counter("tickgate_sink_retries_total", "batch write attempts that failed and were retried").inc(g, s.retries);
  r.counter("tickgate_sink_commit_failures_total", "offset commits that failed (retried with the next batch)").inc(g, s.commitFailures);
  r.gauge("tickgate_sink_buffered_records", "records consumed and not yet written").set(g, s.buffered);
  const lag = r.gauge("tickgate_sink_consumer_lag_records", "high watermark minus committed offset");
  for (const [partition, n] of Object.entries(s.lag.byPartition)) lag.set({ ...g, partition }, n);
  const up = r.gauge("tickgate_sink_target_up", "1 when the target took the last write or ping");
  for (const [target, st] of Object.entries(s.targets)) up.set({ ...g, target }, st.up ? 1 : 0);
  for (const h of Object.values(s.histograms)) r.histogram(h.name, h.help, h.buckets).merge(h.snapshot());
  return r.text();
}
