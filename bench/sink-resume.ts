// How long after PostgreSQL comes back the sink writes again, for SINK_CONCURRENCY 1 and 2: a
// steady stream of records into Kafka, PostgreSQL stopped for 3 s and started, three rounds each.
// It stops and starts the local stack's PostgreSQL (scripts/stack.sh): run it on a stack nothing
// else uses at the moment.
//
//   bun bench/sink-resume.ts            (the stack must be up: bash scripts/stack.sh up)
import { startSink } from "../src/sink/index.ts";
import { rowCount, stack, testEnv } from "./lib/sink-env.ts";
import { makeTicks, produceRecords } from "./lib/valid-records.ts";

const ROUNDS = 3;
const OUTAGE_MS = 3000;

async function resumeTimes(concurrency: number): Promise<string[]> {
  const e = await testEnv({ SINK_CONCURRENCY: String(concurrency), SINK_RETRY_MAX_MS: "2000", LOG_LEVEL: "warn" });
  const sink = await startSink(e.config, { log: () => {} });
  const opts = { brokers: e.config.KAFKA_BROKERS, topic: e.topics.valid, chunk: 500 };
  let producing = true;
  let k = 0;
  const stream = (async () => {
    while (producing) {
      await produceRecords(opts, makeTicks(2000, { seed: k++, startTs: (Date.now() - 30_000) * 1000 + k * 10_000 }));
      await Bun.sleep(100);
    }
  })();
  const times: string[] = [];
  try {
    await Bun.sleep(3000);
    for (let round = 0; round < ROUNDS; round++) {
      stack("stop", "postgres");
      try {
        await Bun.sleep(OUTAGE_MS);
      } finally {
        stack("start", "postgres");
      }
      const t0 = Date.now();
      const before = await rowCount(e);
      while ((await rowCount(e)) <= before || !sink.stats().targets.pg.up) await Bun.sleep(50);
      const writing = Date.now() - t0;
      // Caught up: the records not yet committed are back to what a steady stream keeps in flight.
      while (sink.stats().lag.total > 3000) await Bun.sleep(50);
      times.push(`${writing}/${Date.now() - t0}`);
      await Bun.sleep(2000);
    }
  } finally {
    producing = false;
    await stream;
    await sink.stop();
    await e.cleanup();
  }
  return times;
}

for (const c of (process.env.RESUME_C ?? "1,2").split(",").map(Number)) console.log(`SINK_CONCURRENCY=${c}: writing again / caught up ${(await resumeTimes(c)).join(", ")} ms after PostgreSQL started`);
process.exit(0);
