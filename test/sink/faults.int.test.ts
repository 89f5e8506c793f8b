// Fault tests on the real stack: Redis and PostgreSQL stopped mid-stream and restarted. The sink
// must pause, report not-ready, keep its batch and commit no offset past a tick the down target has
// not stored. That last property is asserted by its consequence: the sink is killed (-9) during
// the outage and a new one, started after it, resumes from the committed offsets — any tick an
// offset had moved past would never be stored, and the exact count at the end would be short.
// The outage is kept to a few seconds (other suites share the stack) and always ended in `finally`.
import { afterEach, describe, expect, test } from "bun:test";
import { startSink, type Sink } from "../../src/sink/index.ts";
import { kafkaFor, makeTicks, produceRecords } from "../../bench/lib/valid-records.ts";
import { memberCount, rowCount, spawnSinkCli, stack, testEnv, waitFor, type TestEnv } from "../../bench/lib/sink-env.ts";
import { expectStored } from "./verify.ts";

const N = 8_000;
const OUTAGE_MS = 3_000;

/** The group's committed offsets, summed over the partitions (−1 = none yet counts as 0). */
async function committedTotal(e: TestEnv): Promise<number> {
  const admin = kafkaFor(e.config.KAFKA_BROKERS).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: e.config.SINK_GROUP, topics: [e.topics.valid] });
    return t!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

async function outageMidStream(service: "redis" | "postgres", target: "redis" | "pg") {
  const e = await testEnv({ SINK_FLUSH_ROWS: "500", SINK_FLUSH_MS: "20", SINK_RETRY_MAX_MS: "400" });
  let sink: Sink | null = null;
  let crashed: ReturnType<typeof spawnSinkCli> | null = null;
  let resumed: ReturnType<typeof spawnSinkCli> | null = null;
  try {
    const records = makeTicks(N, { seed: service === "redis" ? 11 : 12 });
    // Two members of the group: the in-process one reports readiness; the process one is the one killed.
    sink = await startSink(e.config, { log: () => {}, healthIntervalMs: 300 });
    crashed = spawnSinkCli(e);
    await crashed.started();
    const opts = { brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid };
    await produceRecords(opts, records.slice(0, N / 2));
    await waitFor("first half written", async () => (await rowCount(e)) >= N / 4, 30_000);
    try {
      stack("stop", service);
      // The second half arrives while the target is down: it must be held, not committed.
      await produceRecords(opts, records.slice(N / 2));
      await waitFor(`${target} reported down`, () => !sink!.ready().ready && !sink!.ready()[target], 15_000);
      const atDown = await committedTotal(e);
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const s = sink.stats();
      expect(s.targets[target].up).toBe(false);
      expect(s.retries).toBeGreaterThan(0);
      expect(sink.ready().reasons.some((r) => r.startsWith(`${target}:`))).toBe(true);
      // Nothing the down target could not take was committed: the offsets stood still meanwhile,
      // below the N records produced.
      const atEnd = await committedTotal(e);
      expect(atEnd).toBe(atDown);
      expect(atEnd).toBeLessThan(N);
      crashed.proc.kill(9);
      await crashed.proc.exited;
    } finally {
      stack("start", service);
    }
    // A fresh process takes the killed one's partitions (after the session timeout) from the committed offsets.
    resumed = spawnSinkCli(e);
    await resumed.started();
    await waitFor("everything written after restart", async () => (await rowCount(e)) >= N && (await memberCount(e)) >= N, 90_000);
    await waitFor("lag 0", () => sink!.stats().lag.total === 0, 30_000);
    await waitFor("ready again", () => sink!.ready().ready, 15_000);
    await waitFor("all committed", async () => (await committedTotal(e)) === N, 30_000);
    await expectStored(e, records);
  } finally {
    crashed?.proc.kill(9);
    await resumed?.stop();
    await sink?.stop();
    await e.cleanup();
  }
}

describe("sink faults", () => {
  test("Redis stopped mid-stream, a sink killed meanwhile, Redis restarted → still exactly N and N", () => outageMidStream("redis", "redis"), 180_000);
  test("PostgreSQL stopped mid-stream, a sink killed meanwhile, PostgreSQL restarted → still exactly N and N", () => outageMidStream("postgres", "pg"), 180_000);
});
