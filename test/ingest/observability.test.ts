// /healthz, /readyz, /metrics, /v1/checks and /v1/stats say what the contract says they say.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CHECKS } from "../../src/checks/index.ts";
import { tickStream } from "../../bench/lib/tick-gen.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

let tg: Running;
beforeAll(async () => {
  tg = await startTickgate({ WORKERS: "2" });
  const sent = tickStream({ seed: 21, symbols: 5, badShare: 0.2 }).batch(400).map((s) => s.tick);
  const res = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body: JSON.stringify(sent), headers: { "content-type": "application/json" } });
  expect(res.status).toBe(200);
  await fetch(`${tg.url}/v1/ticks`, { method: "POST", body: "[", headers: { "content-type": "application/json" } });
});
afterAll(async () => {
  await tg.stop();
});

const metric = (text: string, line: RegExp) => {
  const m = text.split("\n").find((l) => line.test(l));
  return m ? Number(m.split(" ").at(-1)) : NaN;
};

describe("observability", () => {
  test("/healthz and /readyz", async () => {
    expect((await fetch(`${tg.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${tg.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as any;
    expect(body.ready).toBe(true);
    expect(body.checks.kafka.ok).toBe(true);
    expect(body.checks.workers.ok).toBe(true);
  });

  test("/v1/checks serves the registry: at least 32 checks with id, severity, params, description", async () => {
    const body = (await (await fetch(`${tg.url}/v1/checks`)).json()) as any;
    expect(body.checks.length).toBeGreaterThanOrEqual(32);
    expect(body.checks.map((c: any) => c.id)).toEqual(CHECKS.map((c) => c.id));
    for (const c of body.checks) {
      expect(c.id).toMatch(/^[a-zA-Z]+\.[a-z_]+$/);
      expect(["reject", "flag"]).toContain(c.severity);
      expect(typeof c.description).toBe("string");
      expect(typeof c.params).toBe("object");
    }
  });

  test("/metrics: requests by route and status, ticks by outcome and check, rings, Kafka and ack latency", async () => {
    const res = await fetch(`${tg.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(metric(text, /^tickgate_http_requests_total\{route="\/v1\/ticks",status="200"\}/)).toBe(1);
    expect(metric(text, /^tickgate_http_requests_total\{route="\/v1\/ticks",status="400"\}/)).toBe(1);
    const accepted = metric(text, /^tickgate_ticks_total\{outcome="accepted"\}/);
    const rejected = metric(text, /^tickgate_ticks_total\{outcome="rejected"\}/);
    expect(accepted + rejected).toBe(400);
    expect(rejected).toBeGreaterThan(0);
    // Per-check counts come from the workers; every reject was counted under at least one check.
    const fired = text.split("\n").filter((l) => l.startsWith("tickgate_check_fired_total{") && l.includes('severity="reject"'));
    expect(fired.reduce((n, l) => n + Number(l.split(" ").at(-1)), 0)).toBeGreaterThanOrEqual(rejected);
    expect(text).toMatch(/^tickgate_ring_used_bytes\{worker="0"\} \d+$/m);
    expect(text).toMatch(/^tickgate_ring_capacity_bytes\{worker="1"\} \d+$/m);
    expect(metric(text, /^tickgate_kafka_produce_seconds_count /)).toBeGreaterThan(0);
    expect(metric(text, /^tickgate_request_ack_seconds_count\{route="\/v1\/ticks",ack="kafka"\}/)).toBe(2);
    expect(text).toContain('tickgate_request_ack_seconds_bucket{route="/v1/ticks",ack="kafka",le="+Inf"} 2');
  });

  test("/v1/stats reports each worker", async () => {
    const body = (await (await fetch(`${tg.url}/v1/stats`)).json()) as any;
    expect(body.workers).toHaveLength(2);
    expect(body.workers.reduce((n: number, w: any) => n + w.ticks, 0)).toBe(400);
    expect(body.rings).toHaveLength(2);
  });
});
