// A validator worker's Kafka side: its own idempotent producer, connected with retry, and the
// delivery of one batch at a time. The worker's Kafka state is published in its status slot, which
// the pool reads before it gives the worker ticks.
import type { Producer, RecordMetadata } from "kafkajs";
import type { Packr } from "msgpackr";
import type { Config, topics } from "../../config.ts";
import { createKafka } from "../../kafka/client.ts";
import { compressionType } from "../../kafka/codecs.ts";
import { cachedKeyPartitioner } from "../../kafka/partitioner.ts";
import { deliver, producerFatalOf, refusalOf, type Outgoing } from "../../kafka/deliver.ts";
import { RECORD_REFUSED, rejectRecord } from "../../kafka/values.ts";
import { log } from "../../log.ts";
import { Histogram } from "../../metrics.ts";
import { KAFKA_CONNECTING, KAFKA_DOWN, KAFKA_UP, STATUS_KAFKA } from "../validator-protocol.ts";
import { digestOf, refuseOrigin, type Batch, type Origin } from "./batch.ts";
import type { CompletionWriter } from "./completion-writer.ts";
import { countCodes, type ValidatorCounters } from "./counters.ts";
import { ValidOffsets } from "./valid-offsets.ts";

const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 2000;

export interface SenderParts {
  worker: number;
  config: Config;
  topic: ReturnType<typeof topics>;
  status: Int32Array;
  counters: ValidatorCounters;
  packr: Packr;
  completions: CompletionWriter;
}

export class BatchSender {
  /** Resolves once the producer is connected (it retries until then). */
  readonly connected: Promise<void>;
  readonly latency = new Histogram("tickgate_kafka_produce_seconds", "");
  private readonly producer: Producer;
  private readonly offsets: ValidOffsets;
  /** Set at shutdown: a batch Kafka does not take is no longer retried. */
  private stopping = false;

  constructor(private readonly parts: SenderParts) {
    const kafka = createKafka(parts.config, `-validator-${parts.worker}`);
    this.producer = kafka.producer({
      idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: cachedKeyPartitioner,
    });
    this.offsets = new ValidOffsets(parts.topic.valid);
    this.connected = this.connectWithRetry();
  }

  private async connectWithRetry(): Promise<void> {
    for (let delay = RETRY_INITIAL_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        await this.producer.connect();
        Atomics.store(this.parts.status, STATUS_KAFKA, KAFKA_UP);
        return;
      } catch {
        Atomics.store(this.parts.status, STATUS_KAFKA, KAFKA_CONNECTING);
        await Bun.sleep(delay);
      }
    }
  }

  /**
   * Delivers the batch (deliver.ts), then writes its completions. While Kafka is unreachable: on the
   * first failure the requests in the batch are answered at once (503: "not acknowledged, retry"), the
   * worker flags Kafka as down so new requests are refused before any tick is taken, and the batch is
   * retried with capped backoff: ticks already validated are never dropped. A retry by the client
   * after such a 503 is harmless downstream (duplicate trade ids and seqs are rejected; Redis and
   * PostgreSQL writes are idempotent). A record Kafka refuses for good (too large, invalid) is found
   * by splitting the batch and becomes a reject with code record.refused, written as a digest; the
   * rest is delivered.
   */
  async send(batch: Batch): Promise<void> {
    const { status, counters, config, completions, worker } = this.parts;
    let answered = false;
    this.offsets.clear();
    const delivered = await deliver(batch.records, {
      send: async (topicMessages) => {
        counters.sends++;
        const started = performance.now();
        let acked: RecordMetadata[];
        try {
          acked = await this.producer.sendBatch({ topicMessages, acks: -1, compression: compressionType[config.KAFKA_COMPRESSION] });
        } catch (err) {
          counters.failures++;
          throw err;
        }
        this.latency.observe((performance.now() - started) / 1000);
        this.offsets.note(topicMessages, acked);
      },
      onRetry: (err) => {
        Atomics.store(status, STATUS_KAFKA, KAFKA_DOWN);
        if (answered) return;
        completions.write(batch.completions.values(), `Kafka did not acknowledge the ticks: ${(err as Error)?.message ?? err}`);
        answered = true;
      },
      substitute: (record, err) => this.refused(record, err),
      onGivenUp: (record, err) => {
        counters.givenUp++;
        log.error("Kafka refused a record and its digest; the tick is answered rejected (record.refused) and is not in Kafka", {
          worker, topic: record.topic, bytes: record.message.value.length, error: refusalOf(err) ?? String(err),
        });
      },
      onProducerFatal: (err) => {
        // The batch's requests get 503 from the pool when this thread ends; a fresh worker has a fresh producer.
        log.error("the Kafka producer cannot go on; ending the worker", { worker, error: producerFatalOf(err) });
        process.exit(1);
      },
      stopping: () => this.stopping,
      retryInitialMs: RETRY_INITIAL_MS,
      retryMaxMs: RETRY_MAX_MS,
    });
    if (!delivered) return;
    counters.records += batch.records.length;
    this.offsets.assign(batch);
    Atomics.store(status, STATUS_KAFKA, KAFKA_UP);
    if (!answered) completions.write(batch.completions.values());
  }

  /** Stop retrying failed batches (shutdown: their requests were answered 503 already). */
  stopRetrying(): void {
    this.stopping = true;
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => {});
  }

  /** Kafka refused `record` for good: the tick becomes a reject (record.refused), sent as a digest. */
  private refused(record: Outgoing<Origin>, err: unknown): Outgoing<Origin> {
    const { counters, packr, topic } = this.parts;
    const origin = record.origin;
    counters.refused++;
    if (refuseOrigin(origin, RECORD_REFUSED)) {
      if (origin.flags.length > 0) counters.flagged--;
      counters.accepted--;
      counters.rejected++;
    }
    countCodes(counters, [RECORD_REFUSED]);
    const key = record.message.key ?? "";
    const value = packr.pack(rejectRecord(digestOf(record.message.value), key, origin.recvTs, origin.codes!, origin.flags, `Kafka refused the record: ${refusalOf(err)}`));
    return { topic: topic.rejected, message: { key: record.message.key, value }, origin };
  }
}
