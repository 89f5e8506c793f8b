// The sink's stats and metrics: stats() is plain data (it crosses comlink by structured clone), and
// metricsText() follows the Prometheus conventions of src/metrics.ts (seconds, `_total`, one renderer).
import { describe, expect, test } from "bun:test";
import { newSinkState, observeBatch, sinkMetricsText, statsOf } from "../../src/sink/stats.ts";

describe("sink stats", () => {
  test("stats survive a structured clone, histograms as summaries in seconds", () => {
    const s = newSinkState("g1", "ticks.valid");
    s.written = 10;
    observeBatch(s, 10, { redis: 0.004, pg: 0.02 }, 0.03);
    observeBatch(s, 5, null, 0.001);
    const stats = statsOf(s);
    expect(structuredClone(stats)).toEqual(stats);
    expect(stats.written).toBe(10);
    expect(stats.histograms.batchRows).toMatchObject({ count: 2, sum: 15 });
    expect(stats.histograms.redisSeconds).toMatchObject({ count: 1, sum: 0.004 });
    expect(stats.histograms.pgSeconds).toMatchObject({ count: 1, sum: 0.02 });
    expect(stats.histograms.flushSeconds.count).toBe(2);
    expect(stats.histograms.flushSeconds.buckets.at(-1)).toBe(10); // seconds, not ms
  });

  test("metricsText: counters end in _total, times in seconds, one line per series", () => {
    const s = newSinkState("g1", "ticks.valid");
    s.consumed = 3;
    s.lag = { total: 2, byPartition: { 0: 2 } };
    observeBatch(s, 3, { redis: 0.004, pg: 0.02 }, 0.03);
    const text = sinkMetricsText(s);
    expect(text).toContain('tickgate_sink_consumed_total{group="g1"} 3\n');
    expect(text).toContain('tickgate_sink_consumer_lag_records{group="g1",partition="0"} 2\n');
    expect(text).toContain('tickgate_sink_write_seconds_bucket{group="g1",target="pg",le="0.025"} 1\n');
    expect(text).toContain('tickgate_sink_write_seconds_sum{group="g1",target="redis"} 0.004\n');
    expect(text).toContain('tickgate_sink_flush_seconds_count{group="g1"} 1\n');
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      if (type === "counter") expect(name).toEndWith("_total");
      expect(name).not.toMatch(/_ms$/);
    }
  });
});
