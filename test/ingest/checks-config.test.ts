// The checks config file: a bad one stops tickgate at start with the key named; a good one is hot
// reloaded (POST /v1/checks/reload, or SIGHUP) without a restart; a bad reload keeps the old config.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

const dir = mkdtempSync(join(tmpdir(), "tickgate-checks-"));
const file = join(dir, "checks.json");
const write = (cfg: unknown) => writeFileSync(file, typeof cfg === "string" ? cfg : JSON.stringify(cfg));

const tick = (exchange: string) => ({
  type: "trade", exchange, symbol: "BTC-USDT", ts: Date.now(), price: 97000, size: 0.1, side: "buy", tradeId: crypto.randomUUID(),
});
const post = async (tg: Running, body: unknown) =>
  (await fetch(`${tg.url}/v1/ticks`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })).json() as Promise<any>;

describe("checks config", () => {
  test("an invalid file stops tickgate at start, naming the bad key", async () => {
    write({ defaults: { maxJumpPct: "ten" } });
    let err: Error | undefined;
    try {
      const tg = await startTickgate({ WORKERS: "1", CHECKS_CONFIG: file });
      await tg.stop();
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toContain("exited with 1");
    expect(err?.message).toContain("maxJumpPct");
  });

  test("a file that is not JSON stops it too", async () => {
    write("{ nope");
    let err: Error | undefined;
    try {
      await startTickgate({ WORKERS: "1", CHECKS_CONFIG: file });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toContain("CHECKS_CONFIG");
  });

  describe("hot reload", () => {
    let tg: Running;
    beforeAll(async () => {
      write({ defaults: { allowedExchanges: ["binance"] } });
      tg = await startTickgate({ WORKERS: "2", CHECKS_CONFIG: file });
    });
    afterAll(async () => {
      await tg.stop();
    });

    test("the allowlist applies, then a reload widens it without a restart", async () => {
      const before = await post(tg, [tick("binance"), tick("kraken")]);
      expect(before).toMatchObject({ accepted: 1, rejected: 1, rejects: [{ index: 1, codes: ["exchange.not_allowed"] }] });

      write({ defaults: { allowedExchanges: ["binance", "kraken"] } });
      const res = await fetch(`${tg.url}/v1/checks/reload`, { method: "POST" });
      expect(res.status).toBe(200);
      expect(await post(tg, [tick("binance"), tick("kraken")])).toMatchObject({ accepted: 2, rejected: 0 });
    });

    test("a bad reload answers 400 naming the key and keeps the running config", async () => {
      write({ exchanges: { kraken: { maxJumpPct: -5 } } });
      const res = await fetch(`${tg.url}/v1/checks/reload`, { method: "POST" });
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      expect(body.code).toBe("config.invalid");
      expect(body.error).toContain("maxJumpPct");
      expect(await post(tg, [tick("kraken"), tick("okx")])).toMatchObject({ accepted: 1, rejected: 1 });
    });

    test("SIGHUP reloads the file too", async () => {
      write({ defaults: { allowedExchanges: ["okx"] } });
      tg.proc.kill("SIGHUP");
      let answer: any;
      for (let i = 0; i < 50; i++) {
        answer = await post(tg, [tick("okx"), tick("binance")]);
        if (answer.accepted === 1 && answer.rejects[0]?.index === 1) break;
        await Bun.sleep(100);
      }
      expect(answer).toMatchObject({ accepted: 1, rejected: 1, rejects: [{ index: 1, codes: ["exchange.not_allowed"] }] });
    });
  });
});
