// The contract between the pool (main thread) and a validator worker: what the worker gets at
// start (workerData), the shared status slots, and the comlink control-plane methods.
import type { Config } from "../src/config.ts";

/** Int32 slots of the worker's status SAB (written by the worker, read by the main thread). */
export const STATUS_KAFKA = 0; // 0 = producer healthy, 1 = the last send failed (Kafka unreachable)
export const STATUS_SLOTS = 16;

export interface WorkerInit {
  index: number;
  toWorker: SharedArrayBuffer;
  fromWorker: SharedArrayBuffer;
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
  kafka: { sends: number; failures: number; records: number; latency: import("../src/metrics.ts").HistogramSnapshot; healthy: boolean };
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
