// The OpenAPI operation of each route: what app.ts hands Elysia as the route's `detail`, which the
// OpenAPI generator copies into the document (detail is metadata: it changes no handler). Error
// answers are built from the factories of src/errors.ts, so each code sits under the status it
// really answers with, and its example is that factory's own output.
import type { DocumentDecoration } from "elysia";
import { ConfigError } from "../checks/index.ts";
import { errors, type IngestError } from "../errors.ts";
import { ENV } from "../config.ts";
import { CONTENT_TYPES } from "../ingest/decode.ts";
import { ref } from "./openapi-schemas.ts";

/** One error a route can answer, and what it means there. */
type Failure = readonly [IngestError, string];

/** An environment variable's default, for the examples (they show what a default install answers). */
const D = (name: keyof typeof ENV) => Number(ENV[name].default);

const RESULT = { accepted: 1, rejected: 1, flagged: 0, rejects: [{ index: 1, codes: ["quote.crossed"] }], flags: [] };

/** The errors the routes answer, each made by its factory (the example args are made up, the shape is real). */
const F = {
  malformed: [errors.malformed("body is not valid JSON at line 1, column 13: unexpected character", { position: 12, line: 1, column: 13 }), "not JSON or MessagePack, or not a tick or an array of ticks; JSON: with `position`, `line`, `column`, MessagePack: with `position`"],
  empty: [errors.empty(), "the body is empty"],
  tooDeep: [errors.tooDeep(8), "the body nests deeper than a tick can"],
  incomplete: [errors.incomplete("the connection closed"), "the body ended early"],
  ack: [errors.ackUnsupported("soon"), "`?ack=` other than `kafka` or `stored`"],
  timeout: [errors.bodyTimeout(D("BODY_TIMEOUT_MS"), "the whole body must arrive within the bound"), "the body did not arrive within BODY_TIMEOUT_MS, or an NDJSON stream was silent that long"],
  tooLarge: [errors.tooLarge(D("BODY_LIMIT_BYTES")), "the body is over BODY_LIMIT_BYTES (NDJSON: NDJSON_LIMIT_BYTES), or would need over half a validator queue"],
  tooMany: [errors.tooManyTicks(D("MAX_TICKS_PER_REQUEST")), "over MAX_TICKS_PER_REQUEST ticks (NDJSON: NDJSON_MAX_TICKS lines, see stream.partial)"],
  lineTooLong: [errors.lineTooLong(1048576, 0), "an NDJSON line over 1,048,576 characters"],
  unsupported: [errors.unsupportedType("text/plain", CONTENT_TYPES), "a Content-Type other than JSON, MessagePack or NDJSON"],
  full: [errors.full(0), "a validator queue is full: **none** of the ticks were taken"],
  busy: [errors.busy(`more than ${D("MAX_INFLIGHT_REQUESTS")} requests in progress (MAX_INFLIGHT_REQUESTS)`), "a bound of admission is reached, a worker restarts or Kafka is known down: **none** taken"],
  behind: [errors.behind(D("SINK_MAX_LAG_MS") + 1500, D("SINK_MAX_LAG_MS")), "the sink is over SINK_MAX_LAG_MS behind (`lagMs`, `maxLagMs`): **none** taken"],
  unavailable: [errors.unavailable(`Kafka did not acknowledge the ticks within ${D("KAFKA_ACK_TIMEOUT_MS")} ms`), "Kafka did not acknowledge in KAFKA_ACK_TIMEOUT_MS or a worker died: the ticks may still arrive, retrying is safe"],
  notStored: [errors.notStored(`the sink did not commit within ${D("STORED_ACK_TIMEOUT_MS")} ms`), "`?ack=stored` (`inKafka: true`): Kafka holds the ticks, the sink did not commit them within STORED_ACK_TIMEOUT_MS"],
  shuttingDown: [errors.shuttingDown(), "tickgate is shutting down: **none** taken"],
  partialLines: [errors.partial(errors.tooManyTicks(D("NDJSON_MAX_TICKS"), "NDJSON_MAX_TICKS"), D("NDJSON_MAX_TICKS"), RESULT), "an NDJSON stream failed after some ticks were taken: `taken`, `cause`, and once Kafka acknowledged them their `result`"],
  partialTimeout: [errors.partial(errors.bodyTimeout(D("BODY_TIMEOUT_MS"), "no data arrived for too long"), 512, RESULT), "an NDJSON stream went silent after some ticks were taken"],
  partialEnded: [errors.partial(errors.incomplete("the connection closed"), 512, RESULT), "an NDJSON stream ended early after some ticks were taken"],
  partialRefused: [errors.partial(errors.full(0), 512, undefined, `Kafka did not acknowledge the ticks within ${D("KAFKA_ACK_TIMEOUT_MS")} ms`), "an NDJSON stream was refused after some ticks were taken (without `result` when Kafka did not acknowledge those)"],
  notUpgrade: [errors.malformed("GET /v1/stream is a WebSocket: send an upgrade request"), "a plain GET, not a WebSocket upgrade"],
  disabled: [errors.disabled("ingest", "sink"), "the route is not served in this process's ROLE"],
  config: [errors.checksConfig({ code: ConfigError.CODE, message: "overrides.binance.priceMax: expected a number", key: "overrides.binance.priceMax" }), "the checks config is invalid (`key` names it); the running config stays"],
  unknownWorker: [errors.unknownWorker("7", 2), "no validator worker with that index"],
  notRestartable: [errors.notRestartable(), "ROLE=sink: the sink is the process, restart the process"],
  unauthorized: [errors.unauthorized(), "API_KEYS is set and the request has none of them (header `x-api-key`, or `Authorization: Bearer`)"],
  notFound: [errors.notFound(), "no route for this method and path (401 instead when API_KEYS is set and no key was sent)"],
  internal: [errors.internal(), "a bug: logged, answered without its text"],
} satisfies Record<string, Failure>;

