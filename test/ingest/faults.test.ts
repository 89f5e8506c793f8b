// Faults on the ingest path: Kafka going away, and SIGTERM under load. In both, every tick answered
// 200 must be in Kafka afterwards.
import { describe, expect, test } from "bun:test";
import { normalised, tickStream } from "../../bench/lib/tick-gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { listening, stack } from "../helpers/services.ts";
import { startTickgate } from "../helpers/tickgate.ts";

const id = (n: { exchange: unknown; symbol: unknown; type: unknown; seq?: unknown }) => `${n.exchange}:${n.symbol}:${n.type}:${n.seq}`;

/** How many times each id occurs: a Set would hide a tick stored twice. */
function multiset(ids: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of ids) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

async function post(url: string, ticks: unknown[]) {
  const res = await fetch(`${url}/v1/ticks`, { method: "POST", body: JSON.stringify(ticks), headers: { "content-type": "application/json" } });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as any };
}

describe("Kafka unavailable", () => {
  test("requests get 503 + Retry-After while Kafka is down; after it is back nothing acknowledged is missing", async () => {
    const tg = await startTickgate({ WORKERS: "2", KAFKA_ACK_TIMEOUT_MS: "3000" });
    const gen = tickStream({ seed: 11, symbols: 6 });
    const sent: Record<string, unknown>[] = [];
    const next = (n: number) => {
      const batch = gen.batch(n).map((s) => s.tick);
      sent.push(...batch);
      return batch;
    };
    const acked: Record<string, unknown>[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const batch = next(100);
        const r = await post(tg.url, batch);
        expect(r.status).toBe(200);
        acked.push(...batch);
      }

      await stack("stop", "kafka");
      expect(await listening(9092)).toBe(false);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const batch = next(50);
        const r = await post(tg.url, batch);
        statuses.push(r.status);
        if (r.status === 200) acked.push(...batch);
        else {
          expect(r.status).toBe(503);
          expect(Number(r.retryAfter)).toBeGreaterThan(0);
          expect(r.body.code).toMatch(/^pipeline\./);
        }
      }
      expect(statuses).toContain(503);
      const ready = await fetch(`${tg.url}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await stack("start", "kafka");
    }

    // A client retries until the pipeline takes its ticks again.
    for (let i = 0; i < 5; i++) {
      const batch = next(100);
      let r = await post(tg.url, batch);
      for (let tries = 0; r.status !== 200 && tries < 120; tries++) {
        await Bun.sleep(250);
        r = await post(tg.url, batch);
      }
      expect(r.status).toBe(200);
      acked.push(...batch);
    }
    expect(await tg.stop()).toBe(0);

    // Every acknowledged tick is in ticks.valid exactly once: a batch answered 503 may have reached
    // Kafka anyway, and then its retry was rejected as a duplicate (tradeId/seq), never stored twice.
    const valid = multiset((await consumeAll(`${tg.prefix}.valid`)).map((r) => id(r.value)));
    const ackedIds = acked.map((t) => id(normalised(t)));
    expect(new Set(ackedIds).size).toBe(ackedIds.length);
    expect(ackedIds.filter((k) => valid.get(k) !== 1)).toEqual([]);
    const rejected = await consumeAll(`${tg.prefix}.rejected`);
    for (const r of rejected) expect(r.value.codes.every((c: string) => c === "seq.duplicate" || c === "tradeId.duplicate")).toBe(true);
    // Nothing in ticks.valid that no client sent.
    const sentIds = new Set(sent.map((t) => id(normalised(t))));
    expect([...valid.keys()].filter((k) => !sentIds.has(k))).toEqual([]);
  }, 120_000);
});

describe("graceful shutdown", () => {
  test("SIGTERM under load: the process exits 0 and every tick answered 200 is in Kafka", async () => {
    const tg = await startTickgate({ WORKERS: "2", SHUTDOWN_TIMEOUT_MS: "10000" });
    const gen = tickStream({ seed: 12, symbols: 20 });
    const acked: Record<string, unknown>[] = [];
    let refused = 0;
    let stop = false;
    const client = async () => {
      while (!stop) {
        const batch = gen.batch(200).map((s) => s.tick);
        try {
          const r = await post(tg.url, batch);
          if (r.status === 200) acked.push(...batch);
          else refused++;
        } catch {
          refused++; // connection refused once the server stopped listening
          await Bun.sleep(20);
        }
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await Bun.sleep(1500);
    const started = Date.now();
    const code = await tg.stop("SIGTERM");
    const took = Date.now() - started;
    stop = true;
    await Promise.all(clients);
    expect(code).toBe(0);
    expect(took).toBeLessThan(12_000);
    expect(acked.length).toBeGreaterThan(1000);

    // Acknowledged → in Kafka exactly once; a refused request's ticks may be there too (503
    // pipeline.unavailable is "outcome unknown"), but never twice.
    const valid = multiset((await consumeAll(`${tg.prefix}.valid`)).map((r) => id(r.value)));
    expect(acked.map((t) => id(normalised(t))).filter((k) => valid.get(k) !== 1)).toEqual([]);
    expect([...valid.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});

describe("graceful shutdown with open connections", () => {
  test("an idle WebSocket and a keep-alive connection do not hold SIGTERM up", async () => {
    const tg = await startTickgate({ WORKERS: "1", SHUTDOWN_TIMEOUT_MS: "10000" });
    const ws = new WebSocket(tg.ws);
    await new Promise<void>((resolve, reject) => ((ws.onopen = () => resolve()), (ws.onerror = reject)));
    const closed = new Promise<number>((resolve) => (ws.onclose = (e) => resolve(e.code)));
    await fetch(`${tg.url}/healthz`); // leaves a keep-alive connection open
    const started = Date.now();
    expect(await tg.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await closed).toBe(1001); // going away, sent by tickgate itself
  });
});
