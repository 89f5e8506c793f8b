// The shapes of the HTTP API's bodies and answers as `t` (TypeBox) schemas, i.e. JSON Schema: the
// `components.schemas` of GET /openapi/json. They describe only. The routes answer with Response
// objects built elsewhere and POST /v1/ticks keeps `parse: "none"` (its own decoder is the
// validator), so none of these is ever handed to Elysia as a body or response validator.
// TypeBox's own builders rather than Elysia's `t`: they are the same but for `t.Integer`, which
// Elysia widens to accept digit strings (for coercing query and path values) and which would
// document an answer's integers as strings.
import { Type as t, type TSchema } from "@sinclair/typebox";
import { CHECKS } from "../checks/index.ts";
import { RECORD_REFUSED } from "../kafka/values.ts";
import { TICK_FIELDS, type Tick, type TickType } from "../tick.ts";

/** A reference to one of SCHEMAS, as OpenAPI writes it. */
export const ref = (name: keyof typeof SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Each tick field as a client may send it (the README's tick table), keyed by the fields of
 * TICK_FIELDS: a field added there without a line here does not compile. The decoder accepts more
 * than this (it normalises and rejects, answering 200 with `rejects`); this is what a valid tick is.
 */
const SENT: { readonly [K in keyof Tick]-?: (type: TickType) => TSchema } = {
  type: (type) => t.Literal(type),
  exchange: () => t.String({ minLength: 1, description: "exchange name; normalised to lower case", examples: ["binance"] }),
  symbol: () => t.String({ minLength: 1, description: "`BASE-QUOTE`; `BASE/QUOTE` and `BASE_QUOTE` are accepted too; normalised to upper case `BASE-QUOTE`", examples: ["BTC-USDT"] }),
  ts: () =>
    t.Union([t.Integer({ minimum: 0, description: "epoch ms, µs or ns, told apart by magnitude" }), t.String({ format: "date-time", description: "ISO-8601" })], {
      description: "when the exchange saw it; stored as µs. The default checks refuse ticks over an hour old (`ts.too_old`) or in the future (`ts.future`)",
    }),
  price: () => t.Number({ exclusiveMinimum: 0, description: "finite, > 0" }),
  size: () => t.Number({ exclusiveMinimum: 0, description: "finite, > 0" }),
  side: () => t.Union([t.Literal("buy"), t.Literal("sell")]),
  tradeId: () =>
    t.Union([t.String({ minLength: 1, maxLength: 64, pattern: "^[\\x21-\\x7e]+$" }), t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })], {
      description: "the exchange's trade id: printable ASCII without spaces, at most maxTradeIdLength (64 by default) characters, or a non-negative safe integer (kept as its decimal text); a repeat is `tradeId.duplicate`",
    }),
  bid: () => t.Number({ exclusiveMinimum: 0, description: "finite, > 0" }),
  bidSize: () => t.Number({ minimum: 0, description: "finite, ≥ 0" }),
  ask: () => t.Number({ exclusiveMinimum: 0, description: "finite, > 0" }),
  askSize: () => t.Number({ minimum: 0, description: "finite, ≥ 0" }),
  seq: () => t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "the feed's sequence number per (exchange, symbol), a non-negative safe integer (a digit string is taken too); checked for duplicates, gaps and order" }),
};

const tickOf = (type: TickType, description: string) =>
  t.Object(Object.fromEntries(TICK_FIELDS[type].map((f) => [f.name, f.optional ? t.Optional(SENT[f.name](type)) : SENT[f.name](type)])), { description });

/** Every code a tick's answer can list: the registry's check ids (severities are configurable) and record.refused. */
export const TICK_CODES: readonly string[] = [...CHECKS.map((c) => c.id), RECORD_REFUSED];

const listed = (what: string) =>
  t.Object(
    {
      index: t.Integer({ minimum: 0, description: "the tick's position in the request (NDJSON: among its non-blank lines; a frame: in the frame)" }),
      codes: t.Array(t.String({ enum: [...TICK_CODES] }), { minItems: 1, description: `${what}, in registry order (GET /v1/checks)` }),
    },
    { additionalProperties: false },
  );

const byCode = (what: string) => t.Record(t.String(), t.Integer({ minimum: 1 }), { description: `per code, how many of the request's ${what} have it (only with the list cut)` });

