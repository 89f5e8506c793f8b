// ROLE=all: the sink in a worker thread behind comlink (src/sink/runner.ts "worker"), end to end.
import { expect, test } from "bun:test";
import { startSinkRunner } from "../../src/sink/runner.ts";
import { makeTicks, produceRecords } from "../../bench/lib/valid-records.ts";
import { memberCount, rowCount, testEnv, waitFor } from "../../bench/lib/sink-env.ts";
import { expectStored } from "./verify.ts";

test("sink worker thread: N records stored, stats/ready/metrics over comlink, clean stop", async () => {
  const e = await testEnv();
  const host = await startSinkRunner(e.config, "worker");
  try {
    const records = makeTicks(3000, { seed: 31 });
    await produceRecords({ brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid }, records);
    await waitFor("rows", async () => (await rowCount(e)) >= 3000 && (await memberCount(e)) >= 3000, 60_000);
    await waitFor("ready and committed", async () => (await host.ready()).ok && (await host.stats())!.lag.total === 0, 20_000);
    const s = (await host.stats())!;
    expect(s.written).toBe(3000);
    expect(s.pgInserted).toBe(3000);
    expect(await host.ready()).toEqual({ ok: true });
    expect(await host.metricsText()).toContain("tickgate_sink_written_total");
    await host.drain();
    await expectStored(e, records);
  } finally {
    await host.stop();
    await e.cleanup();
  }
}, 120_000);
