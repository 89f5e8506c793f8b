// Process configuration from environment variables (docs/api.md, "Configuration").
// One literal table: name, default, parser, description. Validated once at start; a bad value stops
// the process with a message that names the variable. docs and the compose test read the same table.
import { availableParallelism } from "node:os";
import { EnvError } from "./errors.ts";

export type Role = "all" | "ingest" | "sink";
/** KAFKA_COMPRESSION: how produced batches are compressed (kafka/codecs.ts maps it to the codec). */
export type Compression = "none" | "gzip" | "zstd";

type Parser<T> = (raw: string, name: string) => T;

const int =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new EnvError(name, raw, `an integer in [${min}, ${max}]`);
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new EnvError(name, raw, `an integer in [${min}, ${max}]`);
    return n;
  };

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw, name) => {
    const v = raw.trim().toLowerCase() as T;
    if (!values.includes(v)) throw new EnvError(name, raw, `one of ${values.join(", ")}`);
    return v;
  };

const url =
  (...protocols: string[]): Parser<string> =>
  (raw, name) => {
    let u: URL;
    try {
      u = new URL(raw.trim());
    } catch {
      throw new EnvError(name, raw, `a URL (${protocols.join(" or ")})`);
    }
    if (!protocols.includes(u.protocol)) throw new EnvError(name, raw, `a URL with scheme ${protocols.join(" or ")}`);
    return raw.trim();
  };

const brokers: Parser<string[]> = (raw, name) => {
  const list = raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new EnvError(name, raw, "a comma-separated list of host:port");
  for (const b of list) {
    const m = /^([^:\s]+):(\d{1,5})$/.exec(b);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new EnvError(name, raw, "a comma-separated list of host:port");
  }
  return list;
};

const bool: Parser<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new EnvError(name, raw, "true or false");
};

const text: Parser<string> = (raw) => raw.trim();
const list: Parser<string[]> = (raw) => raw.split(",").map((s) => s.trim()).filter(Boolean);
const topicPrefix: Parser<string> = (raw, name) => {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(raw.trim())) throw new EnvError(name, raw, "a Kafka topic name prefix ([A-Za-z0-9._-])");
  return raw.trim();
};

const pgTable: Parser<string> = (raw, name) => {
  if (!/^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/.test(raw.trim())) throw new EnvError(name, raw, "a lower-case table name, optionally schema.table");
  return raw.trim();
};

interface Spec<T> {
  default: string;
  parse: Parser<T>;
  description: string;
}
const spec = <T>(defaultValue: string, parse: Parser<T>, description: string): Spec<T> => ({ default: defaultValue, parse, description });

