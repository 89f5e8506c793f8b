// Sink counters and histograms: a plain object for stats() (structured-clonable, so it crosses the
// comlink boundary as is) and Prometheus text for metricsText(). Updated once per batch, not per tick.
import type { FlushReason } from "./batcher.ts";

/** Fixed buckets, so two sink processes' histograms can be summed by Prometheus. */
const MS_BUCKETS = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const ROW_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000];

export interface Histogram {
  buckets: number[];
  counts: number[];
  sum: number;
  count: number;
}
const histogram = (buckets: number[]): Histogram => ({ buckets, counts: buckets.map(() => 0), sum: 0, count: 0 });
export function observe(h: Histogram, v: number) {
  h.sum += v;
  h.count++;
  for (let i = 0; i < h.buckets.length; i++) if (v <= h.buckets[i]) h.counts[i]++;
}

export type Target = "redis" | "pg" | "kafka";

export interface TargetState {
  up: boolean;
  /** Last error while down (cleared when a write or ping succeeds). */
  error: string | null;
  /** ms since the epoch when it went down; null while up. */
  downSince: number | null;
  failures: number;
}

export interface SinkStats {
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
  lastFlush: { reason: FlushReason; rows: number; waitedMs: number; redisMs: number; pgMs: number; totalMs: number; at: number } | null;
  /** Per partition: high watermark − committed offset (records not yet durably written). */
  lag: { total: number; byPartition: Record<number, number> };
  targets: Record<Target, TargetState>;
  histograms: { batchRows: Histogram; redisMs: Histogram; pgMs: Histogram; flushMs: Histogram };
}

export function newStats(group: string, topic: string): SinkStats {
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
    histograms: { batchRows: histogram(ROW_BUCKETS), redisMs: histogram(MS_BUCKETS), pgMs: histogram(MS_BUCKETS), flushMs: histogram(MS_BUCKETS) },
  };
}

/** Prometheus text exposition of one stats snapshot. */
export function metricsText(s: SinkStats): string {
  const out: string[] = [];
  const g = `group="${s.group}"`;
  const line = (name: string, type: string, help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) out.push(`${name}{${labels}} ${v}`);
  };
  const hist = (name: string, help: string, h: Histogram, labels: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    h.buckets.forEach((b, i) => out.push(`${name}_bucket{${labels},le="${b}"} ${h.counts[i]}`));
    out.push(`${name}_bucket{${labels},le="+Inf"} ${h.count}`, `${name}_sum{${labels}} ${h.sum}`, `${name}_count{${labels}} ${h.count}`);
  };
  line("tickgate_sink_consumed_total", "counter", "records consumed from ticks.valid", [[g, s.consumed]]);
  line("tickgate_sink_written_total", "counter", "ticks acknowledged by Redis and PostgreSQL", [[g, s.written]]);
  line("tickgate_sink_pg_inserted_total", "counter", "rows newly stored in PostgreSQL", [[g, s.pgInserted]]);
  line("tickgate_sink_redis_added_total", "counter", "ZSET members newly added", [[g, s.redisAdded]]);
  line("tickgate_sink_poison_total", "counter", "records sent to the DLQ", [[g, s.poison]]);
  line("tickgate_sink_flushes_total", "counter", "batches written, by flush reason", Object.entries(s.flushes).map(([r, n]) => [`${g},reason="${r}"`, n]));
  line("tickgate_sink_retries_total", "counter", "batch write attempts that failed and were retried", [[g, s.retries]]);
  line("tickgate_sink_commit_failures_total", "counter", "offset commits that failed (retried with the next batch)", [[g, s.commitFailures]]);
  line("tickgate_sink_buffered", "gauge", "records consumed and not yet written", [[g, s.buffered]]);
  line("tickgate_sink_consumer_lag", "gauge", "high watermark minus committed offset", Object.entries(s.lag.byPartition).map(([p, n]) => [`${g},partition="${p}"`, n]));
  line("tickgate_sink_target_up", "gauge", "1 when the target took the last write or ping", Object.entries(s.targets).map(([t, st]) => [`${g},target="${t}"`, st.up ? 1 : 0]));
  hist("tickgate_sink_batch_rows", "records per written batch", s.histograms.batchRows, g);
  hist("tickgate_sink_write_ms", "write latency per target (ms)", s.histograms.redisMs, `${g},target="redis"`);
  out.push(...histLines("tickgate_sink_write_ms", s.histograms.pgMs, `${g},target="pg"`));
  hist("tickgate_sink_flush_ms", "whole batch: both writes, retries, DLQ (ms)", s.histograms.flushMs, g);
  return out.join("\n") + "\n";
}

function histLines(name: string, h: Histogram, labels: string): string[] {
  const out = h.buckets.map((b, i) => `${name}_bucket{${labels},le="${b}"} ${h.counts[i]}`);
  out.push(`${name}_bucket{${labels},le="+Inf"} ${h.count}`, `${name}_sum{${labels}} ${h.sum}`, `${name}_count{${labels}} ${h.count}`);
  return out;
}
