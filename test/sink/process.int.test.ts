// The sink as separate processes (`bun src/sink/cli.ts`): kill -9 mid-batch and restart, and two
// processes sharing one consumer group. Both must end with exactly N rows and N members.
import { describe, expect, test } from "bun:test";
import { makeTicks, produceRecords } from "../../bench/lib/valid-records.ts";
import { memberCount, rowCount, spawnSinkCli, testEnv, waitFor } from "../../bench/lib/sink-env.ts";
import { expectStored } from "./verify.ts";

const N = 20_000;

describe("sink processes", () => {
  test("kill -9 mid-batch, restart → still exactly N and N", async () => {
    // Small batches and a slow-ish flush so the kill lands between a write and its commit often.
    const e = await testEnv({ SINK_FLUSH_ROWS: "300", SINK_FLUSH_MS: "10" });
    let a = spawnSinkCli(e);
    try {
      await a.started();
      const records = makeTicks(N, { seed: 21 });
      const producing = produceRecords({ brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid, chunk: 500 }, records);
      await waitFor("some rows", async () => (await rowCount(e)) >= N / 5, 60_000, 20);
      a.proc.kill(9);
      await a.proc.exited;
      const atKill = await rowCount(e);
      expect(atKill).toBeLessThan(N); // really mid-stream
      await producing;
      a = spawnSinkCli(e);
      await a.started();
      await waitFor("all rows after restart", async () => (await rowCount(e)) >= N && (await memberCount(e)) >= N, 90_000);
      const stats = await a.stop();
      expect(stats.lag.total).toBe(0);
      // The restarted sink saw the uncommitted tail again: redelivered ticks were not stored twice.
      expect(stats.consumed).toBeGreaterThanOrEqual(stats.pgInserted);
      await expectStored(e, records);
    } finally {
      a.proc.kill(9);
      await e.cleanup();
    }
  }, 180_000);

  test("two sink processes in one group share the partitions, no doubles", async () => {
    const e = await testEnv({ SINK_FLUSH_ROWS: "1000", SINK_FLUSH_MS: "20" });
    const a = spawnSinkCli(e);
    const b = spawnSinkCli(e);
    try {
      await Promise.all([a.started(), b.started()]);
      // Both joined before the data arrives, so the split is by partition, not by who came first.
      await new Promise((r) => setTimeout(r, 3000));
      const records = makeTicks(N, { seed: 22, keys: Array.from({ length: 16 }, (_, i) => `ex${i % 3}:S${i}-USD`) });
      await produceRecords({ brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid }, records);
      await waitFor("all rows", async () => (await rowCount(e)) >= N && (await memberCount(e)) >= N, 90_000);
      await new Promise((r) => setTimeout(r, 500));
      // The assignment while both ran, from each one's last join (when one leaves at stop, the
      // other is given everything, so the stats at exit would not show the split).
      const assigned = (out: string[]) => {
        const line = out.filter((l) => l.includes("joined group")).at(-1) ?? "";
        return JSON.parse(/partitions (\[[\d,]*\])/.exec(line)?.[1] ?? "[]") as number[];
      };
      const [pa, pb] = [assigned(a.out), assigned(b.out)];
      const [sa, sb] = await Promise.all([a.stop(), b.stop()]);
      expect(pa.length).toBeGreaterThan(0);
      expect(pb.length).toBeGreaterThan(0);
      expect(pa.filter((p) => pb.includes(p))).toEqual([]);
      expect([...pa, ...pb].sort()).toEqual([0, 1, 2, 3]);
      expect(sa.consumed).toBeGreaterThan(0);
      expect(sb.consumed).toBeGreaterThan(0);
      // Each tick stored by exactly one of them.
      expect(sa.pgInserted + sb.pgInserted).toBe(N);
      expect(sa.redisAdded + sb.redisAdded).toBe(N);
      await expectStored(e, records);
    } finally {
      a.proc.kill(9);
      b.proc.kill(9);
      await e.cleanup();
    }
  }, 180_000);
});
