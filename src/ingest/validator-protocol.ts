// The contract between the pool (main thread) and a validator worker: what the worker gets at
// start (workerData), the shared status slots, and the comlink control-plane methods.
// The ring records themselves are in ring-records.ts.
import type { Config } from "../config.ts";
import type { HistogramSnapshot } from "../metrics.ts";

/** Int32 slots of the worker's status SAB (written by the worker, read by the main thread). */
export const STATUS_KAFKA = 0; // one of KAFKA_*
/** A counter the worker bumps every 250 ms while its event loop runs (a count, not a clock: a clock step must not look like a stall). */
export const STATUS_BEAT = 1;
export const STATUS_SLOTS = 16;

/** STATUS_KAFKA values. Only KAFKA_UP lets the pool give the worker ticks. */
export const KAFKA_UP = 0; // the producer is connected and its last send was acknowledged
export const KAFKA_DOWN = 1; // the last send failed: Kafka is unreachable or timing out
export const KAFKA_CONNECTING = 2; // not connected yet (a new or restarted worker)

export interface WorkerInit {
  index: number;
  /** the ring of tick records, main → worker */
  toWorker: SharedArrayBuffer;
  /** the ring of completions, worker → main */
  fromWorker: SharedArrayBuffer;
  /** STATUS_SLOTS Int32 slots */
  status: SharedArrayBuffer;
  config: Config;
  checksConfig: unknown;
}

export interface WorkerStats {
  index: number;
  ticks: number;
  accepted: number;
  rejected: number;
  flagged: number;
  /** fired count per check id (reject and flag) */
  byCheck: Record<string, number>;
  /** each check's severity in the worker's running config (a reload can change it) */
  severity: Record<string, "reject" | "flag" | "off">;
  kafka: {
    sends: number; failures: number; records: number;
    /** records Kafka refused for good (answered record.refused), and those whose digest it refused too */
    refused: number; givenUp: number;
    latency: HistogramSnapshot; healthy: boolean;
  };
  validator: unknown;
}

export interface ValidatorApi {
  /** Resolves once the Kafka producer is connected. */
  ready(): Promise<void>;
  stats(): WorkerStats;
  /** Validates and swaps the checks config; per-symbol state is kept. Throws the config error. */
  reloadChecks(checksConfig: unknown): void;
  /** Resolves when the input ring is empty and every record read so far is acknowledged. */
  drain(): Promise<void>;
  /** drain, then disconnect the producer; the worker can be terminated after this resolves. */
  shutdown(): Promise<void>;
}