const json = (schema: object, example?: unknown) => ({ "application/json": { schema, ...(example === undefined ? {} : { example }) } });
const RETRY_AFTER = { "Retry-After": { required: true, description: "seconds to wait before retrying", schema: { type: "integer", minimum: 1 } } };

/** One answer per status of `failures`: its codes as an enum, one example per code, Retry-After on 503. */
function failing(...failures: Failure[]): Record<string, object> {
  const byStatus = new Map<number, Failure[]>();
  for (const f of failures) byStatus.set(f[0].status, [...(byStatus.get(f[0].status) ?? []), f]);
  const out: Record<string, object> = {};
  for (const [status, list] of byStatus) {
    const codes = [...new Set(list.map(([e]) => e.code))];
    const examples = Object.fromEntries(list.map(([e, means], i) => [list.filter(([o]) => o.code === e.code).length > 1 ? `${e.code} (${i})` : e.code, { summary: means, value: e.toJSON() }]));
    out[status] = {
      description: list.map(([e, means]) => `\`${e.code}\`: ${means}`).join("; "),
      ...(status === 503 ? { headers: RETRY_AFTER } : {}),
      content: { "application/json": { schema: { allOf: [ref("Error"), { properties: { code: { enum: codes } } }] }, examples } },
    };
  }
  return out;
}

/** Answers every route shares, referenced from the operations (route.not_found: from no route, by definition). */
export const SHARED_RESPONSES = {
  Unauthorized: failing(F.unauthorized)[401]!,
  NotFound: failing(F.notFound)[404]!,
  Internal: failing(F.internal)[500]!,
};
const shared = (name: keyof typeof SHARED_RESPONSES) => ({ $ref: `#/components/responses/${name}` });
const KEYED = { 401: shared("Unauthorized"), 500: shared("Internal") };
/** Operations that never need a key (`security: []`); the rest take one when API_KEYS is set. */
const OPEN = { security: [] as object[], responses: { 500: shared("Internal") } };

