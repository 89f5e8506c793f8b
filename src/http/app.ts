// The HTTP surface (docs/api.md, "Endpoints"): thin Elysia routes over the pool, the sink and the probes.
// The bounds a hostile client could push against live beside the code they guard: admission.ts
// (requests, body bytes, streams), ingest.ts (body size and read time), stream.ts (WebSockets).
import { Elysia } from "elysia";
import { CHECKS, ConfigError } from "../checks/index.ts";
import type { Config } from "../config.ts";
import { errors } from "../errors.ts";
import type { TickResult, ValidatorPool } from "../ingest/pool.ts";
import type { SinkProgress } from "../ingest/sink-progress.ts";
import { Registry } from "../metrics.ts";
import { Admission } from "./admission.ts";
import { createAuth } from "./auth.ts";
import { lagBoundMetrics, readinessMetrics } from "./health-metrics.ts";
import { ackOf, ingestRequest } from "./ingest.ts";
import { openapiAnswers } from "./openapi.ts";
import { ROUTE_DOCS as docs } from "./openapi-routes.ts";
import type { Probes } from "./probes.ts";
import { errorResponse, json } from "./respond.ts";
import { createStream, type OpenSockets } from "./stream.ts";
import { severityOf, statusPage, statusStats } from "./status.ts";

export interface AppDeps {
  config: Config;
  pool: ValidatorPool | null;
  /** The sink group's progress as read from Kafka (with the pool: ROLE=all and ROLE=ingest). */
  progress?: SinkProgress | null;
  probes: Probes;
  /** Extra Prometheus text (the sink's metrics), when this process runs a sink. */
  sinkMetrics?: () => Promise<string>;
  sinkStats?: () => Promise<unknown>;
  /** Re-reads CHECKS_CONFIG and swaps it into every worker; throws the config error. */
  reloadChecks?: () => Promise<void>;
  /** Ends the sink thread for its supervisor to replace; false when the sink is this process (ROLE=sink). */
  restartSink?: (hard: boolean) => boolean;
  /** The open WebSockets, for shutdown to close them with a code of its own. */
  sockets: OpenSockets;
}

