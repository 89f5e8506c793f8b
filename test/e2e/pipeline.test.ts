// The whole pipeline in one tickgate process (ROLE=all): ticks POSTed as JSON and NDJSON and sent
// over the WebSocket as text and binary frames end up exactly once in ticks.valid, in PostgreSQL and
// in Redis, with equal values.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import type { ValidRecord } from "../../src/tick.ts";
import { normalised, tickStream } from "../../bench/lib/tick-gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";
import { memberCount, rowCount, testEnv, type TestEnv } from "../../bench/lib/sink-env.ts";
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

/** Sends `batches` as WebSocket frames (text JSON or binary MessagePack) and returns the answers, in order. */
async function overWebSocket(url: string, batches: unknown[][], binary: boolean): Promise<any[]> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => ((ws.onopen = () => resolve()), (ws.onerror = reject)));
  const answers: any[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ws.onmessage = (m) => {
      answers.push(JSON.parse(String(m.data)));
      if (answers.length === batches.length) resolve();
    };
    ws.onclose = (c) => reject(new Error(`closed early: ${c.code} ${c.reason}`));
  });
  for (const b of batches) ws.send(binary ? pack(b) : JSON.stringify(b));
  await done;
  ws.onclose = null;
  ws.close();
  return answers;
}

/** Occurrences of each value: equal multisets mean nothing missing and nothing doubled. */
const sorted = (values: string[]) => values.slice().sort();

describe("HTTP, NDJSON and WebSocket → Kafka → Redis + PostgreSQL", () => {
  test("N ticks in → exactly the accepted ones stored once in each store, values equal", async () => {
    const gen = tickStream({ seed: 77, symbols: 24, badShare: 0.05 });
    const sent = gen.batch(6000);
    const ticks = sent.map((s) => s.tick);
    let accepted = 0;
    // 0–2999: POST JSON, 500 a request.
    for (let i = 0; i < 3000; i += 500) {
      const res = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body: JSON.stringify(ticks.slice(i, i + 500)), headers: { "content-type": "application/json" } });
      expect(res.status).toBe(200);
      accepted += ((await res.json()) as any).accepted;
    }
    // 3000–3999: one NDJSON request.
    const nd = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body: ticks.slice(3000, 4000).map((t) => JSON.stringify(t)).join("\n"), headers: { "content-type": "application/x-ndjson" } });
    expect(nd.status).toBe(200);
    accepted += ((await nd.json()) as any).accepted;
    // 4000–4999 as text frames, 5000–5999 as binary (MessagePack) frames, 100 ticks a frame.
    for (const [from, binary] of [[4000, false], [5000, true]] as const) {
      const batches = Array.from({ length: 10 }, (_, k) => ticks.slice(from + k * 100, from + (k + 1) * 100));
      const answers = await overWebSocket(tg.ws, batches, binary);
      expect(answers.map((a) => a.frame)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (let k = 0; k < answers.length; k++) {
        const bad = sent.slice(from + k * 100, from + (k + 1) * 100).filter((s) => s.bad).length;
        expect(answers[k]).toMatchObject({ accepted: 100 - bad, rejected: bad });
        accepted += answers[k].accepted;
      }
    }
    const good = sent.filter((s) => !s.bad);
    expect(accepted).toBe(good.length);

    // What Kafka holds is what was sent, normalised, each accepted tick once (the ingest tests pin the values in detail) …
    const records = (await consumeAll<ValidRecord>(`${tg.prefix}.valid`)).map((r) => r.value);
    const inKafka = records.map(({ recvTs: _r, flags: _f, v: _v, ...tick }) => JSON.stringify(tick));
    expect(sorted(inKafka)).toEqual(sorted(good.map((s) => JSON.stringify(normalised(s.tick)))));

    // … and the stores hold exactly what Kafka holds, once each.
    await until("the sink to store every accepted tick", async () => (await rowCount(e)) >= good.length && (await memberCount(e)) >= good.length);
    await Bun.sleep(500); // anything extra would show up now
    await expectStored(e, records);
  });
});