const ACK = {
  name: "ack",
  in: "query",
  required: false,
  description: "`kafka` (the default): answered once Kafka holds every tick; `stored`: once Redis and PostgreSQL do (the sink group committed them)",
  schema: { type: "string", enum: ["kafka", "stored"], default: "kafka" },
};

const TRADE = { type: "trade", exchange: "binance", symbol: "BTC/USDT", ts: 1767225600000, price: 97000.5, size: 0.01, side: "buy", tradeId: 1 };
const QUOTE = { type: "quote", exchange: "binance", symbol: "BTC-USDT", ts: 1767225600000, bid: 97001, bidSize: 1, ask: 97000, askSize: 2 };

const TICKS = {
  tags: ["ingest"],
  summary: "Validate ticks and hand the valid ones to Kafka",
  description:
    "One tick or an array. `200` once every tick is in Kafka (`?ack=kafka`) or in Redis and PostgreSQL (`?ack=stored`); a tick a check rejects is answered in `rejects`, not as an error. " +
    "Also accepted: `text/json`; `application/vnd.msgpack`; `application/ndjson`, `application/jsonl`, `application/jsonlines`. A NDJSON line that is not JSON is one rejected tick (`schema.unreadable`). " +
    "MessagePack is standard MessagePack (msgpackr's record extension is refused).",
  parameters: [ACK],
  requestBody: {
    required: true,
    description: "MessagePack holds the same values as JSON. NDJSON is one JSON tick a line, read and validated as it streams in (OpenAPI 3.1 has no schema for a sequence: it is written here as an array of the lines' ticks).",
    content: {
      "application/json": { schema: ref("TickBody"), examples: { trade: { value: TRADE }, "trade and crossed quote": { value: [TRADE, QUOTE] } } },
      "application/msgpack": { schema: ref("TickBody") },
      "application/x-msgpack": { schema: ref("TickBody") },
      "application/x-ndjson": { schema: { type: "array", items: ref("Tick"), description: "one tick a line" } },
    },
  },
  responses: {
    200: { description: "every tick is acknowledged: accepted, rejected or flagged", content: json(ref("TickResult"), RESULT) },
    ...failing(
      F.malformed, F.empty, F.tooDeep, F.incomplete, F.ack, F.partialEnded, F.timeout, F.partialTimeout, F.tooLarge, F.tooMany, F.lineTooLong, F.partialLines, F.unsupported, F.disabled,
      F.full, F.busy, F.behind, F.unavailable, F.notStored, F.shuttingDown, F.partialRefused,
    ),
    ...KEYED,
  },
};

const STREAM = {
  tags: ["ingest"],
  summary: "WebSocket: ticks frame by frame",
  description:
    "A WebSocket upgrade (`Connection: Upgrade`, `Upgrade: websocket`). Each text frame is JSON and each binary frame MessagePack, holding a `TickBody`; each is answered, in order, " +
    "by one text frame of JSON, a `StreamAnswer`: the `TickResult` plus `frame` (counting from 1), or the error object plus its `status` and `frame`. The socket's `?ack=` holds for every frame. " +
    "Closes: `1009` a frame over BODY_LIMIT_BYTES; `1008` over WS_MAX_INFLIGHT_FRAMES unanswered frames or WS_MAX_BUFFERED_BYTES of unread answers; `1001` shutdown; silent for WS_IDLE_TIMEOUT_S: closed. " +
    "A browser may pass its key as `?api_key=` when API_KEY_IN_QUERY=true.",
  parameters: [ACK],
  security: [{}, { apiKey: [] }, { bearer: [] }, { apiKeyQuery: [] }],
  responses: {
    101: { description: "switched to the WebSocket protocol: frames carry `TickBody` one way and `StreamAnswer` (components.schemas) the other" },
    ...failing(F.ack, F.notUpgrade, F.disabled, F.busy),
    ...KEYED,
  },
};

const text = (type: string, description: string) => ({ description, content: { [type]: { schema: { type: "string" } } } });
const PAGE_HEADERS = { "Content-Security-Policy": { description: "allows only the page's own inline style (and script)", schema: { type: "string" } } };

