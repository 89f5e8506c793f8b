// The whole pipeline in one tickgate process (ROLE=all): ticks POSTed over HTTP and sent over the
// WebSocket end up exactly once in ticks.valid, in PostgreSQL and in Redis, with equal values.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ValidRecord } from "../../src/tick.ts";
import { normalised, tickStream } from "../helpers/gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";
import { memberCount, rowCount, testEnv, type TestEnv } from "../sink/harness.ts";
import { expectStored } from "../sink/verify.ts";

let e: TestEnv;
let tg: Running;
beforeAll(async () => {
  e = await testEnv();
  tg = await startTickgate({ ...e.env, ROLE: "all", WORKERS: "2" });
});
afterAll(async () => {
  expect(await tg.stop()).toBe(0);
  await e.cleanup();
});

async function until(what: string, fn: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

describe("POST → Kafka → Redis + PostgreSQL", () => {
  test("N ticks in → exactly the accepted ones stored once in each store, values equal", async () => {
    const gen = tickStream({ seed: 77, symbols: 24, badShare: 0.05 });
    const sent = gen.batch(6000);
    let accepted = 0;
    for (let i = 0; i < sent.length; i += 500) {
      const res = await fetch(`${tg.url}/v1/ticks`, {
        method: "POST",
        body: JSON.stringify(sent.slice(i, i + 500).map((s) => s.tick)),
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(200);
      accepted += ((await res.json()) as any).accepted;
    }
    const good = sent.filter((s) => !s.bad);
    expect(accepted).toBe(good.length);

    // What Kafka holds is what was sent, normalised (the ingest tests pin this in detail) …
    const records = (await consumeAll<ValidRecord>(`${tg.prefix}.valid`)).map((r) => r.value);
    expect(records.length).toBe(good.length);
    const sentKeys = new Set(good.map((s) => JSON.stringify(normalised(s.tick))));
    for (const r of records) {
      const { recvTs, flags, v, ...tick } = r;
      expect(sentKeys.has(JSON.stringify(tick))).toBe(true);
    }

    // … and the stores hold exactly what Kafka holds, once each.
    await until("the sink to store every accepted tick", async () => (await rowCount(e)) >= good.length && (await memberCount(e)) >= good.length);
    await Bun.sleep(500); // anything extra would show up now
    await expectStored(e, records);
  });
});
