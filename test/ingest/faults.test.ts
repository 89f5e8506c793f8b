// Faults on the ingest path: Kafka going away, and SIGTERM under load. In both, every tick answered
// 200 must be in Kafka afterwards.
import { describe, expect, test } from "bun:test";
import { normalised, tickStream } from "../helpers/gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { listening, stack } from "../helpers/services.ts";
import { startTickgate } from "../helpers/tickgate.ts";

const id = (n: { exchange: unknown; symbol: unknown; type: unknown; seq?: unknown }) => `${n.exchange}:${n.symbol}:${n.type}:${n.seq}`;

async function post(url: string, ticks: unknown[]) {
  const res = await fetch(`${url}/v1/ticks`, { method: "POST", body: JSON.stringify(ticks), headers: { "content-type": "application/json" } });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as any };
}

describe("Kafka unavailable", () => {
  test("requests get 503 + Retry-After while Kafka is down; after it is back nothing acknowledged is missing", async () => {
    const tg = await startTickgate({ WORKERS: "2", KAFKA_ACK_TIMEOUT_MS: "3000" });
    const gen = tickStream({ seed: 11, symbols: 6 });
    const acked: Record<string, unknown>[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const batch = gen.batch(100).map((s) => s.tick);
        const r = await post(tg.url, batch);
        expect(r.status).toBe(200);
        acked.push(...batch);
      }

      await stack("stop", "kafka");
      expect(await listening(9092)).toBe(false);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const batch = gen.batch(50).map((s) => s.tick);
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
      const batch = gen.batch(100).map((s) => s.tick);
      let r = await post(tg.url, batch);
      for (let tries = 0; r.status !== 200 && tries < 120; tries++) {
        await Bun.sleep(250);
        r = await post(tg.url, batch);
      }
      expect(r.status).toBe(200);
      acked.push(...batch);
    }
    expect(await tg.stop()).toBe(0);

    const stored = new Set([...(await consumeAll(`${tg.prefix}.valid`)), ...(await consumeAll(`${tg.prefix}.rejected`))].map((r) => id(r.value.original ? normalised(r.value.original) : r.value)));
    const missing = acked.map((t) => id(normalised(t))).filter((k) => !stored.has(k));
    expect(missing).toEqual([]);
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

    const stored = new Set((await consumeAll(`${tg.prefix}.valid`)).map((r) => id(r.value)));
    const missing = acked.map((t) => id(normalised(t))).filter((k) => !stored.has(k));
    expect(missing).toEqual([]);
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
    expect(typeof (await closed)).toBe("number");
  });
});
