// Flagged ticks in the answers, on the real stack: every HTTP body type and the WebSocket list the
// accepted ticks flag checks fired on, by index, with the same codes as their ticks.valid record; a
// rejected tick is listed in `rejects` only; the list is bounded by MAX_FLAGS_LISTED (flagsByCode past
// it), in a stream.partial answer too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import { consumeAll } from "../helpers/kafka.ts";
import { startTickgate, wsAnswers, type Running } from "../helpers/tickgate.ts";

type Listed = { index: number; codes: string[] };
type Answer = {
  accepted: number; rejected: number; flagged: number; rejects: Listed[]; flags: Listed[];
  flagsTruncated?: true; flagsByCode?: Record<string, number>; rejectsTruncated?: true; rejectsByCode?: Record<string, number>;
};

let tg: Running;
/** MAX_FLAGS_LISTED=3, MAX_REJECTS_LISTED=2, NDJSON_MAX_TICKS=20. */
let small: Running;
/** Check ids in registry order, the order a tick's codes are listed in. */
let registryOrder: string[];

beforeAll(async () => {
  [tg, small] = await Promise.all([
    startTickgate({ WORKERS: "2" }),
    startTickgate({ WORKERS: "2", MAX_FLAGS_LISTED: "3", MAX_REJECTS_LISTED: "2", NDJSON_MAX_TICKS: "20" }),
  ]);
  const { checks } = (await (await fetch(`${tg.url}/v1/checks`)).json()) as { checks: { id: string }[] };
  registryOrder = checks.map((c) => c.id);
});
afterAll(async () => {
  expect(await tg.stop()).toBe(0);
  expect(await small.stop()).toBe(0);
});

// Each tick its own symbol unless it shares one on purpose, so no history check fires by accident;
// many symbols spread a request over both workers.
let symbols = 0;
const freshSymbol = () => `F${++symbols}X-USDT`;
const trade = (symbol = freshSymbol()) => ({ type: "trade", exchange: "binance", symbol, ts: Date.now(), price: 100, size: 1, side: "buy", tradeId: `t${symbols}` });
const quote = (symbol = freshSymbol(), extra: Record<string, unknown> = {}) => ({ type: "quote", exchange: "binance", symbol, ts: Date.now(), bid: 100, bidSize: 1, ask: 100.5, askSize: 1, ...extra });
/** bid == ask: flagged quote.locked, accepted. */
const locked = (symbol = freshSymbol(), extra: Record<string, unknown> = {}) => quote(symbol, { ask: 100, ...extra });
/** bid > ask: rejected quote.crossed. */
const crossed = () => quote(freshSymbol(), { bid: 101 });
/** Locked too, but two hours old: rejected ts.too_old, and its flag quote.locked fires as well. */
const lockedAndOld = () => locked(freshSymbol(), { ts: Date.now() - 2 * 3600_000 });
/** A quote seq 1, then a locked one seq 5 on the same symbol: the second is flagged seq.gap and quote.locked. */
const gapThenLocked = () => {
  const symbol = freshSymbol();
  return [quote(symbol, { seq: 1 }), locked(symbol, { seq: 5 })];
};
const inRegistryOrder = (codes: string[]) => registryOrder.filter((id) => codes.includes(id));

async function post(at: Running, body: Bun.BodyInit, type = "application/json"): Promise<{ status: number; body: any }> {
  const res = await fetch(`${at.url}/v1/ticks`, { method: "POST", body, headers: { "content-type": type } });
  return { status: res.status, body: await res.json() };
}

const viaWebSocket = (at: Running, frames: (string | Uint8Array)[]) => wsAnswers(at.ws, frames);

/** A request of `n` ticks: locked quotes where i % 3 == 0, crossed where i % 7 == 1, else valid trades and quotes. */
function mixed(n: number) {
  const ticks: Record<string, unknown>[] = [];
  const flagged: number[] = [];
  const rejected: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) (ticks.push(locked()), flagged.push(i));
    else if (i % 7 === 1) (ticks.push(crossed()), rejected.push(i));
    else ticks.push(i % 2 ? trade() : quote());
  }
  return { ticks, flagged, rejected };
}