const resultFields = {
  accepted: t.Integer({ minimum: 0, description: "ticks accepted (in Kafka `ticks.valid`), flagged ones included" }),
  rejected: t.Integer({ minimum: 0, description: "ticks rejected (in Kafka `ticks.rejected` with their codes)" }),
  flagged: t.Integer({ minimum: 0, description: "accepted ticks on which flag checks fired" }),
  rejects: t.Array(listed("the reject codes"), { description: "the rejected ticks, the lowest MAX_REJECTS_LISTED indices" }),
  flags: t.Array(listed("the flag check ids"), { description: "the flagged ticks, the lowest MAX_FLAGS_LISTED indices" }),
  rejectsTruncated: t.Optional(t.Literal(true)),
  rejectsByCode: t.Optional(byCode("rejected ticks")),
  flagsTruncated: t.Optional(t.Literal(true)),
  flagsByCode: t.Optional(byCode("flagged ticks")),
};

/** Detail fields an error may carry beside `error` and `code`, each named by the factory in src/errors.ts that sets it. */
const errorFields = {
  error: t.String({ description: "what went wrong, for a person; may change between releases" }),
  code: t.String({ description: "stable dotted code; see each answer for the codes it can carry" }),
  position: t.Optional(t.Integer({ minimum: 0, description: "body.malformed: offset of the error (JSON: character; MessagePack: byte)" })),
  line: t.Optional(t.Integer({ minimum: 1, description: "body.malformed (JSON)" })),
  column: t.Optional(t.Integer({ minimum: 1, description: "body.malformed (JSON)" })),
  maxDepth: t.Optional(t.Integer({ description: "body.too_deep" })),
  timeoutMs: t.Optional(t.Integer({ description: "body.timeout: BODY_TIMEOUT_MS" })),
  limit: t.Optional(t.Integer({ description: "body.too_large, body.too_many_ticks, body.line_too_long: the bound passed" })),
  index: t.Optional(t.Integer({ description: "body.line_too_long: the line's index" })),
  bytes: t.Optional(t.Integer({ description: "body.too_large: what one validator queue would need" })),
  ringBytes: t.Optional(t.Integer({ description: "body.too_large: RING_BYTES" })),
  supported: t.Optional(t.Array(t.String(), { description: "body.unsupported_type, ack.unsupported: what is" })),
  worker: t.Optional(t.Integer({ description: "pipeline.full: the worker whose queue is full" })),
  reason: t.Optional(t.String({ description: "pipeline.busy, pipeline.unavailable: which bound or failure" })),
  lagMs: t.Optional(t.Integer({ description: "pipeline.behind: the sink's lag" })),
  maxLagMs: t.Optional(t.Integer({ description: "pipeline.behind: SINK_MAX_LAG_MS" })),
  inKafka: t.Optional(t.Literal(true, { description: "pipeline.unavailable with ?ack=stored: Kafka holds the ticks, the sink has not committed them yet" })),
  cause: t.Optional(t.String({ description: "stream.partial: the code that stopped the stream" })),
  taken: t.Optional(t.Integer({ minimum: 1, description: "stream.partial: how many of the stream's first ticks were taken" })),
  result: t.Optional(t.Object(resultFields, { description: "stream.partial: the taken ticks' result, once Kafka acknowledged them" })),
  key: t.Optional(t.String({ description: "config.invalid: the dotted key of the checks config at fault" })),
};

const probe = t.Object({
  ok: t.Boolean(),
  state: t.Optional(t.String({ description: "a fixed word when not ok: unreachable, timeout, restarting, stalled, kafka unavailable, shutting down, …" })),
  workers: t.Optional(
    t.Array(
      t.Object({
        worker: t.Integer({ minimum: 0 }),
        alive: t.Boolean(),
        kafka: t.Union([t.Literal("up"), t.Literal("down"), t.Literal("connecting")]),
        responsive: t.Boolean(),
      }),
    ),
  ),
});

const param = t.Object({
  default: t.Union([t.Number(), t.Null(), t.Array(t.String())]),
  description: t.String(),
  type: t.Union([t.Literal("integer"), t.Literal("number"), t.Literal("number|null"), t.Literal("string[]")]),
  min: t.Optional(t.Number()),
  max: t.Optional(t.Number()),
  global: t.Optional(t.Boolean()),
  items: t.Optional(t.Union([t.Literal("exchange"), t.Literal("symbol")])),
  ifNull: t.Optional(t.Number()),
});

const nullableObject = (description: string) => t.Union([t.Record(t.String(), t.Unknown()), t.Null()], { description });

