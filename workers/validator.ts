// A validator worker: an actor that owns the per-symbol state of the symbols hashed to it.
// It reads tick records from its ring, runs the checks, produces valid ticks and rejects to Kafka,
// and only after Kafka acknowledged a batch writes the completions back to the main thread.
//
// One Kafka send is in flight at a time. While it is, new records collect in the ring and become
// the next batch: batching adapts to load by itself, and a symbol's ticks reach Kafka in the order
// they were written to the ring (a retried batch is retried before anything after it is sent).
import * as Comlink from "comlink";
import { Unpackr } from "msgpackr";
import { workerData } from "node:worker_threads";
import type { Producer, RecordMetadata, TopicMessages } from "kafkajs";
import { CHECKS, loadChecksConfig, routingKey, Validator } from "../src/checks/index.ts";
import { topics } from "../src/config.ts";
import { cachedKeyPartitioner, compressionType, createKafka } from "../src/kafka/client.ts";
import { Histogram } from "../src/metrics.ts";
import { KIND_TICK, OFF_INDEX, OFF_KIND, OFF_RECV_TS, OFF_REQUEST, TICK_HEADER_BYTES, type Completion } from "../src/ingest/records.ts";
import { Ring } from "../src/ring/index.ts";
import { deliver, producerFatalOf, refusalOf, type Outgoing } from "../src/kafka/deliver.ts";
import { encodeValid } from "../src/kafka/encode.ts";
import { RECORD_REFUSED, recordPackr, rejectRecord } from "../src/kafka/records.ts";
import { log } from "../src/log.ts";
import {
  KAFKA_CONNECTING, KAFKA_DOWN, KAFKA_UP, STATUS_BEAT, STATUS_KAFKA, type ValidatorApi, type WorkerInit, type WorkerStats,
} from "./validator-api.ts";

const init = workerData as WorkerInit;
const { config } = init;
const topic = topics(config);
const input = new Ring(init.toWorker);
const output = new Ring(init.fromWorker);
const status = new Int32Array(init.status);
const header = new DataView(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);

let validator = new Validator(loadChecksConfig((init.checksConfig ?? {}) as object));
const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false, int64AsType: "number" });
const packr = recordPackr();

/** Records per Kafka batch, and a byte bound that keeps a batch under the broker's 1 MiB default. */
const MAX_BATCH_RECORDS = 4000;
const MAX_BATCH_BYTES = 768 * 1024;
/** What a record adds to its tick's size at most: key, recvTs, codes, flags, error text. */
const RECORD_OVERHEAD_BYTES = 1024;
const RETRY_MAX_MS = 2000;

// ---------------------------------------------------------------- the batch being built

/** Where a record came from: enough to correct the request's answer if Kafka refuses the record. */
interface Origin {
  completion: Completion;
  index: number;
  recvTs: number;
  flags: string[];
  /** The reject codes (the same array as in the completion), or null for a valid tick. */
  codes: string[] | null;
}

let batch: Outgoing<Origin>[] = [];
let completions = new Map<number, Completion>();
let batchBytes = 0;

const stats = {
  ticks: 0, accepted: 0, rejected: 0, flagged: 0,
  byCheck: Object.fromEntries(CHECKS.map((c) => [c.id, 0])) as Record<string, number>,
  sends: 0, failures: 0, records: 0, refused: 0, givenUp: 0,
};
const produceLatency = new Histogram("tickgate_kafka_produce_seconds", "");

function completionFor(request: number): Completion {
  let c = completions.get(request);
  if (!c) completions.set(request, (c = { r: request, n: 0, f: 0, j: [] }));
  return c;
}

function count(codes: readonly string[]) {
  for (let i = 0; i < codes.length; i++) stats.byCheck[codes[i]] = (stats.byCheck[codes[i]] ?? 0) + 1;
}

function push(topicName: string, key: string, value: Buffer, origin: Origin) {
  // No key at all (rather than "") when the tick names no symbol: such rejects spread over partitions.
  batch.push({ topic: topicName, message: { key: key === "" ? null : key, value }, origin });
  batchBytes += value.length + key.length;
}