describe("flags in the answer", () => {
  test("a locked quote is listed flagged quote.locked at its index; valid and rejected ticks are not", async () => {
    const ticks = [trade(), locked(), crossed(), lockedAndOld(), quote(), locked()];
    const r = await post(tg, JSON.stringify(ticks));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      accepted: 4, rejected: 2, flagged: 2,
      rejects: [{ index: 2, codes: ["quote.crossed"] }, { index: 3, codes: ["ts.too_old"] }],
      flags: [{ index: 1, codes: ["quote.locked"] }, { index: 5, codes: ["quote.locked"] }],
    });
  });

  test("no flags: an empty list, as rejects", async () => {
    const r = await post(tg, JSON.stringify(trade()));
    expect(r.body).toEqual({ accepted: 1, rejected: 0, flagged: 0, rejects: [], flags: [] });
  });

  test("a tick with several flags lists them in registry order, as its ticks.valid record does", async () => {
    const [first, second] = gapThenLocked();
    const r = await post(tg, JSON.stringify([trade(), first, second]));
    expect(r.body.flags).toEqual([{ index: 2, codes: inRegistryOrder(["seq.gap", "quote.locked"]) }]);
    expect(r.body.flagged).toBe(1);
  });

  test("a mix of 300 accepted, flagged and rejected ticks over both workers gets the right indices", async () => {
    for (const type of ["application/json", "application/msgpack"]) {
      const { ticks, flagged, rejected } = mixed(300);
      const r = await post(tg, type === "application/json" ? JSON.stringify(ticks) : pack(ticks), type);
      expect(r.status).toBe(200);
      const answer = r.body as Answer;
      expect(answer.flags.map((f) => f.index)).toEqual(flagged);
      expect(answer.flags.every((f) => f.codes.length === 1 && f.codes[0] === "quote.locked")).toBe(true);
      expect(answer.rejects.map((x) => x.index)).toEqual(rejected);
      expect(answer.flagged).toBe(flagged.length);
      expect(answer.accepted).toBe(300 - rejected.length);
    }
  });

  test("NDJSON, streamed: the same indices", async () => {
    const { ticks, flagged, rejected } = mixed(1200);
    const r = await post(tg, ticks.map((t) => JSON.stringify(t) + "\n").join(""), "application/x-ndjson");
    expect(r.status).toBe(200);
    expect((r.body as Answer).flags.map((f) => f.index)).toEqual(flagged);
    expect((r.body as Answer).rejects.map((x) => x.index)).toEqual(rejected);
    expect(r.body.flagged).toBe(flagged.length);
  });

  test("WebSocket: each frame's answer lists its own flagged ticks", async () => {
    const one = mixed(40);
    const two = [crossed(), locked(), trade()];
    const answers = await viaWebSocket(tg, [JSON.stringify(one.ticks), pack(two), JSON.stringify(locked())]);
    expect(answers[0].frame).toBe(1);
    expect(answers[0].flags.map((f: Listed) => f.index)).toEqual(one.flagged);
    expect(answers[1]).toEqual({
      accepted: 2, rejected: 1, flagged: 1, frame: 2,
      rejects: [{ index: 0, codes: ["quote.crossed"] }], flags: [{ index: 1, codes: ["quote.locked"] }],
    });
    expect(answers[2]).toMatchObject({ frame: 3, flagged: 1, flags: [{ index: 0, codes: ["quote.locked"] }] });
  });

  test("the listed codes are the flags of the tick's Kafka record; a rejected tick's flags are in its reject record only", async () => {
    const [first, second] = gapThenLocked();
    const ticks: Record<string, unknown>[] = [locked(), trade(), lockedAndOld(), first!, second!];
    const r = await post(tg, JSON.stringify(ticks));
    expect((r.body.flags as Listed[]).map((f) => f.index)).toEqual([0, 4]);
    // Every tick has a symbol of its own (the gap pair excepted, told apart by seq).
    const valid = await consumeAll(`${tg.prefix}.valid`);
    const recordOf = (i: number) => valid.find((rec) => rec.value.symbol === ticks[i]!.symbol && rec.value.seq === ticks[i]!.seq)!.value;
    for (const f of r.body.flags as Listed[]) expect(f.codes).toEqual(recordOf(f.index).flags);
    expect(recordOf(1).flags).toEqual([]);
    expect(recordOf(3).flags).toEqual([]);
    const rejected = await consumeAll(`${tg.prefix}.rejected`);
    const old = rejected.find((rec) => rec.value.original?.symbol === ticks[2]!.symbol)!.value;
    expect(old.codes).toEqual(["ts.too_old"]);
    expect(old.flags).toEqual(["quote.locked"]);
    expect(r.body.rejects).toEqual([{ index: 2, codes: ["ts.too_old"] }]);
  });
});

