import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { ENV, loadConfig, topics } from "../../src/config.ts";
import { EnvError } from "../../src/errors.ts";

describe("config", () => {
  test("defaults are the design's local defaults", () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.KAFKA_BROKERS).toEqual(["127.0.0.1:9092"]);
    expect(c.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(c.DATABASE_URL).toBe("postgres://tickgate:tickgate@127.0.0.1:5432/tickgate");
    expect(c.WORKERS).toBe(availableParallelism());
    expect(c.ROLE).toBe("all");
    expect(c.API_KEYS).toEqual([]);
    expect(topics(c)).toEqual({ valid: "ticks.valid", rejected: "ticks.rejected", dlq: "ticks.sink-dlq" });
  });

  test("the hostile-input bounds have defaults and parse", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      BODY_TIMEOUT_MS: 10_000, NDJSON_MAX_TICKS: 1_000_000, MAX_REJECTS_LISTED: 10_000, MAX_FLAGS_LISTED: 10_000, MAX_INFLIGHT_REQUESTS: 1024,
      HTTP_IDLE_TIMEOUT_S: 30, WS_MAX_CONNECTIONS: 1024, WS_MAX_INFLIGHT_FRAMES: 64, WS_MAX_BUFFERED_BYTES: 1 << 20, MAX_BODY_BYTES_IN_FLIGHT: 256 << 20, NDJSON_MAX_STREAMS: 64,
      WS_IDLE_TIMEOUT_S: 120, METRICS_PUBLIC: false, API_KEY_IN_QUERY: false,
    });
    expect(loadConfig({ METRICS_PUBLIC: "TRUE", API_KEY_IN_QUERY: "1" })).toMatchObject({ METRICS_PUBLIC: true, API_KEY_IN_QUERY: true });
    expect(loadConfig({ KAFKA_ACK_TIMEOUT_MS: "20000", STORED_ACK_TIMEOUT_MS: "500", HTTP_IDLE_TIMEOUT_S: "22" }).HTTP_IDLE_TIMEOUT_S).toBe(22);
  });

  test("the storage half's bounds: lag 2 s, ?ack=stored 10 s, adaptive sink flushing with two writers", () => {
    expect(loadConfig({})).toMatchObject({ SINK_MAX_LAG_MS: 2000, STORED_ACK_TIMEOUT_MS: 10_000, SINK_FLUSH_MS: 0, SINK_FLUSH_ROWS: 10_000, SINK_CONCURRENCY: 2 });
    expect(loadConfig({ SINK_MAX_LAG_MS: "0" }).SINK_MAX_LAG_MS).toBe(0);
  });

  test("values are parsed", () => {
    const c = loadConfig({ PORT: "9000", WORKERS: "3", ROLE: "Sink", KAFKA_BROKERS: "a:1, b:2", API_KEYS: "k1,k2" });
    expect(c).toMatchObject({ PORT: 9000, WORKERS: 3, ROLE: "sink", KAFKA_BROKERS: ["a:1", "b:2"], API_KEYS: ["k1", "k2"] });
  });

  const bad: [string, string][] = [
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["WORKERS", "0"],
    ["WORKERS", "1.5"],
    ["ROLE", "both"],
    ["KAFKA_BROKERS", "localhost"],
    ["KAFKA_BROKERS", "host:99999"],
    ["REDIS_URL", "http://x"],
    ["DATABASE_URL", "not a url"],
    ["TOPIC_PREFIX", "bad topic"],
    ["BODY_LIMIT_BYTES", "-1"],
    ["METRICS_PUBLIC", "yes please"],
    ["API_KEY_IN_QUERY", "2"],
    ["NDJSON_MAX_TICKS", "0"],
    ["MAX_FLAGS_LISTED", "0"],
    ["WS_MAX_INFLIGHT_FRAMES", "0"],
    ["WS_MAX_BUFFERED_BYTES", "1000"],
    ["HTTP_IDLE_TIMEOUT_S", "256"],
    // Bun's idle timeout also cuts a request waiting for its answer: it must outlast the ack wait.
    ["HTTP_IDLE_TIMEOUT_S", "6"],
    // …and the ?ack=stored wait after it (5 s + 10 s by default).
    ["HTTP_IDLE_TIMEOUT_S", "16"],
    ["SINK_MAX_LAG_MS", "-1"],
    ["STORED_ACK_TIMEOUT_MS", "10"],
  ];
  for (const [name, value] of bad) {
    test(`a bad ${name} (${JSON.stringify(value)}) stops with an error naming it`, () => {
      let err: unknown;
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EnvError);
      expect((err as EnvError).variable).toBe(name);
      expect((err as Error).message).toContain(name);
    });
  }

  test("every variable has a description and a default that validates", () => {
    for (const [name, s] of Object.entries(ENV)) {
      expect(s.description.length, name).toBeGreaterThan(5);
    }
    expect(() => loadConfig({})).not.toThrow();
  });
});
