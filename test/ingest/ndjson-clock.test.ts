// An NDJSON stream may last minutes: each of its ticks must be judged against the time it arrived,
// not the time the request began (one stamp per request rejected a long stream's live ticks as
// ts.future once the stream was older than maxClockSkewMs).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

const SKEW_MS = 300;
let tg: Running;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tickgate-ndjson-clock-"));
  const config = join(dir, "checks.json");
  writeFileSync(config, JSON.stringify({ defaults: { maxClockSkewMs: SKEW_MS } }));
  tg = await startTickgate({ CHECKS_CONFIG: config });
});
afterAll(async () => {
  expect(await tg.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

test("a stream's later ticks are stamped when they arrive, so a live tick sent late is not ts.future", async () => {
  const trade = (i: number) =>
    JSON.stringify({ type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: Date.now(), price: 97000 + i, size: 0.1, side: "buy", tradeId: i }) + "\n";
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(enc.encode(trade(1)));
      await Bun.sleep(4 * SKEW_MS); // the request is now older than the skew allowed
      controller.enqueue(enc.encode(trade(2))); // its ts is "now" when it is sent
      await Bun.sleep(4 * SKEW_MS);
      controller.enqueue(enc.encode(trade(3)));
      controller.close();
    },
  });
  const res = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body, headers: { "content-type": "application/x-ndjson" } });
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { accepted: number; rejects: unknown[] };
  expect(answer.rejects).toEqual([]);
  expect(answer.accepted).toBe(3);
});

test("a tick really ahead of its arrival by more than the skew is still ts.future", async () => {
  const ahead = JSON.stringify({ type: "trade", exchange: "binance", symbol: "ETH-USDT", ts: Date.now() + 20 * SKEW_MS, price: 3000, size: 1, side: "sell", tradeId: 9 });
  const res = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body: ahead + "\n", headers: { "content-type": "application/x-ndjson" } });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { rejects: { codes: string[] }[] }).rejects[0]!.codes).toContain("ts.future");
});
