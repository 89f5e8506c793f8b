// ROLE=all supervises its sink thread: when the thread ends (here: ended on purpose, at once as a
// crash would, and gracefully) a new one is started, ingest keeps answering meanwhile, /readyz says
// the sink is restarting, and every accepted tick is still stored exactly once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ValidRecord } from "../../src/tick.ts";
import { tickStream } from "../../bench/lib/tick-gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";
import { memberCount, rowCount, testEnv, waitFor, type TestEnv } from "../../bench/lib/sink-env.ts";
import { expectStored } from "../sink/verify.ts";

let e: TestEnv;
let tg: Running;
beforeAll(async () => {
  e = await testEnv();
  tg = await startTickgate({ ...e.env, ROLE: "all", WORKERS: "1" });
});
afterAll(async () => {
  expect(await tg.stop()).toBe(0);
  await e.cleanup();
});

const gen = tickStream({ seed: 5, symbols: 8 });
let sent = 0;
async function post(n: number) {
  const res = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body: JSON.stringify(gen.batch(n).map((s) => s.tick)), headers: { "content-type": "application/json" } });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).accepted).toBe(n);
  sent += n;
}
const restarts = async () => Number(/tickgate_sink_restarts_total (\d+)/.exec(await (await fetch(`${tg.url}/metrics`)).text())?.[1]);
const sinkReady = async () => ((await (await fetch(`${tg.url}/readyz`)).json()) as any).checks.sink;

describe("the sink thread is supervised", () => {
  // A thread ended at once leaves its group member behind: the new one waits for the rebalance (the
  // session timeout), so /readyz says "not ready" meanwhile. Ended gracefully, it is back within a second.
  for (const [how, query, n] of [["at once (as a crash)", "?hard=true", 1], ["gracefully", "", 2]] as const) {
    test(`ended ${how}: restarted, ingest unaffected, all stored once`, async () => {
      await post(1000);
      const res = await fetch(`${tg.url}/v1/sink/restart${query}`, { method: "POST" });
      expect(res.status).toBe(202);
      if (query) {
        await Bun.sleep(1100); // past /readyz's one-second cache
        expect(await sinkReady()).toEqual({ ok: false, state: "restarting" });
      }
      await post(1000); // ingest goes on while the sink is away
      await waitFor("the supervisor to start a new sink thread", async () => (await restarts()) === n, 30_000, 100);
      await Bun.sleep(1100);
      await waitFor("the new sink thread ready", async () => (await sinkReady()).ok, 60_000, 250);
      await waitFor("every tick stored", async () => (await rowCount(e)) >= sent && (await memberCount(e)) >= sent, 60_000);
      await Bun.sleep(300);
      const records = (await consumeAll<ValidRecord>(`${tg.prefix}.valid`)).map((r) => r.value);
      expect(records.length).toBe(sent);
      await expectStored(e, records);
    }, 120_000);
  }
});