describe("MAX_FLAGS_LISTED", () => {
  /** 12 ticks: 6 flagged (two of them seq.gap as well), 3 rejected. */
  function request() {
    const [q1, gap1] = gapThenLocked();
    const [q2, gap2] = gapThenLocked();
    // index:  0       1        2       3   4       5       6        7       8       9       10   11
    const ticks = [locked(), crossed(), q1, gap1, locked(), crossed(), trade(), locked(), q2, gap2, crossed(), locked()];
    return { ticks, flagged: [0, 3, 4, 7, 9, 11] };
  }

  test("lists the lowest-index flagged ticks and counts all of them by code", async () => {
    const { ticks, flagged } = request();
    const r = await post(small, JSON.stringify(ticks));
    expect(r.status).toBe(200);
    const answer = r.body as Answer;
    expect(answer.flagged).toBe(flagged.length);
    expect(answer.flags).toEqual([
      { index: 0, codes: ["quote.locked"] },
      { index: 3, codes: inRegistryOrder(["seq.gap", "quote.locked"]) },
      { index: 4, codes: ["quote.locked"] },
    ]);
    expect(answer.flagsTruncated).toBe(true);
    // Per code, the flagged ticks that have it: the two seq gaps count under both codes.
    expect(answer.flagsByCode).toEqual({ "quote.locked": 6, "seq.gap": 2 });
    expect(answer.rejects.map((x) => x.index)).toEqual([1, 5]);
    expect(answer).toMatchObject({ rejected: 3, rejectsTruncated: true, rejectsByCode: { "quote.crossed": 3 } });
  });

  test("at the bound nothing is truncated; the WebSocket answer is cut the same way", async () => {
    const three = await post(small, JSON.stringify([locked(), trade(), locked(), locked()]));
    expect(three.body).toEqual({
      accepted: 4, rejected: 0, flagged: 3, rejects: [],
      flags: [0, 2, 3].map((index) => ({ index, codes: ["quote.locked"] })),
    });
    const { ticks } = request();
    const [answer] = await viaWebSocket(small, [pack(ticks)]);
    expect(answer.flags.map((f: Listed) => f.index)).toEqual([0, 3, 4]);
    expect(answer).toMatchObject({ frame: 1, flagged: 6, flagsTruncated: true, flagsByCode: { "quote.locked": 6, "seq.gap": 2 } });
  });

  test("the default bound: 10,001 flagged ticks list 10,000 and count all of them", async () => {
    // 100 symbols, so each worker's ticks span several Kafka batches (completions) per request.
    const names = Array.from({ length: 100 }, freshSymbol);
    const ticks = Array.from({ length: 10_001 }, (_, i) => locked(names[i % 100]));
    const r = await post(tg, JSON.stringify(ticks));
    expect(r.status).toBe(200);
    const answer = r.body as Answer;
    expect(answer).toMatchObject({ accepted: 10_001, flagged: 10_001, flagsTruncated: true });
    expect(answer.flags.length).toBe(10_000);
    expect(answer.flags.every((f, i) => f.index === i && f.codes.includes("quote.locked"))).toBe(true);
    expect(answer.flagsByCode!["quote.locked"]).toBe(10_001);
  });

  test("an NDJSON stream cut at NDJSON_MAX_TICKS answers stream.partial with the flags of the ticks it took", async () => {
    const ticks = Array.from({ length: 25 }, (_, i) => ([2, 9, 21, 23].includes(i) ? locked() : trade()));
    const r = await post(small, ticks.map((t) => JSON.stringify(t) + "\n").join(""), "application/x-ndjson");
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: "stream.partial", taken: 20 });
    expect(r.body.result).toEqual({
      accepted: 20, rejected: 0, flagged: 2, rejects: [],
      flags: [{ index: 2, codes: ["quote.locked"] }, { index: 9, codes: ["quote.locked"] }],
    });
  });
});
