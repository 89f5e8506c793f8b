// Stage: kafkajs sendBatch of pre-encoded tick records to the local broker (acks=all, idempotent),
// per record, by compression. Needs Kafka (scripts/stack.sh up); says so and skips when absent.
//   bun bench/kafka.bench.ts
import { bench, group } from "mitata";
import { loadConfig, type Compression } from "../src/config.ts";
import { createKafka } from "../src/kafka/client.ts";
import { compressionType } from "../src/kafka/codecs.ts";
import { cachedKeyPartitioner } from "../src/kafka/partitioner.ts";
import { ensureTopics } from "../src/kafka/topics.ts";
import { encodeValid } from "../src/kafka/encode.ts";
import { routingKeyOf } from "../src/tick.ts";
import { loadChecksConfig, Validator } from "../src/checks/index.ts";
import { tickStream } from "./lib/tick-gen.ts";
import { runStage, type StageResult } from "./lib/report.ts";

// The validator workers send what collected while the previous send was in flight: 500 at a
// moderate rate, a few thousand under load.
const BATCHES = [500, 2000];

export async function main(): Promise<StageResult> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: "error" });
  const kafka = createKafka(config, "-bench");
  const topic = `bench.kafka.${Date.now().toString(36)}`;
  try {
    await Promise.race([ensureTopics(kafka, [topic], 2), Bun.sleep(8000).then(() => Promise.reject(new Error("no answer in 8 s")))]);
  } catch (err) {
    const why = `Kafka at ${config.KAFKA_BROKERS.join(",")} is not reachable (${(err as Error).message}); run scripts/stack.sh up`;
    console.log(`\n== kafka sendBatch: skipped: ${why}`);
    return { stage: "kafka sendBatch", rows: [], skipped: why };
  }
  const validator = new Validator(loadChecksConfig({}));
  const now = Date.now() * 1000;
  const all = tickStream({ seed: 9, symbols: 100 }).batch(Math.max(...BATCHES)).flatMap(({ tick }) => {
    const r = validator.validate(tick, now);
    return r.ok && r.tick ? [{ key: routingKeyOf(r.tick.exchange, r.tick.symbol), value: Buffer.from(encodeValid(r.tick, now, [])) }] : [];
  });
  // The validator workers' producer settings (src/ingest/validator/batch-sender.ts).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: cachedKeyPartitioner });
  await producer.connect();

  group("kafka sendBatch", () => {
    for (const size of BATCHES) {
      const messages = all.slice(0, size);
      for (const c of ["none", "gzip", "zstd"] as Compression[]) {
        bench(`sendBatch ${messages.length} records, acks=all, ${c} [${messages.length} record]`, async () => {
          await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1, compression: compressionType[c] });
        });
      }
    }
  });
  try {
    return await runStage("kafka sendBatch");
  } finally {
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
}

if (import.meta.main) await main();
