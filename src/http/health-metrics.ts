// Gauges the alert rules (deploy/prometheus/alerts.yml, docs/monitoring.md) compare against, so
// that no rule hard-codes what only the process knows: whether it is ready, and the lag bound that
// turns the sink's lag into 503 pipeline.behind.
import type { Config } from "../config.ts";
import { Registry } from "../metrics.ts";
import type { Probes } from "./probes.ts";

/**
 * tickgate_ready and tickgate_ready_part{part}, 1 or 0, from the report GET /readyz answers.
 * Reading it costs no probe: the probes run in the background about once a second and readiness()
 * answers the latest report (only a process's very first call waits for the first round, ≤ 1.5 s).
 * `up` would not do: it says the scrape worked, not that Kafka, Redis, PostgreSQL and the workers do.
 */
export async function readinessMetrics(probes: Probes): Promise<string> {
  const report = await probes.readiness();
  const registry = new Registry();
  registry.gauge("tickgate_ready", "1 when GET /readyz answers 200 (every part below is ok), else 0").set({}, report.ready ? 1 : 0);
  const part = registry.gauge("tickgate_ready_part", "1 when this part of GET /readyz is ok (kafka, redis, postgres, sink, workers, process), else 0");
  for (const [name, result] of Object.entries(report.checks)) part.set({ part: name }, result.ok ? 1 : 0);
  return registry.text();
}

/** SINK_MAX_LAG_MS in seconds beside tickgate_pipeline_lag_seconds (same `group`), 0 when the bound is off. */
export function lagBoundMetrics(config: Config): string {
  const registry = new Registry();
  registry
    .gauge("tickgate_pipeline_max_lag_seconds", "SINK_MAX_LAG_MS in seconds: past this lag ingest answers 503 pipeline.behind (0 = no bound)")
    .set({ group: config.SINK_GROUP }, config.SINK_MAX_LAG_MS / 1000);
  return registry.text();
}
