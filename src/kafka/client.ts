// One place that builds kafkajs clients, so every producer and consumer in tickgate (validator
// workers, the sink, tests, benchmarks) shares the same settings and compression codecs.
import {
  CompressionCodecs, CompressionTypes, Kafka, logLevel, Partitioners,
  type Admin, type ICustomPartitioner, type ITopicConfig, type logCreator,
} from "kafkajs";

export type Compression = "none" | "gzip" | "zstd";

// kafkajs 2.2.4 arms setTimeout with a negative delay in its request queue (throttledUntil starts at
// -1), and Bun prints a TimeoutNegativeWarning for each. Harmless (the delay becomes 1 ms); keep
// every other warning visible.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "TimeoutNegativeWarning") console.warn(JSON.stringify({ time: new Date().toISOString(), level: "warn", msg: "process warning", name: w.name, warning: w.message }));
});

// kafkajs ships GZIP only; Bun has zstd built in, so register it as kafkajs's ZSTD codec.
// Registration is per process (per worker thread): every module that builds a client imports this file.
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  async compress(encoder: { buffer: Buffer }) {
    return Buffer.from(Bun.zstdCompressSync(encoder.buffer, { level: 1 }));
  },
  async decompress(buffer: Buffer) {
    return Buffer.from(Bun.zstdDecompressSync(buffer));
  },
});

export const compressionType: Record<Compression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  zstd: CompressionTypes.ZSTD,
};

// Messages kafkajs logs that say nothing about this deployment: the v2 partitioner notice, the
// idempotent-retries notice (the validator worker retries a failed batch itself), and a group's
// routine rebalancing, which kafkajs logs at ERROR although every member just rejoins.
const NOISE = [/switched default partitioner/, /Limiting retries for the idempotent producer/, /The group is rebalancing/];
const quietLogger: logCreator = () => ({ namespace, level, log }) => {
  if (NOISE.some((re) => re.test(log.message))) return;
  const line = JSON.stringify({ level: logLevel[level], logger: "kafkajs", namespace, message: log.message, ...(log.error ? { error: log.error } : {}) });
  (level <= logLevel.ERROR ? console.error : console.warn)(line);
};

const levels: Record<string, logLevel> = { debug: logLevel.DEBUG, info: logLevel.WARN, warn: logLevel.WARN, error: logLevel.ERROR };

export interface KafkaSettings {
  KAFKA_BROKERS: string[];
  KAFKA_CLIENT_ID: string;
  LOG_LEVEL?: string;
}

export function createKafka(config: KafkaSettings, clientSuffix = ""): Kafka {
  return new Kafka({
    clientId: config.KAFKA_CLIENT_ID + clientSuffix,
    brokers: config.KAFKA_BROKERS,
    logLevel: levels[config.LOG_LEVEL ?? "info"] ?? logLevel.WARN,
    logCreator: quietLogger,
    // Fail fast enough that a request's ack deadline (KAFKA_ACK_TIMEOUT_MS) can still answer 503.
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
  });
}

/**
 * kafkajs's default (Java-compatible murmur2) partitioner, remembered per key. kafkajs computes
 * murmur2 with BigInt-backed 64-bit arithmetic for every message (40% of a sendBatch's CPU here);
 * tickgate's keys are `exchange:symbol`, a few thousand at most, so each is hashed once per topic
 * and partition count. The partition a key maps to is exactly the default one.
 *
 * The chosen partition is pinned on the message (`message.partition`): a resend of the same message
 * objects — a retry, or a batch split after Kafka refused a record (deliver.ts) — lands every record
 * where it landed before, keyless ones (round-robin) included, so the broker's idempotence sees the
 * same per-partition batches again.
 */
export const cachedKeyPartitioner: ICustomPartitioner = () => {
  const inner = Partitioners.DefaultPartitioner();
  const byTopic = new Map<string, { partitions: number; byKey: Map<string, number> }>();
  return (args) => {
    const m = args.message;
    if (m.partition != null) return m.partition;
    const key = m.key;
    let p: number;
    if (typeof key !== "string") {
      p = inner(args);
    } else {
      let t = byTopic.get(args.topic);
      if (!t || t.partitions !== args.partitionMetadata.length || t.byKey.size > 16_384) {
        byTopic.set(args.topic, (t = { partitions: args.partitionMetadata.length, byKey: new Map() }));
      }
      let cached = t.byKey.get(key);
      if (cached === undefined) t.byKey.set(key, (cached = inner(args)));
      p = cached;
    }
    m.partition = p;
    return p;
  };
};

/** Creates the topics that are missing (an existing topic is left as it is). */
export async function ensureTopics(kafka: Kafka, names: string[], numPartitions: number): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = names
      .filter((topic) => !existing.has(topic))
      .map((topic) => ({ topic, numPartitions, replicationFactor: -1 }));
    if (missing.length > 0) {
      try {
        await admin.createTopics({ topics: missing, waitForLeaders: true });
      } catch (err: any) {
        // Another process may have created it between listTopics and createTopics.
        if (err?.type !== "TOPIC_ALREADY_EXISTS" && !/already exists/i.test(String(err?.message))) throw err;
      }
    }
  } finally {
    await admin.disconnect();
  }
}