function reject(original: unknown, key: string, recvTs: number, codes: string[], flags: string[], c: Completion, index: number, error?: string) {
  push(topic.rejected, key, packr.pack(rejectRecord(original, key, recvTs, codes, flags, error)), { completion: c, index, recvTs, flags, codes });
  c.j.push([index, codes]);
  stats.rejected++;
  count(codes);
}

/** Handles one ring record: validate, encode the Kafka value, note the outcome for the completion. */
function onRecord(bytes: Uint8Array, offset: number, length: number) {
  const request = header.getUint32(offset + OFF_REQUEST, true);
  const index = header.getUint32(offset + OFF_INDEX, true);
  const recvTs = header.getFloat64(offset + OFF_RECV_TS, true);
  const kind = header.getUint32(offset + OFF_KIND, true);
  const payload = bytes.subarray(offset + TICK_HEADER_BYTES, offset + length);
  const c = completionFor(request);
  c.n++;
  stats.ticks++;
  if (kind === KIND_TICK && payload.length > validator.maxTickBytes) {
    // Not decoded at all; its reject record keeps a digest, so it can never exceed Kafka's limit.
    const r = validator.validate(null, recvTs, payload.length);
    return reject(digestOf(payload), "", recvTs, r.rejects.slice(), [], c, index);
  }
  let value: unknown;
  try {
    value = unpackr.unpack(payload);
  } catch {
    value = undefined; // cannot happen for records the pool wrote; rejected below as unreadable
  }
  if (kind !== KIND_TICK || value === undefined) {
    const [text, error] = Array.isArray(value) ? (value as [unknown, string]) : [value, "unreadable record"];
    return reject(text, "", recvTs, ["schema.unreadable"], [], c, index, String(error).slice(0, MAX_ERROR_CHARS));
  }
  const r = validator.validate(value, recvTs, payload.length);
  const flags = r.flags.length === 0 ? NO_FLAGS : r.flags.slice();
  if (r.ok && r.tick) {
    const key = r.tick.exchange + ":" + r.tick.symbol;
    push(topic.valid, key, encodeValid(r.tick, recvTs, flags), { completion: c, index, recvTs, flags, codes: null });
    stats.accepted++;
    if (flags.length > 0) {
      c.f++;
      stats.flagged++;
      count(flags);
    }
  } else {
    // Rejects are keyed by exchange:symbol too, as far as the tick gives them (routingKey is "" otherwise).
    reject(value, routingKey(value), recvTs, r.rejects.slice(), flags, c, index);
  }
}
const NO_FLAGS: string[] = [];
/** An unreadable NDJSON line's parse error is kept this long in its reject record. */
const MAX_ERROR_CHARS = 512;

/**
 * Stands in for a value too large to keep: its size and the SHA-256 of the bytes tickgate held (the
 * tick as MessagePack, or the refused record), enough to tell such records apart and find them again.
 */
