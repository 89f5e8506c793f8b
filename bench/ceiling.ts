// The ceiling: what this broker takes from kafkajs with no HTTP and no checks. Pre-encoded
// MessagePack records of the same tick mix as the load tool (valid ticks normalised to ticks.valid,
// bad ones to ticks.rejected, like tickgate's validator records), sendBatch in batches of 500 with
// acks=all and tickgate's producer settings (idempotent, one request in flight, KAFKA_COMPRESSION),
// one producer per vCPU, each in its own worker thread, as fast as possible for the duration.
//   bun bench/ceiling.ts [--duration 15] [--batch 500] [--producers N] [--warmup 2]
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Packr } from "msgpackr";
import { loadConfig } from "../src/config.ts";
import { createKafka } from "../src/kafka/client.ts";
import { compressionType } from "../src/kafka/codecs.ts";
import { ensureTopics } from "../src/kafka/topics.ts";
import { normalised, tickStream } from "./lib/tick-gen.ts";
import { Samples, type LatencySummary } from "./load/hist.ts";

export interface CeilingOptions {
  durationS: number;
  batch: number;
  producers?: number;
  prefix?: string;
  bad?: number;
  /** seconds of sending before the measured span (JIT, connections), like the load tool's --warmup */
  warmupS?: number;
  progress?: (recordsLastSecond: number, elapsedS: number) => void;
}

export interface CeilingResult {
  target: "ceiling";
  prefix: string;
  producers: number;
  batch: number;
  compression: string;
  durationS: number;
  records: number;
  recordsPerS: number;
  /** sendBatch latency, ms */
  send: LatencySummary;
  timeline: { t: number; records: number }[];
}

interface WorkerInit {
  index: number;
  prefix: string;
  batch: number;
  durationMs: number;
  bad: number;
}

type FromWorker = { type: "ready" } | { type: "tick"; records: number; lat: number[] } | { type: "done" } | { type: "error"; error: string };

const BATCHES = 64; // distinct pre-encoded batches cycled by each producer

async function producerThread(w: WorkerInit) {
  const config = loadConfig({ ...process.env, LOG_LEVEL: "error" });
  const kafka = createKafka(config, `-ceiling-${w.index}`);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const packr = new Packr({ useRecords: false });
  const gen = tickStream({ seed: 100 + w.index, symbols: 256, badShare: w.bad });
  const recvTs = Date.now() * 1000;
  const batches = Array.from({ length: BATCHES }, () => {
    const valid: { key: string; value: Buffer }[] = [];
    const rejected: { key: string; value: Buffer }[] = [];
    for (let i = 0; i < w.batch; i++) {
      const { tick, bad } = gen.next();
      const n = normalised(tick) as Record<string, unknown>;
      const key = `${n.exchange}:${n.symbol}`;
      if (bad) rejected.push({ key, value: packr.pack({ ...n, recvTs, codes: [bad], flags: [], tick, v: 1 }) });
      else valid.push({ key, value: packr.pack({ ...n, recvTs, flags: [], v: 1 }) });
    }
    const topicMessages = [{ topic: `${w.prefix}.valid`, messages: valid }];
    if (rejected.length) topicMessages.push({ topic: `${w.prefix}.rejected`, messages: rejected });
    return topicMessages;
  });
  parentPort!.postMessage({ type: "ready" } satisfies FromWorker);
  await new Promise<void>((r) => parentPort!.once("message", () => r()));
  const compression = compressionType[config.KAFKA_COMPRESSION];
  const end = performance.now() + w.durationMs;
  let records = 0;
  let lat: number[] = [];
  let lastReport = performance.now();
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    await producer.sendBatch({ topicMessages: batches[i % BATCHES], acks: -1, compression });
    const t1 = performance.now();
    records += w.batch;
    lat.push(t1 - t0);
    if (t1 - lastReport >= 250) {
      parentPort!.postMessage({ type: "tick", records, lat } satisfies FromWorker);
      records = 0;
      lat = [];
      lastReport = t1;
    }
  }
  parentPort!.postMessage({ type: "tick", records, lat } satisfies FromWorker);
  await producer.disconnect();
  parentPort!.postMessage({ type: "done" } satisfies FromWorker);
}