export const SCHEMAS = {
  Trade: tickOf("trade", "a trade"),
  Quote: tickOf("quote", "a top-of-book quote"),
  Tick: t.Union([t.Ref("#/components/schemas/Trade"), t.Ref("#/components/schemas/Quote")], { description: "a trade or a quote, told apart by `type`" }),
  TickBody: t.Union([t.Ref("#/components/schemas/Tick"), t.Array(t.Ref("#/components/schemas/Tick"), { minItems: 1, description: "at most MAX_TICKS_PER_REQUEST" })], {
    description: "one tick or an array of ticks",
  }),
  TickResult: t.Object(resultFields, { description: "what became of each tick of a request (or of a WebSocket frame, with `frame`)" }),
  Error: t.Object(errorFields, { description: "an error: `{error, code, ...detail}`" }),
  StreamAnswer: t.Union(
    [
      t.Composite([t.Object(resultFields), t.Object({ frame: t.Integer({ minimum: 1 }) })]),
      t.Composite([t.Object(errorFields), t.Object({ status: t.Integer({ description: "the HTTP status the same failure answers" }), frame: t.Integer({ minimum: 1 }) })]),
    ],
    { description: "a WebSocket answer (a text frame of JSON): one per frame, in order, `frame` counting from 1 on the socket" },
  ),
  Health: t.Object({ status: t.Literal("ok") }),
  Readiness: t.Object(
    {
      ready: t.Boolean(),
      ageMs: t.Optional(t.Integer({ minimum: 0, description: "ms since the probes of this report finished" })),
      checks: t.Record(t.String(), probe, { description: "per part: kafka, redis, postgres, sink, workers, process (the parts this ROLE depends on)" }),
    },
    { description: "never an error's text (that goes to the log)" },
  ),
  Checks: t.Object({
    checks: t.Array(
      t.Object({
        id: t.String(),
        severity: t.Union([t.Literal("reject"), t.Literal("flag")]),
        description: t.String(),
        params: t.Record(t.String(), param),
        stateful: t.Boolean(),
        state: t.Optional(t.String({ description: "a stateful check's state policy" })),
        overridable: t.Boolean(),
        reads: t.Array(t.String(), { description: "the tick fields it reads" }),
      }),
    ),
  }),
  Reloaded: t.Object({ reloaded: t.Literal(true), source: t.String({ description: "CHECKS_CONFIG, or (defaults)" }) }),
  Stats: t.Object(
    {
      role: t.Union([t.Literal("all"), t.Literal("ingest"), t.Literal("sink")]),
      workers: t.Array(t.Union([t.Record(t.String(), t.Unknown()), t.Null()]), { description: "per validator worker its counters (null while it restarts)" }),
      workerStates: t.Array(t.Record(t.String(), t.Unknown())),
      rings: t.Array(t.Record(t.String(), t.Unknown()), { description: "per worker its input ring's use" }),
      inflightRequests: t.Integer({ minimum: 0 }),
      httpRequestsInProgress: t.Integer({ minimum: 0 }),
      ndjsonStreams: t.Integer({ minimum: 0 }),
      bodyBytesHeld: t.Integer({ minimum: 0 }),
      openWebSockets: t.Integer({ minimum: 0 }),
      workerRestarts: t.Integer({ minimum: 0 }),
      pipeline: nullableObject("the sink group's lag as ingest sees it (records, seconds, per partition), behind, ?ack=stored requests waiting; null without a pool"),
      sink: nullableObject("the sink's own stats, when this process runs one"),
      // What GET /status reads besides the above (src/http/status.ts).
      at: t.Integer({ description: "ms since the epoch when these figures were read" }),
      ticks: t.Union([t.Object({ accepted: t.Integer({ minimum: 0 }), rejected: t.Integer({ minimum: 0 }), flagged: t.Integer({ minimum: 0 }) }), t.Null()], {
        description: "ticks answered since the process started (flagged included in accepted); null without a pool",
      }),
      ack: t.Union([t.Record(t.String(), t.Object({ buckets: t.Array(t.Number()), counts: t.Array(t.Integer({ minimum: 0 })), sum: t.Number(), count: t.Integer({ minimum: 0 }) })), t.Null()], {
        description: "per ack level (kafka, stored) the cumulative tickgate_request_ack_seconds histogram; null without a pool",
      }),
      codes: t.Union([t.Array(t.Object({ code: t.String(), severity: t.Union([t.Literal("reject"), t.Literal("flag")]), count: t.Integer({ minimum: 1 }) })), t.Null()], {
        description: "ticks each check fired on, summed over the live workers, most first; null without a pool",
      }),
    },
    { description: "counters and states; more fields may be added" },
  ),
  WorkerRestart: t.Object({ worker: t.Integer({ minimum: 0 }), restarting: t.Literal(true) }),
  SinkRestart: t.Object({ sink: t.Literal("restarting") }),
} satisfies Record<string, TSchema>;
