// Fault tests on the real stack: Redis and PostgreSQL stopped mid-stream and restarted. The sink
// must pause, report not-ready, keep its batch, resume, and end with exactly N rows and N members.
// The outage is kept to a few seconds (other suites share the stack) and always ended in `finally`.
import { afterEach, describe, expect, test } from "bun:test";
import { startSink, type Sink } from "../../src/sink/index.ts";
import { makeTicks, produceRecords } from "./produce.ts";
import { memberCount, rowCount, stack, testEnv, waitFor, type TestEnv } from "./harness.ts";
import { expectStored } from "./verify.ts";

const N = 8_000;
const OUTAGE_MS = 3_000;

async function outageMidStream(service: "redis" | "postgres", target: "redis" | "pg") {
  const e = await testEnv({ SINK_FLUSH_ROWS: "500", SINK_FLUSH_MS: "20", SINK_RETRY_MAX_MS: "400" });
  let sink: Sink | null = null;
  try {
    const records = makeTicks(N, { seed: service === "redis" ? 11 : 12 });
    sink = await startSink(e.config, { log: () => {}, healthIntervalMs: 300 });
    const opts = { brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid };
    await produceRecords(opts, records.slice(0, N / 2));
    await waitFor("first half written", async () => (await rowCount(e)) >= N / 4, 30_000);
    let sawDown = false;
    let committedDuring = -1;
    try {
      stack("stop", service);
      // The second half arrives while the target is down: it must be held, not committed.
      await produceRecords(opts, records.slice(N / 2));
      await waitFor(`${target} reported down`, () => !sink!.ready().ready && !sink!.ready()[target], 15_000);
      sawDown = true;
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const s = sink.stats();
      committedDuring = s.lag.total;
      expect(s.targets[target].up).toBe(false);
      expect(s.retries).toBeGreaterThan(0);
      expect(sink.ready().reasons.some((r) => r.startsWith(`${target}:`))).toBe(true);
      // Ticks are waiting (consumed or fetchable) and no offset moved past them while the target was down.
      expect(s.written).toBeLessThan(N);
      expect(committedDuring).toBeGreaterThan(0);
    } finally {
      stack("start", service);
    }
    expect(sawDown).toBe(true);
    await waitFor("everything written after restart", async () => (await rowCount(e)) >= N && (await memberCount(e)) >= N, 60_000);
    await waitFor("lag 0", () => sink!.stats().lag.total === 0, 30_000);
    await waitFor("ready again", () => sink!.ready().ready, 15_000);
    await expectStored(e, records);
  } finally {
    await sink?.stop();
    await e.cleanup();
  }
}

describe("sink faults", () => {
  test("Redis stopped mid-stream and restarted → still exactly N and N", () => outageMidStream("redis", "redis"), 120_000);
  test("PostgreSQL stopped mid-stream and restarted → still exactly N and N", () => outageMidStream("postgres", "pg"), 120_000);
});
