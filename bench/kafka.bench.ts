// Stage: kafkajs sendBatch of pre-encoded tick records to the local broker (acks=all, idempotent),
// per record, by compression. Needs Kafka (scripts/stack.sh up); says so and skips when absent.
//   bun bench/kafka.bench.ts
import { bench, group } from "mitata";
import { loadConfig } from "../src/config.ts";
import { compressionType, createKafka, ensureTopics, type Compression } from "../src/kafka/client.ts";
import { recordPackr, validRecord } from "../src/kafka/records.ts";
import { loadChecksConfig, Validator } from "../src/checks/index.ts";
import { tickStream } from "../test/helpers/gen.ts";
import { runStage, type StageResult } from "./lib/report.ts";

const BATCH = 500;

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
  const packr = recordPackr();
  const now = Date.now() * 1000;
  const messages = tickStream({ seed: 9, symbols: 100 }).batch(BATCH).flatMap(({ tick }) => {
    const r = validator.validate(tick, now);
    return r.ok && r.tick ? [{ key: `${r.tick.exchange}:${r.tick.symbol}`, value: packr.pack(validRecord(r.tick, now, [])) }] : [];
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  group("kafka sendBatch", () => {
    for (const c of ["none", "gzip", "zstd"] as Compression[]) {
      bench(`sendBatch ${messages.length} records, acks=all, ${c} [${messages.length} record]`, async () => {
        await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1, compression: compressionType[c] });
      });
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
