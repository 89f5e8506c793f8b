// Every error tickgate reports on purpose, each with a stable `code`; ingest errors also carry the
// HTTP `status` they answer with. Small factories, in the manner of porsager/postgres `src/errors.js`.

/** A bad environment variable: stops the process at start with a message naming the variable. */
export class EnvError extends Error {
  readonly code = "config.env";
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`);
    this.name = "EnvError";
  }
}

/** An error answered to an HTTP client (or a WebSocket frame) as `{error, code, ...detail}`. */
export class IngestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: Record<string, unknown> = {},
    /** Seconds, sent as Retry-After with 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "IngestError";
  }

  toJSON() {
    return { error: this.message, code: this.code, ...this.detail };
  }
}

export const errors = {
  malformed: (message: string, detail: Record<string, unknown> = {}) =>
    new IngestError(400, "body.malformed", message, detail),
  tooDeep: (max: number) => new IngestError(400, "body.too_deep", `body nests deeper than ${max} levels; a tick's fields are scalars`, { maxDepth: max }),
  incomplete: (why: string) => new IngestError(400, "body.incomplete", `the request body ended early: ${why}`),
  bodyTimeout: (ms: number, what: string) =>
    new IngestError(408, "body.timeout", `the request body did not arrive in time: ${what} (BODY_TIMEOUT_MS=${ms})`, { timeoutMs: ms }),
  lineTooLong: (max: number, index: number) =>
    new IngestError(413, "body.line_too_long", `NDJSON line ${index + 1} is longer than ${max} characters`, { limit: max, index }),
  /** A stream failed after some of its ticks were taken: says how many, and what became of them. */
  partial: (cause: IngestError, taken: number, result: unknown, ackError?: string) =>
    new IngestError(
      cause.status,
      "stream.partial",
      `the stream stopped (${cause.code}: ${cause.message}) after its first ${taken} ticks were taken` +
        (ackError ? `; they were not acknowledged by Kafka (${ackError}): retrying them is safe` : "; those are in Kafka (see result)"),
      { cause: cause.code, taken, ...(result ? { result } : {}) },
      cause.retryAfter,
    ),
  empty: () => new IngestError(400, "body.empty", "request body is empty"),
  tooManyTicks: (limit: number, variable = "MAX_TICKS_PER_REQUEST") =>
    new IngestError(413, "body.too_many_ticks", `more than ${limit} ticks in one request (${variable})`, { limit }),
  tooLarge: (limit: number) =>
    new IngestError(413, "body.too_large", `request body is over the limit of ${limit} bytes`, { limit }),
  tooLargeForQueue: (bytes: number, ring: number) =>
    new IngestError(413, "body.too_large", `the request needs ${bytes} bytes in one validator queue, more than half its ${ring} bytes (RING_BYTES): split it`, { bytes, ringBytes: ring }),
  /** `supported`: every content type the decoder takes (decode.ts CONTENT_TYPES). */
  unsupportedType: (type: string | null, supported: readonly string[]) =>
    new IngestError(
      415,
      "body.unsupported_type",
      `unsupported content type ${JSON.stringify(type ?? "")}: use application/json, application/msgpack or application/x-ndjson`,
      { supported },
    ),
  ackUnsupported: (value: string) =>
    new IngestError(400, "ack.unsupported", `ack=${JSON.stringify(value).slice(0, 40)} is not an acknowledgement level: use ack=kafka (the default: answered once Kafka holds the ticks) or ack=stored (once Redis and PostgreSQL do)`, { supported: ["kafka", "stored"] }),
  /** A route this process's ROLE does not serve (`what`: "ingest", "validators", "a sink"). */
  disabled: (what: string, role: string) => new IngestError(404, "route.disabled", `${what} is not enabled in ROLE=${role}`),
  unauthorized: () => new IngestError(401, "auth.invalid_key", "missing or invalid API key (header x-api-key)"),
  full: (worker: number) =>
    new IngestError(503, "pipeline.full", `validator worker ${worker} queue is full; none of the request's ticks were taken`, { worker }, 1),
  busy: (reason: string, retryAfter = 1) =>
    new IngestError(503, "pipeline.busy", `the pipeline cannot take this request now: ${reason}; none of its ticks were taken`, { reason }, retryAfter),
  unavailable: (reason: string, retryAfter = 1) =>
    new IngestError(503, "pipeline.unavailable", `${reason}; the request's ticks may not be stored: retry it`, { reason }, retryAfter),
  /** The sink's lag passed SINK_MAX_LAG_MS: storage must catch up before more is taken. */
  behind: (lagMs: number, maxLagMs: number) =>
    new IngestError(
      503,
      "pipeline.behind",
      `the sink is ${(lagMs / 1000).toFixed(1)} s behind (SINK_MAX_LAG_MS=${maxLagMs}); none of the request's ticks were taken`,
      { lagMs: Math.round(lagMs), maxLagMs },
      Math.min(30, Math.max(1, Math.ceil((lagMs - maxLagMs) / 1000))),
    ),
  /** ?ack=stored: Kafka holds the ticks, but the sink did not commit them within the bound. */
  notStored: (reason: string) =>
    new IngestError(503, "pipeline.unavailable", `${reason}; the ticks are in Kafka and the sink will store them when it can: a retry is stored once`, { reason, inKafka: true }, 1),
  /** A checks config POST /v1/checks/reload refused: the checks module's ConfigError, answered with its own code and dotted key. */
  checksConfig: (err: { code: string; message: string; key?: string }) => new IngestError(400, err.code, err.message, err.key ? { key: err.key } : {}),
  unknownWorker: (index: string, size: number) => new IngestError(404, "worker.unknown", `no validator worker ${index} (there are ${size})`),
  notRestartable: () =>
    new IngestError(409, "sink.not_restartable", "the sink cannot be restarted in place here (in ROLE=sink it is the process: restart the process)"),
  notFound: () => new IngestError(404, "route.not_found", "not found"),
  /** A bug, answered without its text (the log has it). */
  internal: () => new IngestError(500, "internal", "internal error"),
  shuttingDown: () =>
    new IngestError(503, "pipeline.shutting_down", "tickgate is shutting down; none of the request's ticks were taken", {}, 1),
};
