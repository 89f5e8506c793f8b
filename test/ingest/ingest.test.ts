// The ingest path end to end on the real stack: every content type and the WebSocket stream put
// exactly the accepted ticks in <prefix>.valid and the rejected ones in <prefix>.rejected, with the
// payloads of the contract, in per-symbol order.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import { normalised, tickStream } from "../../bench/lib/tick-gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { startTickgate, wsAnswers, type Running } from "../helpers/tickgate.ts";

let tg: Running;
beforeAll(async () => {
  tg = await startTickgate({ WORKERS: "2" });
});
afterAll(async () => {
  expect(await tg.stop()).toBe(0);
});

type Sent = { tick: Record<string, unknown>; bad?: string };
type Answer = { accepted: number; rejected: number; flagged: number; rejects: { index: number; codes: string[] }[] };

function expectAnswer(answer: Answer, sent: Sent[]) {
  const bad = sent.flatMap((s, i) => (s.bad ? [i] : []));
  expect(answer.accepted + answer.rejected).toBe(sent.length);
  expect(answer.rejects.map((r) => r.index)).toEqual(bad);
  for (const r of answer.rejects) expect(r.codes).toContain(sent[r.index].bad!);
  expect(answer.rejected).toBe(bad.length);
}

const post = (body: Bun.BodyInit, type: string) =>
  fetch(`${tg.url}/v1/ticks`, { method: "POST", body, headers: { "content-type": type } });

const viaWebSocket = (frames: (string | Uint8Array)[]) => wsAnswers(tg.ws, frames);

describe("ingest: every content type reaches Kafka exactly", () => {
  const gen = tickStream({ seed: 42, symbols: 16, badShare: 0.1 });
  const all: Sent[] = [];

  test("JSON arrays and single ticks", async () => {
    for (let r = 0; r < 5; r++) {
      const sent = gen.batch(200);
      const res = await post(JSON.stringify(sent.map((s) => s.tick)), "application/json");
      expect(res.status).toBe(200);
      expectAnswer((await res.json()) as any, sent);
      all.push(...sent);
    }
    for (let r = 0; r < 10; r++) {
      const sent = gen.batch(1);
      const res = await post(JSON.stringify(sent[0].tick), "application/json; charset=utf-8");
      expect(res.status).toBe(200);
      expectAnswer((await res.json()) as any, sent);
      all.push(...sent);
    }
  });

  test("MessagePack (both content types)", async () => {
    for (const type of ["application/msgpack", "application/x-msgpack"]) {
      const sent = gen.batch(300);
      const res = await post(pack(sent.map((s) => s.tick)), type);
      expect(res.status).toBe(200);
      expectAnswer((await res.json()) as any, sent);
      all.push(...sent);
    }
  });

  test("NDJSON, streamed in chunks", async () => {
    const sent = gen.batch(2000);
    const lines = sent.map((s) => JSON.stringify(s.tick) + "\n").join("");
    // A stream of small chunks that split lines anywhere, as a slow client would send them.
    const bytes = new TextEncoder().encode(lines);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 777) controller.enqueue(bytes.subarray(at, at + 777));
        controller.close();
      },
    });
    const res = await post(body, "application/x-ndjson");
    expect(res.status).toBe(200);
    expectAnswer((await res.json()) as any, sent);
    all.push(...sent);
  });

  test("WebSocket: text frames (JSON) and binary frames (MessagePack), answered in order", async () => {
    const batches = Array.from({ length: 12 }, (_, i) => gen.batch(i % 3 === 0 ? 1 : 50));
    const frames = batches.map((b, i) => (i % 2 === 0 ? JSON.stringify(b.length === 1 ? b[0].tick : b.map((s) => s.tick)) : pack(b.map((s) => s.tick))));
    const answers = await viaWebSocket(frames);
    answers.forEach((a, i) => {
      expect(a.frame).toBe(i + 1);
      expectAnswer(a, batches[i]);
    });
    for (const b of batches) all.push(...b);
  });

  test("ticks.valid holds exactly the accepted ticks, normalised, in per-symbol order", async () => {
    const good = all.filter((s) => !s.bad);
    const records = await consumeAll(`${tg.prefix}.valid`);
    expect(records.length).toBe(good.length);
    // Compare per key, in order: Kafka keeps order within a partition, and a key maps to one partition.
    const expectedByKey = new Map<string, any[]>();
    for (const s of good) {
      const n = normalised(s.tick);
      const key = `${n.exchange}:${n.symbol}`;
      if (!expectedByKey.has(key)) expectedByKey.set(key, []);
      expectedByKey.get(key)!.push(n);
    }
    const gotByKey = new Map<string, any[]>();
    for (const r of records) {
      if (!gotByKey.has(r.key)) gotByKey.set(r.key, []);
      gotByKey.get(r.key)!.push(r.value);
    }
    expect([...gotByKey.keys()].sort()).toEqual([...expectedByKey.keys()].sort());
    for (const [key, expected] of expectedByKey) {
      const got = gotByKey.get(key)!;
      expect(got.length).toBe(expected.length);
      got.forEach((v, i) => {
        const { recvTs, flags, v: version, ...tick } = v;
        expect(tick).toEqual(expected[i]);
        expect(version).toBe(1);
        expect(Array.isArray(flags)).toBe(true);
        expect(recvTs).toBeGreaterThan(tick.ts - 5_000_000);
        expect(`${tick.exchange}:${tick.symbol}`).toBe(key);
      });
    }
  });

  test("ticks.rejected holds exactly the rejected ticks with their codes and the original tick", async () => {
    const bad = all.filter((s) => s.bad);
    const records = await consumeAll(`${tg.prefix}.rejected`);
    expect(records.length).toBe(bad.length);
    const byOriginal = new Map(bad.map((s) => [JSON.stringify(s.tick), s.bad!]));
    for (const r of records) {
      const code = byOriginal.get(JSON.stringify(r.value.original));
      expect(code).toBeDefined();
      expect(r.value.codes).toContain(code!);
      expect(r.value.v).toBe(1);
      expect(typeof r.value.recvTs).toBe("number");
      // Keyed like valid records: the generator's bad ticks name an exchange and a symbol.
      const n = normalised(r.value.original);
      expect(r.key).toBe(`${n.exchange}:${n.symbol}`);
      expect(r.value.key).toBe(r.key);
      byOriginal.delete(JSON.stringify(r.value.original));
    }
    expect(byOriginal.size).toBe(0);
  });
});