const DOCS = {
  ticks: TICKS,
  stream: STREAM,
  healthz: { tags: ["probes"], summary: "The process is alive", ...OPEN, responses: { 200: { description: "alive", content: json(ref("Health"), { status: "ok" }) }, ...OPEN.responses } },
  readyz: {
    tags: ["probes"],
    summary: "Can it take ticks now?",
    description: "`200` when Kafka, Redis and PostgreSQL answer (those this ROLE uses), every validator worker is alive, beating and has its Kafka producer up, and the sink runs; else `503` (without Retry-After). The report is at most ~2.5 s old (`ageMs`).",
    ...OPEN,
    responses: { 200: { description: "ready", content: json(ref("Readiness")) }, 503: { description: "not ready: each part with a fixed `state` word", content: json(ref("Readiness")) }, ...OPEN.responses },
  },
  metrics: {
    tags: ["operations"],
    summary: "Prometheus metrics",
    description: "Prometheus text exposition format 0.0.4 (`text/plain; version=0.0.4`). Needs a key unless METRICS_PUBLIC=true.",
    responses: { 200: text("text/plain", "the metrics"), ...KEYED },
  },
  checks: { tags: ["checks"], summary: "The check registry", responses: { 200: { description: "every check with its parameters and their defaults and bounds", content: json(ref("Checks")) }, ...KEYED } },
  reload: {
    tags: ["checks"],
    summary: "Re-read CHECKS_CONFIG into every worker",
    description: "Without a restart (also on SIGHUP). The request body is ignored.",
    responses: { 200: { description: "swapped in", content: json(ref("Reloaded")) }, ...failing(F.config, F.disabled), ...KEYED },
  },
  stats: { tags: ["operations"], summary: "Counters and states", responses: { 200: { description: "per worker, rings, requests, sockets, pipeline, sink", content: json(ref("Stats")) }, ...KEYED } },
  workerRestart: {
    tags: ["operations"],
    summary: "End validator worker {index}; a fresh one takes over",
    description: "Its requests in flight are answered `503 pipeline.unavailable` (retrying them is safe).",
    responses: { 202: { description: "restarting", content: json(ref("WorkerRestart")) }, ...failing(F.disabled, F.unknownWorker), ...KEYED },
  },
  sinkRestart: {
    tags: ["operations"],
    summary: "End the sink thread; a new one starts (ROLE=all)",
    description: "The sink first writes and commits what it holds, or with `?hard=true` stops at once, as a crash would.",
    parameters: [{ name: "hard", in: "query", required: false, description: "`true`: at once", schema: { type: "boolean", default: false } }],
    responses: { 202: { description: "restarting", content: json(ref("SinkRestart")) }, ...failing(F.disabled, F.notRestartable), ...KEYED },
  },
  status: {
    tags: ["docs"],
    summary: "Live status page",
    description: "A self-contained page for people (no data in it: its script reads /v1/stats, with the key it asks for when API_KEYS is set).",
    ...OPEN,
    responses: { 200: { ...text("text/html", "the page"), headers: PAGE_HEADERS }, ...OPEN.responses },
  },
  openapiPage: { tags: ["docs"], summary: "This document, as a page", responses: { 200: { ...text("text/html", "a self-contained page (no script, nothing loaded from elsewhere)"), headers: PAGE_HEADERS }, ...KEYED } },
  openapiJson: { tags: ["docs"], summary: "This document (OpenAPI 3.1)", responses: { 200: { description: "the document", content: json({ type: "object" }) }, ...KEYED } },
};

/**
 * The `detail` of each route, by the name app.ts uses. Elysia types `detail` as an OpenAPI 3.0
 * operation (openapi-types); these are 3.1 (JSON Schema 2020-12 in the schemas), hence the cast.
 */
export const ROUTE_DOCS = DOCS as unknown as Record<keyof typeof DOCS, DocumentDecoration>;