/** The Elysia app, and the WebSocket handlers to give Bun.serve with it (listen({ websocket })). */
export function createApp(deps: AppDeps) {
  const { config, pool, probes } = deps;
  const registry = new Registry();
  const requests = registry.counter("tickgate_http_requests_total", "HTTP requests and WebSocket frames by route and status");
  const ticks = registry.counter("tickgate_ticks_total", "ticks answered, by outcome (accepted includes flagged)");
  const ackLatency = registry.histogram("tickgate_request_ack_seconds", "time from receipt to the answer, by route and acknowledgement level (kafka, stored)");
  const wsClosed = registry.counter("tickgate_ws_closed_by_server_total", "WebSocket connections tickgate closed, by reason");
  const auth = createAuth(config);

  const observe = (route: string, status: number, started: number, result?: TickResult, ack = "kafka") => {
    requests.inc({ route, status: String(status) });
    ackLatency.observe((performance.now() - started) / 1000, { route, ack });
    if (result) {
      ticks.inc({ outcome: "accepted" }, result.accepted);
      ticks.inc({ outcome: "rejected" }, result.rejected);
      ticks.inc({ outcome: "flagged" }, result.flagged);
    }
  };

  const needPool = () => {
    if (!pool) throw errors.disabled("ingest", config.ROLE);
    return pool;
  };

  /** The route's answer, or 401 first when API keys are configured and the request has none of them. */
  const guarded = (request: Request, route: () => Response | Promise<Response>) =>
    auth.allows(request.headers) ? route() : errorResponse(errors.unauthorized());

  const admission = new Admission(config);
  const { sockets } = deps;
  const maxBody = Math.max(config.BODY_LIMIT_BYTES, config.NDJSON_LIMIT_BYTES);

  const stream = createStream({
    config, pool, auth, sockets,
    observe: (status, started, result, ack) => observe("/v1/stream", status, started, result, ack),
    closedByServer: (reason) => wsClosed.inc({ reason }),
  });

  // The document describes the routes below (each route's `detail`); built from them on first request.
  const openapi = openapiAnswers(() => app);
  const app = new Elysia({
    serve: {
      maxRequestBodySize: Math.min(maxBody + 1024 * 1024, 2 ** 31 - 1),
      // Closes connections that send nothing (idle keep-alives, uploads that stopped); it also cuts a
      // request whose answer takes longer, so config.ts keeps it above the ack and body bounds.
      idleTimeout: config.HTTP_IDLE_TIMEOUT_S,
    },
  })
    .post(
      "/v1/ticks",
      async ({ request }) => {
        const started = performance.now();
        let ack = "kafka";
        try {
          admission.enterRequest();
        } catch (err) {
          observe("/v1/ticks", 503, started);
          return errorResponse(err);
        }
        try {
          if (!auth.allows(request.headers)) throw errors.unauthorized();
          ack = ackOf(request.url);
          const result = await ingestRequest(request, needPool(), config, admission, ack as "kafka" | "stored");
          observe("/v1/ticks", 200, started, result, ack);
          return json(200, result);
        } catch (err) {
          const res = errorResponse(err);
          observe("/v1/ticks", res.status, started, undefined, ack);
          return res;
        } finally {
          admission.leaveRequest();
        }
      },
      { parse: "none", detail: docs.ticks },
    )
    .get("/v1/stream", ({ request, server }) => stream.upgrade(request, server as never), { detail: docs.stream })
    .get("/healthz", () => json(200, { status: "ok" }), { detail: docs.healthz })
    .get("/readyz", async () => {
      const report = await probes.readiness();
      return json(report.ready ? 200 : 503, report);
    }, { detail: docs.readyz })
    // A page for people; it holds no data, so no key (a browser cannot send one on navigation).
    .get("/status", () => statusPage(), { detail: docs.status })
    .get("/v1/checks", ({ request }) => guarded(request, () => json(200, { checks: CHECKS })), { detail: docs.checks })
    .post("/v1/checks/reload", ({ request }) => guarded(request, async () => {
      if (!deps.reloadChecks) return errorResponse(errors.disabled("validators", config.ROLE));
      try {
        await deps.reloadChecks();
        return json(200, { reloaded: true, source: config.CHECKS_CONFIG || "(defaults)" });
      } catch (err) {
        // A ConfigError names its key; an unreadable file (main.ts) or a worker's refusal (its
        // ConfigError crossed the thread as a plain Error) is a bad config all the same.
        const e = err as Error & { key?: string };
        return errorResponse(errors.checksConfig({ code: ConfigError.CODE, message: e.message, key: e.key }));
      }
    }), { parse: "none", detail: docs.reload })
    // Operators (and the fault run) end a validator worker; the pool answers its requests 503 and
    // starts a fresh one, as it does for a worker that crashed or stalled.
    .post("/v1/workers/:index/restart", ({ request, params }) => guarded(request, () => {
      const index = Number(params.index);
      if (!pool) return errorResponse(errors.disabled("validators", config.ROLE));
      if (!Number.isInteger(index) || index < 0 || index >= pool.size) {
        return errorResponse(errors.unknownWorker(params.index, pool.size));
      }
      pool.terminateWorker(index, "was restarted by POST /v1/workers/:index/restart");
      return json(202, { worker: index, restarting: true });
    }), { parse: "none", detail: docs.workerRestart })
    // ?hard=true ends the thread at once, as a crash would; without it the sink first writes and
    // commits what it holds and leaves its group, so the new one starts without waiting for a rebalance.
    .post("/v1/sink/restart", ({ request, query }) => guarded(request, () => {
      if (!deps.restartSink) return errorResponse(errors.disabled("a sink", config.ROLE));
      if (!deps.restartSink(query.hard === "true")) return errorResponse(errors.notRestartable());
      return json(202, { sink: "restarting" });
    }), { parse: "none", detail: docs.sinkRestart })
    .get("/v1/stats", ({ request }) => guarded(request, async () => {
      const workers = pool ? await pool.stats() : null;
      return json(200, {
        role: config.ROLE,
        workers: workers ?? [],
        workerStates: pool ? pool.workerStates() : [],
        rings: pool ? pool.occupancy() : [],
        inflightRequests: pool?.inflightRequests() ?? 0,
        httpRequestsInProgress: admission.requests,
        ndjsonStreams: admission.streams,
        bodyBytesHeld: admission.bodyBytes,
        openWebSockets: sockets.size,
        workerRestarts: pool?.restarts() ?? 0,
        pipeline: deps.progress ? pipelineStats(deps.progress, config) : null,
        sink: deps.sinkStats ? await deps.sinkStats() : null,
        // at, ticks, ack, codes: what GET /status needs besides the above (status.ts)
        ...statusStats({ ticks, ackLatency }, workers),
      });
    }), { detail: docs.stats })
    .get("/metrics", async ({ request }) => {
      if (!config.METRICS_PUBLIC && !auth.allows(request.headers)) return errorResponse(errors.unauthorized());
      const text = registry.text() + connectionMetrics(admission, sockets.size) + (await readinessMetrics(probes)) + (pool ? await poolMetrics(pool) : "") + (deps.progress ? progressMetrics(deps.progress, config) + lagBoundMetrics(config) : "") + (deps.sinkMetrics ? await deps.sinkMetrics() : "");
      return new Response(text, { headers: { "content-type": "text/plain; version=0.0.4" } });
    }, { detail: docs.metrics })
    // Behind the key like the API it describes: without one, routes cannot be listed (onError).
    .get("/openapi", ({ request }) => guarded(request, () => openapi.page()), { detail: docs.openapiPage })
    .get("/openapi/json", ({ request }) => guarded(request, () => openapi.json()), { detail: docs.openapiJson })
    .onError(({ code, error, request }) => {
      if (code === "NOT_FOUND") return errorResponse(auth.allows(request.headers) ? errors.notFound() : errors.unauthorized());
      if (code === "PARSE" || code === "VALIDATION") return errorResponse(errors.malformed(String((error as Error).message)));
      return errorResponse(error);
    });
  return { app, websocket: stream.handlers };
}

