// The HTTP surface (DESIGN.md, "Endpoints"): thin Elysia routes over the pool, the sink and the probes.
import { Elysia } from "elysia";
import { CHECKS } from "../checks/index.ts";
import type { Config } from "../config.ts";
import { errors, IngestError } from "../errors.ts";
import type { TickResult, ValidatorPool } from "../ingest/pool.ts";
import { Registry } from "../metrics.ts";
import { ingestFrame, ingestRequest } from "./ingest.ts";
import type { Probes } from "./probes.ts";

export interface AppDeps {
  config: Config;
  pool: ValidatorPool | null;
  probes: Probes;
  /** Extra Prometheus text (the sink's metrics), when this process runs a sink. */
  sinkMetrics?: () => Promise<string>;
  sinkStats?: () => Promise<unknown>;
  /** Re-reads CHECKS_CONFIG and swaps it into every worker; throws the config error. */
  reloadChecks?: () => Promise<void>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function errorResponse(err: unknown): Response {
  if (err instanceof IngestError) {
    return json(err.status, err.toJSON(), err.retryAfter ? { "retry-after": String(err.retryAfter) } : {});
  }
  console.error(JSON.stringify({ level: "error", msg: "unexpected error", error: String((err as Error)?.stack ?? err) }));
  return json(500, { error: "internal error", code: "internal" });
}

export function createApp(deps: AppDeps) {
  const { config, pool, probes } = deps;
  const registry = new Registry();
  const requests = registry.counter("tickgate_http_requests_total", "HTTP requests and WebSocket frames by route and status");
  const ticks = registry.counter("tickgate_ticks_total", "ticks answered, by outcome (accepted includes flagged)");
  const ackLatency = registry.histogram("tickgate_request_ack_seconds", "time from receipt to the answer (after Kafka acks), by route");
  const keys = new Set(config.API_KEYS);

  const authorized = (headers: Headers, url?: string) => {
    if (keys.size === 0) return true;
    const bearer = headers.get("authorization")?.replace(/^Bearer\s+/i, "");
    const key = headers.get("x-api-key") ?? bearer ?? (url ? new URL(url).searchParams.get("api_key") : null);
    return key !== null && keys.has(key);
  };

  const observe = (route: string, status: number, started: number, result?: TickResult) => {
    requests.inc({ route, status: String(status) });
    ackLatency.observe((performance.now() - started) / 1000, { route });
    if (result) {
      ticks.inc({ outcome: "accepted" }, result.accepted);
      ticks.inc({ outcome: "rejected" }, result.rejected);
      ticks.inc({ outcome: "flagged" }, result.flagged);
    }
  };

  const needPool = () => {
    if (!pool) throw new IngestError(404, "route.disabled", `ingest is not enabled in ROLE=${config.ROLE}`);
    return pool;
  };

  const connections = new WeakMap<object, { frame: number; tail: Promise<unknown> }>();
  const maxBody = Math.max(config.BODY_LIMIT_BYTES, config.NDJSON_LIMIT_BYTES);

  return new Elysia({ serve: { maxRequestBodySize: Math.min(maxBody + 1024 * 1024, 2 ** 31 - 1) } })
    .post(
      "/v1/ticks",
      async ({ request }) => {
        const started = performance.now();
        try {
          if (!authorized(request.headers)) throw errors.unauthorized();
          const result = await ingestRequest(request, needPool(), config);
          observe("/v1/ticks", 200, started, result);
          return json(200, result);
        } catch (err) {
          const res = errorResponse(err);
          observe("/v1/ticks", res.status, started);
          return res;
        }
      },
      { parse: "none" },
    )
    .ws("/v1/stream", {
      maxPayloadLength: config.BODY_LIMIT_BYTES,
      beforeHandle({ request }) {
        if (!pool) return json(404, { error: `ingest is not enabled in ROLE=${config.ROLE}`, code: "route.disabled" });
        if (!authorized(request.headers, request.url)) return errorResponse(errors.unauthorized());
      },
      open(ws) {
        connections.set(ws.raw, { frame: 0, tail: Promise.resolve() });
      },
      message(ws, message) {
        const conn = connections.get(ws.raw)!;
        const frame = ++conn.frame;
        const started = performance.now();
        const answer = ingestFrame(message, needPool(), config).then(
          (result) => (observe("/v1/stream", 200, started, result), { ...result, frame }),
          (err) => {
            const e = err instanceof IngestError ? err : errors.malformed(String(err?.message ?? err));
            observe("/v1/stream", e.status, started);
            return { ...e.toJSON(), status: e.status, frame };
          },
        );
        // Frames are validated concurrently but answered in the order they came. Bun drops a message
        // (send → 0) once a client stops reading past the backpressure limit: an answer must never
        // vanish silently, so such a client is disconnected instead (1013: try again later).
        conn.tail = conn.tail.then(() => answer).then((body) => {
          if (ws.raw.send(JSON.stringify(body)) === 0) ws.raw.close(1013, "answers are not being read");
        });
      },
      close(ws) {
        connections.delete(ws.raw);
      },
    })
    .get("/healthz", () => json(200, { status: "ok" }))
    .get("/readyz", async () => {
      const report = await probes.readiness();
      return json(report.ready ? 200 : 503, report);
    })
    .get("/v1/checks", () => json(200, { checks: CHECKS }))
    .post("/v1/checks/reload", async ({ request }) => {
      if (!authorized(request.headers)) return errorResponse(errors.unauthorized());
      if (!deps.reloadChecks) return json(404, { error: `no validators in ROLE=${config.ROLE}`, code: "route.disabled" });
      try {
        await deps.reloadChecks();
        return json(200, { reloaded: true, source: config.CHECKS_CONFIG || "(defaults)" });
      } catch (err) {
        const e = err as Error & { key?: string };
        return json(400, { error: e.message, code: "config.invalid", ...(e.key ? { key: e.key } : {}) });
      }
    }, { parse: "none" })
    .get("/v1/stats", async ({ request }) => {
      if (!authorized(request.headers)) return errorResponse(errors.unauthorized());
      return json(200, {
        role: config.ROLE,
        workers: pool ? await pool.stats() : [],
        rings: pool ? pool.occupancy() : [],
        inflightRequests: pool?.inflightRequests() ?? 0,
        workerRestarts: pool?.restarts() ?? 0,
        sink: deps.sinkStats ? await deps.sinkStats() : null,
      });
    })
    .get("/metrics", async () => {
      const text = registry.text() + (pool ? await poolMetrics(pool) : "") + (deps.sinkMetrics ? await deps.sinkMetrics() : "");
      return new Response(text, { headers: { "content-type": "text/plain; version=0.0.4" } });
    })
    .onError(({ code, error }) => {
      if (code === "NOT_FOUND") return json(404, { error: "not found", code: "route.not_found" });
      if (code === "PARSE" || code === "VALIDATION") return json(400, { error: String((error as Error).message), code: "body.malformed" });
      return errorResponse(error);
    });
}

/** Metrics that live in the workers (per-check counts, Kafka latency) and the rings, gathered per scrape. */
async function poolMetrics(pool: ValidatorPool): Promise<string> {
  const registry = new Registry();
  const fired = registry.counter("tickgate_check_fired_total", "ticks on which a check fired, by check id and severity");
  const produce = registry.histogram("tickgate_kafka_produce_seconds", "Kafka sendBatch latency per validator batch");
  const sends = registry.counter("tickgate_kafka_sends_total", "Kafka sendBatch calls by result");
  const ringUsed = registry.gauge("tickgate_ring_used_bytes", "bytes waiting in each worker's input ring");
  const ringCap = registry.gauge("tickgate_ring_capacity_bytes", "size of each worker's input ring");
  const restarts = registry.counter("tickgate_worker_restarts_total", "validator workers restarted after dying");
  const severity = Object.fromEntries(CHECKS.map((c) => [c.id, c.severity]));
  for (const s of await pool.stats()) {
    if (!s) continue;
    for (const [id, n] of Object.entries(s.byCheck)) fired.inc({ check: id, severity: severity[id] ?? "reject" }, n);
    produce.merge(s.kafka.latency);
    sends.inc({ result: "ok" }, s.kafka.sends - s.kafka.failures);
    sends.inc({ result: "error" }, s.kafka.failures);
  }
  for (const r of pool.occupancy()) {
    ringUsed.set({ worker: String(r.worker) }, r.used);
    ringCap.set({ worker: String(r.worker) }, r.capacity);
  }
  restarts.inc({}, pool.restarts());
  return registry.text();
}
