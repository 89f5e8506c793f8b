// A validator worker's running totals: what /v1/stats shows per worker (WorkerStats).
import { CHECKS } from "../../checks/index.ts";

export interface ValidatorCounters {
  ticks: number;
  accepted: number;
  rejected: number;
  flagged: number;
  /** fired count per check id (reject and flag) */
  byCheck: Record<string, number>;
  /** Kafka sends tried, and those that failed */
  sends: number;
  failures: number;
  /** records Kafka acknowledged */
  records: number;
  /** records Kafka refused for good (sent again as record.refused digests), and digests it refused too */
  refused: number;
  givenUp: number;
}

export function newCounters(): ValidatorCounters {
  return {
    ticks: 0, accepted: 0, rejected: 0, flagged: 0,
    byCheck: Object.fromEntries(CHECKS.map((check) => [check.id, 0])) as Record<string, number>,
    sends: 0, failures: 0, records: 0, refused: 0, givenUp: 0,
  };
}

/** Counts each code (a check id) once. */
export function countCodes(counters: ValidatorCounters, codes: readonly string[]): void {
  const byCheck = counters.byCheck;
  for (let i = 0; i < codes.length; i++) byCheck[codes[i]] = (byCheck[codes[i]] ?? 0) + 1;
}