function connectionMetrics(admission: Admission, sockets: number): string {
  const registry = new Registry();
  registry.gauge("tickgate_http_requests_in_progress", "POST /v1/ticks requests being read or answered").set({}, admission.requests);
  registry.gauge("tickgate_ndjson_streams_open", "NDJSON requests being streamed in").set({}, admission.streams);
  registry.gauge("tickgate_body_bytes_held", "bytes of request bodies held in memory").set({}, admission.bodyBytes);
  const refused = registry.counter("tickgate_requests_refused_total", "requests refused at the door (503 pipeline.busy), by the bound they hit");
  for (const [bound, n] of Object.entries(admission.refused)) refused.inc({ bound }, n);
  registry.gauge("tickgate_websockets_open", "open WebSocket connections").set({}, sockets);
  return registry.text();
}

/** The storage half as ingest sees it: the sink group's lag, and the bound that turns it into 503s. */
function pipelineStats(progress: SinkProgress, config: Config) {
  const lag = progress.lag();
  return {
    sinkGroup: config.SINK_GROUP,
    lag: { records: lag.records, seconds: Number(lag.seconds.toFixed(3)), byPartition: lag.byPartition },
    lagKnown: lag.known,
    sinkSeen: lag.sinkSeen,
    maxLagMs: config.SINK_MAX_LAG_MS,
    behind: progress.behind() > 0,
    storedAckWaiting: progress.waiting(),
    error: progress.error(),
  };
}

function progressMetrics(progress: SinkProgress, config: Config): string {
  const registry = new Registry();
  const lag = progress.lag();
  const g = { group: config.SINK_GROUP };
  registry.gauge("tickgate_pipeline_lag_records", "records in the valid topic the sink group has not committed (Redis and PostgreSQL do not hold them yet)").set(g, lag.records);
  registry.gauge("tickgate_pipeline_lag_seconds", "age of the oldest accepted tick the sink group has not committed").set(g, lag.seconds);
  registry.gauge("tickgate_pipeline_behind", "1 while the lag passes SINK_MAX_LAG_MS and ingest answers 503 pipeline.behind").set(g, progress.behind() > 0 ? 1 : 0);
  registry.gauge("tickgate_stored_ack_waiting", "?ack=stored requests Kafka acknowledged that wait for the sink").set({}, progress.waiting());
  return registry.text();
}

/** Metrics that live in the workers (per-check counts, Kafka latency) and the rings, gathered per scrape. */
async function poolMetrics(pool: ValidatorPool): Promise<string> {
  const registry = new Registry();
  const fired = registry.counter("tickgate_check_fired_total", "ticks on which a check fired, by check id and severity");
  const produce = registry.histogram("tickgate_kafka_produce_seconds", "Kafka sendBatch latency per validator batch");
  const sends = registry.counter("tickgate_kafka_sends_total", "Kafka sendBatch calls by result");
  const refusedRecords = registry.counter("tickgate_kafka_records_refused_total", "records Kafka refused for good (answered record.refused), by what became of them");
  const ringUsed = registry.gauge("tickgate_ring_used_bytes", "bytes waiting in each worker's input ring");
  const ringCap = registry.gauge("tickgate_ring_capacity_bytes", "size of each worker's input ring");
  const restarts = registry.counter("tickgate_worker_restarts_total", "validator workers restarted after dying");
  const kafkaUp = registry.gauge("tickgate_worker_kafka_up", "1 when the worker's Kafka producer is connected and its last send was acknowledged");
  for (const s of await pool.stats()) {
    if (!s) continue;
    for (const [id, n] of Object.entries(s.byCheck)) fired.inc({ check: id, severity: severityOf(s, id) }, n);
    produce.merge(s.kafka.latency);
    sends.inc({ result: "ok" }, s.kafka.sends - s.kafka.failures);
    sends.inc({ result: "error" }, s.kafka.failures);
    refusedRecords.inc({ stored: "digest" }, s.kafka.refused - s.kafka.givenUp);
    refusedRecords.inc({ stored: "none" }, s.kafka.givenUp);
  }
  for (const w of pool.workerStates()) kafkaUp.set({ worker: String(w.worker) }, w.alive && w.kafka === "up" ? 1 : 0);
  for (const r of pool.occupancy()) {
    ringUsed.set({ worker: String(r.worker) }, r.used);
    ringCap.set({ worker: String(r.worker) }, r.capacity);
  }
  restarts.inc({}, pool.restarts());
  return registry.text();
}