/** Every environment variable tickgate reads: the configuration table of docs/api.md is this table. */
export const ENV = {
  PORT: spec("8080", int(0, 65535), "HTTP port of the ingest endpoint"),
  HOST: spec("0.0.0.0", text, "address the HTTP server binds"),
  ROLE: spec("all", oneOf<Role>("all", "ingest", "sink"), "all = ingest + validators + sink; ingest; sink"),
  WORKERS: spec("", int(1, 256), "validator worker threads (default: vCPU count)"),
  KAFKA_BROKERS: spec("127.0.0.1:9092", brokers, "comma-separated Kafka bootstrap brokers"),
  KAFKA_CLIENT_ID: spec("tickgate", text, "Kafka client id"),
  TOPIC_PREFIX: spec("ticks", topicPrefix, "topics are <prefix>.valid, <prefix>.rejected, <prefix>.sink-dlq"),
  KAFKA_PARTITIONS: spec("4", int(1, 1024), "partitions of topics created at start"),
  KAFKA_COMPRESSION: spec("zstd", oneOf<Compression>("none", "gzip", "zstd"), "compression of produced batches"),
  KAFKA_ACK_TIMEOUT_MS: spec("5000", int(100, 120000), "a request waits this long for Kafka acks before 503"),
  REDIS_URL: spec("redis://127.0.0.1:6379", url("redis:", "rediss:"), "Redis for the sink"),
  DATABASE_URL: spec("postgres://tickgate:tickgate@127.0.0.1:5432/tickgate", url("postgres:", "postgresql:"), "PostgreSQL/TimescaleDB for the sink"),
  CHECKS_CONFIG: spec("", text, "path of the checks config JSON (thresholds, allowlists, overrides); empty = defaults"),
  API_KEYS: spec("", list, "comma-separated API keys; when set, every route but /healthz, /readyz and /status needs header x-api-key (or Authorization: Bearer)"),
  METRICS_PUBLIC: spec("false", bool, "true = /metrics answers without an API key even when API_KEYS is set"),
  API_KEY_IN_QUERY: spec("false", bool, "true = a WebSocket may pass its key as ?api_key= (query strings end up in logs: off unless a client cannot set headers)"),
  BODY_LIMIT_BYTES: spec("4194304", int(1024, 1 << 30), "largest accepted request body (413 above)"),
  BODY_TIMEOUT_MS: spec("10000", int(100, 600000), "a JSON/MessagePack body must arrive within this; an NDJSON stream may pause no longer than this between chunks (408 body.timeout)"),
  NDJSON_LIMIT_BYTES: spec("268435456", int(1024, 2 ** 40), "largest NDJSON body (streamed as it arrives, not buffered)"),
  MAX_TICKS_PER_REQUEST: spec("100000", int(1, 10_000_000), "largest number of ticks in one JSON/MessagePack request or WebSocket frame"),
  NDJSON_MAX_TICKS: spec("1000000", int(1, 1_000_000_000), "largest number of ticks (lines) in one NDJSON request"),
  MAX_REJECTS_LISTED: spec("10000", int(1, 10_000_000), "an answer lists at most this many rejects; beyond it rejectsTruncated and rejectsByCode say the rest"),
  MAX_FLAGS_LISTED: spec("10000", int(1, 10_000_000), "an answer lists at most this many flagged ticks; beyond it flagsTruncated and flagsByCode say the rest"),
  MAX_INFLIGHT_REQUESTS: spec("1024", int(1, 1_000_000), "HTTP requests being read or answered at once; more get 503 pipeline.busy"),
  MAX_BODY_BYTES_IN_FLIGHT: spec("268435456", int(1 << 20, 2 ** 40), "bytes of JSON/MessagePack request bodies held in memory at once, across requests; past it 503 pipeline.busy"),
  NDJSON_MAX_STREAMS: spec("64", int(1, 1_000_000), "NDJSON requests streaming in at once (they may stay open while they keep sending); more get 503 pipeline.busy"),
  HTTP_IDLE_TIMEOUT_S: spec("30", int(1, 255), "an HTTP connection that sends nothing for this long is closed (keep-alive and stalled uploads)"),
  WS_MAX_CONNECTIONS: spec("1024", int(1, 1_000_000), "open WebSocket connections; more are refused with 503 pipeline.busy"),
  WS_MAX_INFLIGHT_FRAMES: spec("64", int(1, 100_000), "frames a WebSocket client may have unanswered; one more closes it (1008)"),
  WS_MAX_BUFFERED_BYTES: spec("1048576", int(65536, 1 << 30), "answers waiting for a WebSocket client that does not read; past this it is closed (1008)"),
  WS_IDLE_TIMEOUT_S: spec("120", int(1, 960), "a WebSocket that sends nothing for this long is closed"),
  RING_BYTES: spec("16777216", int(65536, 1 << 30), "bytes of each main→worker SharedArrayBuffer ring"),
  SHUTDOWN_TIMEOUT_MS: spec("15000", int(100, 600000), "bound on graceful shutdown after SIGTERM/SIGINT"),
  SINK_GROUP: spec("tickgate-sink", text, "Kafka consumer group of the sink"),
  SINK_MAX_LAG_MS: spec("2000", int(0, 3_600_000), "ingest answers 503 pipeline.behind (nothing taken) while the oldest accepted tick the sink group has not committed is older than this; 0 = off. ROLE=ingest applies it once the group has committed on the topic"),
  STORED_ACK_TIMEOUT_MS: spec("10000", int(100, 120000), "with ?ack=stored, after Kafka acknowledged a request waits this long for the sink group to commit its ticks before 503 pipeline.unavailable"),
  SINK_FLUSH_ROWS: spec("10000", int(1, 1_000_000), "most ticks in one sink batch (one Redis pipeline, one COPY)"),
  SINK_FLUSH_MS: spec("0", int(0, 60000), "0 = a sink writer that is free writes what is waiting at once (batches grow with the rate by themselves); > 0 = it waits up to this many ms for SINK_FLUSH_ROWS"),
  REDIS_RETENTION_MS: spec("86400000", int(0, 2 ** 40), "ZSET members older than this (by tick ts) are trimmed; 0 = keep"),
  REDIS_RETENTION_COUNT: spec("100000", int(0, 2 ** 31), "keep at most this many members per ZSET; 0 = no cap"),
  PG_RETENTION: spec("30 days", text, "TimescaleDB retention policy interval (only with the timescaledb extension)"),
  SINK_TABLE: spec("ticks", pgTable, "PostgreSQL table the sink writes (optionally schema.table); created at start"),
  SINK_PG_MODE: spec("direct", oneOf("direct", "staging"), "direct = COPY into the table, staging path on conflict; staging = always COPY to a temp table + INSERT … ON CONFLICT DO NOTHING"),
  SINK_CONCURRENCY: spec("2", int(1, 16), "sink batches written at once (Redis and PostgreSQL); offsets are still committed in batch order"),
  SINK_BUFFER_ROWS: spec("20000", int(1, 10_000_000), "consumed records the sink holds unwritten before it stops fetching (backpressure)"),
  SINK_RETRY_MAX_MS: spec("2000", int(10, 600000), "cap of the sink's retry backoff while Redis/PostgreSQL/Kafka is down"),
  SINK_SESSION_TIMEOUT_MS: spec("10000", int(6000, 300000), "Kafka group session timeout of the sink: how long a dead sink (or one whose consumer restarted after a Kafka outage) holds its partitions before the group moves on"),
  REDIS_KEY_PREFIX: spec("", text, "prefix of every Redis key the sink writes (tests isolate runs with it); empty in production"),
  LOG_LEVEL: spec("info", oneOf("debug", "info", "warn", "error"), "log verbosity"),
} as const;

