// Records Kafka refuses for good (MESSAGE_TOO_LARGE, …) on the real broker: topics created with a
// tiny max.message.bytes make both a single reject record and whole batches of valid ticks too large,
// and a valid topic that takes no record turns a flagged tick into a reject (so no longer a flag).
// The validator must split, deliver every record that fits exactly once, answer the culprit as
// record.refused (kept as a digest) and go on taking ticks — never retry the batch forever.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKafka } from "../../src/kafka/client.ts";
import { normalised, tickStream } from "../../bench/lib/tick-gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { config, uniqueName } from "../helpers/stack.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

const prefix = uniqueName("refused");
/** A valid topic that takes no record at all: every valid tick becomes record.refused. */
const refusesValid = uniqueName("refusedvalid");
let tg: Running;
let tgRefusesValid: Running;

beforeAll(async () => {
  const admin = createKafka({ ...config, LOG_LEVEL: "error" }, "-test").admin();
  await admin.connect();
  try {
    // 3 KiB per record batch: about 15 valid ticks fit one batch, a reject with a 4 KiB field never does.
    const small = [{ name: "max.message.bytes", value: "3072" }];
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        ...[`${prefix}.valid`, `${prefix}.rejected`].map((topic) => ({ topic, numPartitions: 2, replicationFactor: -1, configEntries: small })),
        { topic: `${refusesValid}.valid`, numPartitions: 2, replicationFactor: -1, configEntries: [{ name: "max.message.bytes", value: "80" }] },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  [tg, tgRefusesValid] = await Promise.all([
    startTickgate({ TOPIC_PREFIX: prefix, WORKERS: "1", KAFKA_COMPRESSION: "none" }),
    startTickgate({ TOPIC_PREFIX: refusesValid, WORKERS: "1", KAFKA_COMPRESSION: "none" }),
  ]);
});
afterAll(async () => {
  expect(await tg.stop()).toBe(0);
  expect(await tgRefusesValid.stop()).toBe(0);
});

const id = (t: any) => `${t.exchange}:${t.symbol}:${t.type}:${t.tradeId ?? ""}:${t.seq ?? ""}`;
const post = async (ticks: unknown[], at = tg) => {
  const res = await fetch(`${at.url}/v1/ticks`, { method: "POST", body: JSON.stringify(ticks), headers: { "content-type": "application/json" } });
  return { status: res.status, body: (await res.json()) as any };
};

describe("Kafka refuses records for good", () => {
  test("valid batches over the topic's limit are split; a reject over it becomes a digest; nothing is lost or doubled", async () => {
    const gen = tickStream({ seed: 91, symbols: 3 });
    const good = gen.batch(300).map((s) => s.tick);
    // Fails a check (price ≤ 0) and carries 4 KiB of unknown field: under maxTickBytes, over the topic's limit.
    const poison = { ...good[0], tradeId: "poison-1", price: -1, note: "x".repeat(4096) };
    const ticks = [...good.slice(0, 150), poison, ...good.slice(150)];
    const r = await post(ticks);
    expect(r.status).toBe(200);
    expect(r.body.rejected).toBe(1);
    expect(r.body.accepted).toBe(300);
    expect(r.body.rejects).toEqual([{ index: 150, codes: ["price.nonpositive", "record.refused"] }]);

    // Not wedged: the next request is answered as usual.
    const next = gen.batch(20).map((s) => s.tick);
    const again = await post(next);
    expect(again.status).toBe(200);
    expect(again.body.accepted).toBe(20);

    const valid = await consumeAll(`${prefix}.valid`);
    const counts = new Map<string, number>();
    for (const v of valid) counts.set(id(v.value), (counts.get(id(v.value)) ?? 0) + 1);
    const sent = [...good, ...next].map((t) => id(normalised(t)));
    expect(valid.length).toBe(sent.length);
    for (const k of sent) expect(counts.get(k)).toBe(1);

    const rejected = await consumeAll(`${prefix}.rejected`);
    expect(rejected.length).toBe(1);
    const digest = rejected[0]!.value;
    expect(digest.codes).toEqual(["price.nonpositive", "record.refused"]);
    expect(digest.original).toMatchObject({ truncated: true });
    expect(digest.original.bytes).toBeGreaterThan(4096);
    expect(digest.original.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(digest.error).toContain("MESSAGE_TOO_LARGE");

    const stats = (await (await fetch(`${tg.url}/v1/stats`)).json()) as any;
    expect(stats.workers[0].kafka.refused).toBe(1);
    expect(stats.workers[0].kafka.givenUp).toBe(0);
    expect((await fetch(`${tg.url}/readyz`)).status).toBe(200);
  });

  test("a flagged tick whose valid record is refused is answered rejected record.refused, no longer listed in flags", async () => {
    const ts = Date.now();
    const quote = (symbol: string, ask: number, at = ts) => ({ type: "quote", exchange: "binance", symbol, ts: at, bid: 100, bidSize: 1, ask, askSize: 1 });
    // locked (flagged quote.locked), plain, locked and two hours old (rejected ts.too_old before Kafka)
    const ticks = [quote("LCK-USDT", 100), quote("PLN-USDT", 101), quote("OLD-USDT", 100, ts - 2 * 3600_000)];
    const r = await post(ticks, tgRefusesValid);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      accepted: 0, rejected: 3, flagged: 0, flags: [],
      rejects: [{ index: 0, codes: ["record.refused"] }, { index: 1, codes: ["record.refused"] }, { index: 2, codes: ["ts.too_old"] }],
    });
    // Its flag is kept where a rejected tick's flags are: its record in ticks.rejected.
    const rejected = await consumeAll(`${refusesValid}.rejected`);
    const digest = rejected.find((rec) => rec.key === "binance:LCK-USDT")!.value;
    expect(digest.codes).toEqual(["record.refused"]);
    expect(digest.flags).toEqual(["quote.locked"]);
    const stats = (await (await fetch(`${tgRefusesValid.url}/v1/stats`)).json()) as any;
    expect(stats.workers[0]).toMatchObject({ accepted: 0, rejected: 3, flagged: 0 });
  });
});