function digestOf(bytes: Uint8Array) {
  return { truncated: true, bytes: bytes.length, sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex") };
}

/**
 * Reads records into the batch until it is full or the ring is empty. Each drain takes no more
 * records than could fit the byte bound if every one were as large as a tick may be, so a batch ends
 * at most one record past MAX_BATCH_BYTES (hostile rejects would otherwise overshoot by megabytes).
 */
function collect(): number {
  let n = 0;
  while (batchBytes < MAX_BATCH_BYTES && n < MAX_BATCH_RECORDS) {
    const room = Math.max(1, Math.floor((MAX_BATCH_BYTES - batchBytes) / (validator.maxTickBytes + RECORD_OVERHEAD_BYTES)));
    const got = input.drain(onRecord, Math.min(256, MAX_BATCH_RECORDS - n, room));
    if (got === 0) break;
    n += got;
  }
  return n;
}

// ---------------------------------------------------------------- Kafka

const kafka = createKafka(config, `-validator-${init.index}`);
const producer: Producer = kafka.producer({
  idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: cachedKeyPartitioner,
});
const connected = connectWithRetry();

async function connectWithRetry() {
  for (let delay = 100; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
    try {
      await producer.connect();
      Atomics.store(status, STATUS_KAFKA, KAFKA_UP);
      return;
    } catch {
      Atomics.store(status, STATUS_KAFKA, KAFKA_CONNECTING);
      await Bun.sleep(delay);
    }
  }
}

/**
 * Delivers the batch (deliver.ts). While Kafka is unreachable: on the first failure the requests
 * in the batch are answered at once (503: "not acknowledged, retry"), the worker flags Kafka as down
 * so new requests are refused before any tick is taken, and the batch is retried with capped
 * backoff: ticks already validated are never dropped. A retry by the client after such a 503 is
 * harmless downstream (duplicate trade ids and seqs are rejected; Redis and PostgreSQL writes are
 * idempotent). A record Kafka refuses for good (too large, invalid) is found by splitting the batch
 * and becomes a reject with code record.refused, written as a digest; the rest is delivered.
 */
async function send(): Promise<void> {
  let answered = false;
  lastOffsets.clear();
  const delivered = await deliver(batch, {
    send: async (topicMessages) => {
      stats.sends++;
      const t0 = performance.now();
      let acked: RecordMetadata[];
      try {
        acked = await producer.sendBatch({ topicMessages, acks: -1, compression: compressionType[config.KAFKA_COMPRESSION] });
      } catch (err) {
        stats.failures++;
        throw err;
      }
      produceLatency.observe((performance.now() - t0) / 1000);
      noteOffsets(topicMessages, acked);
    },
    onRetry: (err) => {
      Atomics.store(status, STATUS_KAFKA, KAFKA_DOWN);
      if (answered) return;
      writeCompletions(`Kafka did not acknowledge the ticks: ${(err as Error)?.message ?? err}`);
      answered = true;
    },
    substitute: refused,
    onGivenUp: (record, err) => {
      stats.givenUp++;
      log.error("Kafka refused a record and its digest; the tick is answered rejected (record.refused) and is not in Kafka", {
        worker: init.index, topic: record.topic, bytes: record.message.value.length, error: refusalOf(err) ?? String(err),
      });
    },
    onProducerFatal: (err) => {
      // The batch's requests get 503 from the pool when this thread ends; a fresh worker has a fresh producer.
      log.error("the Kafka producer cannot go on; ending the worker", { worker: init.index, error: producerFatalOf(err) });
      process.exit(1);
    },
    stopping: () => stopping,
    retryInitialMs: 100,
    retryMaxMs: RETRY_MAX_MS,
  });
  if (!delivered) return;
  stats.records += batch.length;
  offsetsOfCompletions();
  Atomics.store(status, STATUS_KAFKA, KAFKA_UP);
  if (!answered) writeCompletions();
}

// ---------------------------------------------------------------- where the valid ticks landed
// Each completion says, per partition of `<prefix>.valid`, the last offset its batch wrote there, so
// that ?ack=stored can wait until the sink group has committed past it (ingest/sink-progress.ts).
// A request's own ticks sit at or before that offset, so waiting for it is never too early.

/** partition → last offset written in this batch's acknowledged sends. */
const lastOffsets = new Map<number, number>();

function noteOffsets(topicMessages: TopicMessages[], acked: RecordMetadata[]) {
  const counts = new Map<number, number>();
  for (const tm of topicMessages) {
    if (tm.topic !== topic.valid) continue;
    for (const m of tm.messages) counts.set(m.partition!, (counts.get(m.partition!) ?? 0) + 1);
  }
  for (const r of acked) {
    if (r.topicName !== topic.valid) continue;
    const last = Number(r.baseOffset) + (counts.get(r.partition) ?? 1) - 1;
    if (last > (lastOffsets.get(r.partition) ?? -1)) lastOffsets.set(r.partition, last);
  }
}

function offsetsOfCompletions() {
  const byCompletion = new Map<Completion, Set<number>>();
  for (const r of batch) {
    if (r.topic !== topic.valid || r.message.partition === undefined) continue;
    let set = byCompletion.get(r.origin.completion);
    if (!set) byCompletion.set(r.origin.completion, (set = new Set()));
    set.add(r.message.partition);
  }
  for (const [c, partitions] of byCompletion) {
    const o: number[] = [];
    for (const p of partitions) {
      const last = lastOffsets.get(p);
      if (last !== undefined) o.push(p, last);
    }
    if (o.length) c.o = o;
  }
  lastOffsets.clear();
}

/** Kafka refused `record` for good: the tick becomes a reject (record.refused), sent as a digest. */
function refused(record: Outgoing<Origin>, err: unknown): Outgoing<Origin> {
  const o = record.origin;
  stats.refused++;
  if (o.codes === null) {
    o.codes = [RECORD_REFUSED];
    o.completion.j.push([o.index, o.codes]);
    if (o.flags.length > 0) {
      o.completion.f--;
      stats.flagged--;
    }
    stats.accepted--;
    stats.rejected++;
  } else {
    o.codes.push(RECORD_REFUSED);
  }
  count([RECORD_REFUSED]);
  const key = record.message.key ?? "";
  const value = packr.pack(rejectRecord(digestOf(record.message.value), key, o.recvTs, o.codes, o.flags, `Kafka refused the record: ${refusalOf(err)}`));
  return { topic: topic.rejected, message: { key: record.message.key, value }, origin: o };
}

function writeCompletions(error?: string) {
  for (const c of completions.values()) {
    if (error) c.e = error;
    const bytes = packr.pack(c);
    // The completion ring is sized far above what one batch writes and the main thread drains it
    // continuously; wait (briefly, off the main thread) if it is ever full rather than lose an answer.
    while (!output.write(bytes)) {
      output.publish();
      Atomics.wait(pause, 0, 0, 1);
    }
  }
  output.publish();
}
const pause = new Int32Array(new SharedArrayBuffer(4));

// ---------------------------------------------------------------- the loop

let stopping = false;
let busy = false;
let drained: (() => void)[] = [];

async function loop() {
  await connected;
  for (;;) {
    if (collect() > 0) {
      busy = true;
      await send();
      batch = [];
      completions = new Map();
      batchBytes = 0;
      busy = false;
      continue;
    }
    if (drained.length) for (const d of drained.splice(0)) d();
    if (stopping) return;
    // Idle: sleep on the ring (Atomics.wait is fine here: nothing is in flight), then let the event
    // loop run (comlink calls, kafkajs timers) before looking again.
    input.waitForData(50);
    await new Promise((r) => setImmediate(r));
  }
}
// A loop that throws (a bug) must not leave a silent, wedged worker: end the thread, and the pool
// answers its requests 503 and starts a fresh one.
const looping = loop().catch((err) => {
  log.error("validator loop failed; ending the worker", { worker: init.index, error: String((err as Error)?.stack ?? err) });
  process.exit(1);
});
// The heartbeat lets the pool tell a worker whose event loop is stuck (it stops beating) from a busy one.
setInterval(() => Atomics.add(status, STATUS_BEAT, 1), 250);

const api: ValidatorApi = {
  async ready() {
    await connected;
  },
  stats(): WorkerStats {
    return {
      index: init.index, ticks: stats.ticks, accepted: stats.accepted, rejected: stats.rejected, flagged: stats.flagged,
      byCheck: { ...stats.byCheck },
      kafka: {
        sends: stats.sends, failures: stats.failures, records: stats.records, refused: stats.refused, givenUp: stats.givenUp,
        latency: produceLatency.snapshot(), healthy: Atomics.load(status, STATUS_KAFKA) === KAFKA_UP,
      },
      validator: validator.stats(),
    };
  },
  reloadChecks(checksConfig: unknown) {
    validator.reconfigure(loadChecksConfig((checksConfig ?? {}) as object));
  },
  drain() {
    if (!busy && !input.available()) return Promise.resolve();
    return new Promise<void>((resolve) => drained.push(resolve));
  },
  async shutdown() {
    // Stopping first: the loop still sends what is in the ring, but a batch Kafka does not take is
    // not retried (its requests were answered 503 already), so an outage cannot hold the shutdown.
    stopping = true;
    await looping;
    await producer.disconnect().catch(() => {});
  },
};
Comlink.expose(api);
