// Every error the sink reports on purpose, each with a stable `code`, in the manner of src/errors.ts
// (named sink-errors.ts so that no two modules share a name). A poison code travels in a DLQ
// record's `reason`; an outage code is what /readyz shows while the sink waits.

/** Why a consumed record can never be stored: it goes to the DLQ once and its offset is committed. */
export const POISON = {
  undecodable: "record.undecodable",
  notObject: "record.not_object",
  version: "record.version",
  missingField: "record.missing_field",
  badField: "record.bad_field",
  /** PostgreSQL refused the row with a data error (SQLSTATE class 22/23 other than unique). */
  pgData: "record.pg_rejected",
  /** Redis refused a command for this key with a non-connection error (e.g. WRONGTYPE). */
  redisData: "record.redis_rejected",
} as const;
export type PoisonCode = (typeof POISON)[keyof typeof POISON];

export class PoisonRecord extends Error {
  readonly name = "PoisonRecord";
  constructor(
    readonly code: PoisonCode,
    message: string,
  ) {
    super(message);
  }
}

/** The stores and the broker the sink writes to. */
export type Target = "redis" | "pg" | "kafka";

/** A target the sink writes to could not take a batch; the batch is kept and retried. */
export class SinkUnavailable extends Error {
  readonly name = "SinkUnavailable";
  constructor(
    readonly target: Target,
    readonly code: `sink.${Target}_unavailable`,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** Thrown out of a flush when the sink stops before the batch could be written: nothing is committed. */
export class FlushAborted extends Error {
  readonly name = "FlushAborted";
  readonly code = "sink.aborted";
}

export const sinkErrors = {
  redis: (cause: unknown) => new SinkUnavailable("redis", "sink.redis_unavailable", `redis write failed: ${messageOf(cause)}`, cause),
  pg: (cause: unknown) => new SinkUnavailable("pg", "sink.pg_unavailable", `postgres write failed: ${messageOf(cause)}`, cause),
};

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