export async function runCeiling(o: CeilingOptions): Promise<CeilingResult> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: "error" });
  const producers = o.producers ?? availableParallelism();
  const prefix = o.prefix ?? `ceiling.${Date.now().toString(36)}`;
  const kafka = createKafka({ ...config, LOG_LEVEL: "error" }, "-ceiling");
  await ensureTopics(kafka, [`${prefix}.valid`, `${prefix}.rejected`], config.KAFKA_PARTITIONS);
  const warmMs = (o.warmupS ?? 0) * 1000;
  const workers = Array.from({ length: producers }, (_, index) =>
    new Worker(new URL(import.meta.url), { workerData: { index, prefix, batch: o.batch, durationMs: warmMs + o.durationS * 1000, bad: o.bad ?? 0.05 } satisfies WorkerInit }),
  );
  const lat = new Samples();
  const perSecond: number[] = [];
  let total = 0;
  let measured = 0;
  let start = 0;
  let readyCount = 0;
  let lastDraw = 0;
  const done = Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.on("error", reject);
          w.on("message", (m: FromWorker) => {
            if (m.type === "ready") {
              if (++readyCount === producers) {
                start = performance.now();
                for (const x of workers) x.postMessage("go");
              }
            } else if (m.type === "tick") {
              total += m.records;
              const since = performance.now() - start - warmMs;
              if (since < 0) return; // warm-up: in Kafka, not in the figures
              measured += m.records;
              for (const v of m.lat) lat.add(v);
              const sec = Math.floor(since / 1000);
              perSecond[sec] = (perSecond[sec] ?? 0) + m.records;
              if (o.progress && sec > lastDraw) {
                lastDraw = sec;
                o.progress(perSecond[sec - 1] ?? 0, sec);
              }
            } else if (m.type === "done") resolve();
            else reject(new Error(m.error));
          });
        }),
    ),
  );
  await done;
  const elapsed = (performance.now() - start - warmMs) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  // The records must be there: count them back (high − low watermarks).
  const admin = kafka.admin();
  await admin.connect();
  const inKafka = (await admin.fetchTopicOffsets(`${prefix}.valid`)).concat(await admin.fetchTopicOffsets(`${prefix}.rejected`)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  await admin.deleteTopics({ topics: [`${prefix}.valid`, `${prefix}.rejected`], timeout: 10_000 }).catch(() => {});
  await admin.disconnect();
  if (inKafka !== total) throw new Error(`ceiling: sent ${total} records but the topics hold ${inKafka}`);
  return {
    target: "ceiling",
    prefix,
    producers,
    batch: o.batch,
    compression: config.KAFKA_COMPRESSION,
    durationS: Math.round(elapsed * 100) / 100,
    records: measured,
    recordsPerS: Math.round(measured / elapsed),
    send: lat.summary(),
    timeline: Array.from({ length: perSecond.length }, (_, t) => ({ t, records: perSecond[t] ?? 0 })),
  };
}

if (!isMainThread && workerData && (workerData as WorkerInit).prefix) {
  producerThread(workerData as WorkerInit).catch((e) => parentPort!.postMessage({ type: "error", error: String(e?.stack ?? e) } satisfies FromWorker));
} else if (import.meta.main) {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const r = await runCeiling({
    durationS: arg("duration", 15),
    batch: arg("batch", 500),
    producers: process.argv.includes("--producers") ? arg("producers", 1) : undefined,
    warmupS: arg("warmup", 2),
    progress: (n, s) => process.stderr.write(`ceiling ${s}s: ${n} records/s\n`),
  });
  console.log(JSON.stringify({ ...r, timeline: undefined }, null, 2));
}
