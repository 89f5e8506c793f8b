// One place that builds kafkajs clients, so every producer and consumer in tickgate (validator
// workers, the sink, tests, benchmarks) shares the same settings, logging and compression codecs.
import { Kafka, logLevel, type logCreator } from "kafkajs";
import "./codecs.ts"; // registers zstd in this thread

// kafkajs 2.2.4 arms setTimeout with a negative delay in its request queue (throttledUntil starts at
// -1), and Bun prints a TimeoutNegativeWarning for each. Harmless (the delay becomes 1 ms). Bun's
// default printer is a "warning" listener, so it is replaced by one that drops only that warning;
// done once per thread, when the thread builds its first Kafka client, not as a side effect of import.
let warningsFiltered = false;
function filterKafkajsWarnings(): void {
  if (warningsFiltered) return;
  warningsFiltered = true;
  process.removeAllListeners("warning");
  process.on("warning", (w) => {
    if (w.name !== "TimeoutNegativeWarning") console.warn(JSON.stringify({ time: new Date().toISOString(), level: "warn", msg: "process warning", name: w.name, warning: w.message }));
  });
}

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
  filterKafkajsWarnings();
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