type EnvSpec = typeof ENV;
export type Config = { [K in keyof EnvSpec]: EnvSpec[K] extends Spec<infer T> ? T : never };

/** Reads and validates the whole table. Throws EnvError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(ENV) as [string, Spec<unknown>][]) {
    const raw = env[name];
    if (name === "WORKERS" && (raw === undefined || raw.trim() === "")) {
      out[name] = availableParallelism();
      continue;
    }
    out[name] = s.parse(raw === undefined || raw === "" ? s.default : raw, name);
  }
  const c = out as Config;
  // Bun's idle timeout also cuts a request still waiting for its answer: it must outlast the bounds
  // that answer first (the ack wait, the body read), or clients would see a reset instead of a 503/408.
  const idleMs = c.HTTP_IDLE_TIMEOUT_S * 1000;
  const answerMs = c.KAFKA_ACK_TIMEOUT_MS + c.STORED_ACK_TIMEOUT_MS;
  if (idleMs <= answerMs + 1000 || idleMs <= c.BODY_TIMEOUT_MS + 1000) {
    throw new EnvError("HTTP_IDLE_TIMEOUT_S", String(c.HTTP_IDLE_TIMEOUT_S), `more than (KAFKA_ACK_TIMEOUT_MS + STORED_ACK_TIMEOUT_MS, and BODY_TIMEOUT_MS) / 1000 + 1 seconds (${Math.ceil(Math.max(answerMs, c.BODY_TIMEOUT_MS) / 1000) + 2} or more)`);
  }
  return c;
}

export function topics(config: Pick<Config, "TOPIC_PREFIX">) {
  const p = config.TOPIC_PREFIX;
  return { valid: `${p}.valid`, rejected: `${p}.rejected`, dlq: `${p}.sink-dlq` };
}
