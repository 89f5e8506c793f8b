// The offline verdicts are the server's: the same ticks, in the same order, through a live tickgate
// (POST /v1/ticks, two workers) and through `bun run validate` give the same codes at every index,
// in each format. The sequence holds the stateful cases (duplicates by tradeId and by seq, a seq gap,
// a late seq, a price spike, ts going backwards) beside stateless rejects and flags.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import { startTickgate, type Running } from "../helpers/tickgate.ts";
import { byIndex, cliJson, file, ndjson } from "./cli-helpers.ts";

let tg: Running;
beforeAll(async () => {
  tg = await startTickgate({ WORKERS: "2" });
});
afterAll(async () => {
  expect(await tg.stop()).toBe(0);
});

/** The sequence, on symbols of its own (`tag`): each format's run starts from fresh state on the server too. */
function sequence(tag: string): unknown[] {
  const t0 = Date.now() - 30_000; // well inside ts.too_old and ts.future, by the server's clock and the CLI's
  const btc = `B${tag}-USDT`, eth = `E${tag}-USDT`, sol = `S${tag}-USD`;
  const trade = (i: number, extra: Record<string, unknown>) => ({ type: "trade", exchange: "binance", symbol: btc, ts: t0 + i * 10, price: 100, size: 1, side: "buy", ...extra });
  const quote = (i: number, extra: Record<string, unknown>) => ({ type: "quote", exchange: "kraken", symbol: eth, ts: t0 + i * 10, bid: 10, bidSize: 1, ask: 10.01, askSize: 1, ...extra });
  return [
    trade(0, { tradeId: 1, seq: 1 }),
    trade(1, { tradeId: 2, seq: 2, price: 100.1 }),
    trade(2, { tradeId: 2, seq: 3, price: 100.2 }), // tradeId.duplicate
    trade(3, { tradeId: 3, seq: 3, price: 100.1 }),
    trade(4, { tradeId: 4, seq: 8 }), // seq.gap
    trade(5, { tradeId: 5, seq: 9, price: 150 }), // price.spike
    trade(6, { tradeId: 6, seq: 7 }), // seq.out_of_order
    trade(7, { tradeId: 7, seq: 10, ts: Date.now() - 2 * 3600_000 }), // ts.too_old
    trade(8, { tradeId: 8, seq: 11, ts: Date.now() + 60_000 }), // ts.future
    trade(9, { tradeId: 9, seq: 12, ts: t0 - 5_000 }), // ts.backwards
    trade(10, { tradeId: 1, seq: 1 }), // a replay of the first
    quote(11, { seq: 1 }),
    quote(12, { seq: 2, ask: 10 }), // quote.locked
    quote(13, { seq: 2 }), // seq.duplicate
    quote(14, { seq: 3, bid: 10.02 }), // quote.crossed
    quote(15, { seq: 4, bid: 1, ask: 100 }), // spread.too_wide
    42,
    { type: "trade" },
    { type: "trade", exchange: "okx", symbol: sol, ts: new Date(t0).toISOString(), price: "150.25", size: "2", side: "SELL", tradeId: "x1" },
    { type: "trade", exchange: "okx", symbol: sol, ts: t0 + 1, price: 150, size: 1e9, side: "buy", tradeId: "x2" }, // notional.too_large
    { type: "trade", exchange: "okx", symbol: sol, ts: t0 + 2, price: 150, size: 1, side: "buy", tradeId: "x3", seq: "abc" }, // seq.invalid
    { type: "trade", exchange: "okx", symbol: sol, ts: t0 + 3, price: 150, size: 1, side: "buy", tradeId: "x4", memo: "m".repeat(20_000) }, // tick.too_large
    { type: "quote", exchange: "okx", symbol: sol, ts: t0 + 4, bid: 150, bidSize: 0, ask: 150.1, askSize: 3, extra: { nested: [1, 2] } },
  ];
}

type Answer = { accepted: number; rejected: number; flagged: number; rejects: { index: number; codes: string[] }[]; flags: { index: number; codes: string[] }[] };

async function post(body: string | Uint8Array, type: string): Promise<Answer> {
  const res = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body, headers: { "content-type": type } });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

async function expectSame(server: Answer, path: string) {
  const { report } = await cliJson(["--show", "1000", path]);
  expect(byIndex(report.rejects)).toEqual(byIndex(server.rejects));
  expect(byIndex(report.flags)).toEqual(byIndex(server.flags));
  expect({ accepted: report.accepted, rejected: report.rejected, flagged: report.flagged }).toEqual({ accepted: server.accepted, rejected: server.rejected, flagged: server.flagged });
  return report;
}

describe("the server and the CLI agree, index by index", () => {
  test("JSON array", async () => {
    const ticks = sequence("J");
    const text = JSON.stringify(ticks, null, 1);
    const server = await post(text, "application/json");
    const report = await expectSame(server, file("parity.json", text));
    // The sequence exercises what it claims to: each of these fired on both sides.
    const codes = new Set([...report.rejects, ...report.flags].flatMap((l: { codes: string[] }) => l.codes));
    for (const code of ["tradeId.duplicate", "seq.gap", "seq.out_of_order", "price.spike", "ts.too_old", "ts.future", "ts.backwards", "quote.locked", "quote.crossed", "seq.duplicate", "tick.too_large", "seq.invalid", "schema.not_object"]) {
      expect(codes).toContain(code);
    }
  });

  test("NDJSON, with a line that is not JSON and blank lines", async () => {
    const lines = ndjson(sequence("N")).split("\n");
    const text = [...lines.slice(0, 5), "{oops", "", ...lines.slice(5)].join("\n");
    const server = await post(text, "application/x-ndjson");
    expect(server.rejects.find((r) => r.index === 5)?.codes).toEqual(["schema.unreadable"]);
    await expectSame(server, file("parity.ndjson", text));
  });

  test("MessagePack", async () => {
    const bytes = pack(sequence("M"));
    const server = await post(bytes, "application/msgpack");
    await expectSame(server, file("parity.msgpack", bytes));
  });
});
