// docs/client.ts, the client users copy, against a live tickgate and against a stand-in server that
// answers 503s and drops connections the way a busy or failing tickgate would.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openStream, postTicks, StreamClosedError, TickgateError, type Answer, type FrameAnswer } from "../../docs/client.ts";
import type { TickResult } from "../../src/ingest/pending-requests.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

// The client restates the server's answer type (it is meant to be copied on its own); the typecheck
// holds the two to the same shape, so a field added to one and not the other fails `bun run typecheck`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const answerIsTickResult: [Same<Answer, TickResult>, Same<keyof Answer, keyof TickResult>] = [true, true];
void answerIsTickResult;

const KEY = "k";
let tg: Running;
beforeAll(async () => {
  // Small WebSocket bounds, so that a client ignoring them would be closed at once.
  tg = await startTickgate({ WORKERS: "1", API_KEYS: KEY, WS_MAX_INFLIGHT_FRAMES: "8", BODY_LIMIT_BYTES: "65536" });
});
afterAll(async () => {
  const code = await tg.stop();
  if (code !== 0) console.error(tg.output().slice(-5000));
  expect(code).toBe(0);
});

// tradeIds unique across the file: a repeated one is rejected tradeId.duplicate.
let nextTradeId = 1;
const trade = (symbol: string, extra: Record<string, unknown> = {}) => ({
  type: "trade", exchange: "binance", symbol, ts: Date.now(), price: 100, size: 1, side: "buy", tradeId: nextTradeId++, ...extra,
});
const quote = (symbol: string, bid: number, ask: number) => ({
  type: "quote", exchange: "binance", symbol, ts: Date.now(), bid, bidSize: 1, ask, askSize: 1,
});

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("postTicks against tickgate", () => {
  test("answers the counts, rejects and flags of a mix of good and bad ticks", async () => {
    const first = trade("MIX-USDT");
    const ticks = [first, trade("MIX-USDT", { price: -1 }), quote("MIX-USDT", 101, 100), { ...first }, quote("MIX-USDT", 100, 100)];
    const a = await postTicks(tg.url, ticks, { apiKey: KEY });
    expect(a).toMatchObject({ accepted: 2, rejected: 3, flagged: 1, attempts: 1, retriedAfterUnknown: false });
    expect(a.rejects).toEqual([
      { index: 1, codes: ["price.nonpositive"] },
      { index: 2, codes: ["quote.crossed"] },
      { index: 3, codes: ["tradeId.duplicate"] },
    ]);
    expect(a.flags).toEqual([{ index: 4, codes: ["quote.locked"] }]);
  });

  test("a 4xx throws TickgateError with the status, code and message, and is not retried", async () => {
    const noKey = await failure(postTicks(tg.url, [trade("ERR-USDT")]));
    expect(noKey).toBeInstanceOf(TickgateError);
    expect(noKey).toMatchObject({ status: 401, code: "auth.invalid_key", attempts: 1 });
    expect(noKey.message).toContain("API key");
    const deep = await failure(postTicks(tg.url, [[[[[[[[[[[1]]]]]]]]]]], { apiKey: KEY }));
    expect(deep).toMatchObject({ status: 400, code: "body.too_deep", attempts: 1 });
  });
});

describe("openStream against tickgate", () => {
  // Frame i holds i + 1 ticks with a bad one at index ⌊i/2⌋: an answer given to the wrong frame shows.
  const frameOf = (i: number) =>
    Array.from({ length: i + 1 }, (_, k) => (k === Math.floor(i / 2) ? trade("WS-USDT", { price: -1 }) : trade("WS-USDT")));
  const expectAnswerOf = (a: FrameAnswer, i: number) => {
    expect(a).toMatchObject({ frame: i + 1, accepted: i, rejected: 1, rejects: [{ index: Math.floor(i / 2), codes: ["price.nonpositive"] }] });
  };

  test("many more frames than the window: each send gets its own frame's answer", async () => {
    const stream = await openStream(tg.ws, { apiKey: KEY, maxInFlight: 8 }); // the server's WS_MAX_INFLIGHT_FRAMES
    const frames = Array.from({ length: 100 }, (_, i) => frameOf(i));
    const answers = await Promise.all(frames.map((f) => stream.send(f)));
    answers.forEach(expectAnswerOf);
    expect((await stream.close()).code).toBe(1000);
  });

  test("an error answer rejects its own send only; the frames after it are answered", async () => {
    const stream = await openStream(tg.ws, { apiKey: KEY });
    const [good, deep, after] = await Promise.allSettled([stream.send(frameOf(0)), stream.send([[[[[[[[[[1]]]]]]]]]]), stream.send(frameOf(2))]);
    expectAnswerOf((good as PromiseFulfilledResult<FrameAnswer>).value, 0);
    expect((deep as PromiseRejectedResult).reason).toMatchObject({ status: 400, code: "body.too_deep" });
    expect((after as PromiseFulfilledResult<FrameAnswer>).value).toMatchObject({ frame: 3, accepted: 2, rejected: 1 });
    await stream.close();
  });

  test("close() rejects the sends in flight with StreamClosedError", async () => {
    const stream = await openStream(tg.ws, { apiKey: KEY });
    const sends = Array.from({ length: 5 }, (_, i) => failure(stream.send(frameOf(i))));
    // Only microtasks run here, so the frames go out and no answer can arrive before close().
    for (let i = 0; i < 100 && stream.inFlight < 5; i++) await null;
    expect(stream.inFlight).toBe(5);
    await stream.close();
    for (const e of await Promise.all(sends)) expect(e).toMatchObject({ name: "StreamClosedError", code: 1000 });
  });

  test("the server closing the socket rejects the pending sends with its code and reason", async () => {
    // Over the server's window (8): it closes with 1008 and the reason, once frames pile up.
    const eager = await openStream(tg.ws, { apiKey: KEY, maxInFlight: 64 });
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => eager.send(frameOf(i % 4))));
    const firstFailed = results.findIndex((r) => r.status === "rejected");
    expect(firstFailed).toBeGreaterThanOrEqual(0);
    expect(results.slice(firstFailed).every((r) => r.status === "rejected")).toBe(true); // answered ones are a prefix
    const why = (results[firstFailed] as PromiseRejectedResult).reason;
    expect(why).toBeInstanceOf(StreamClosedError);
    expect(why).toMatchObject({ code: 1008 });
    expect(why.reason).toContain("frames in flight");
    expect((await eager.closed).code).toBe(1008);

    // A frame over BODY_LIMIT_BYTES (the client's own guard lifted): 1009, for it and the frame after it.
    const stream = await openStream(tg.ws, { apiKey: KEY, maxFrameBytes: Infinity });
    expectAnswerOf(await stream.send(frameOf(0)), 0);
    const huge = failure(stream.send([trade("WS-USDT", { junk: "x".repeat(70_000) })]));
    const next = failure(stream.send(frameOf(1)));
    for (const e of [await huge, await next]) expect(e).toMatchObject({ name: "StreamClosedError", code: 1009 });
  });

  test("the client refuses a frame over maxFrameBytes itself, and the stream goes on", async () => {
    const stream = await openStream(tg.ws, { apiKey: KEY, maxFrameBytes: 65536 });
    const e = await failure(stream.send([trade("WS-USDT", { junk: "x".repeat(70_000) })]));
    expect(e).toMatchObject({ status: 0, code: "client.frame_too_large" });
    // Frame 1 of this socket: the refused one was never sent.
    expect(await stream.send(frameOf(3))).toMatchObject({ frame: 1, accepted: 3, rejects: [{ index: 1, codes: ["price.nonpositive"] }] });
    await stream.close();
  });

  test("a refused upgrade (wrong key) rejects openStream with StreamClosedError", async () => {
    expect(await failure(openStream(tg.ws, { apiKey: "wrong" }))).toBeInstanceOf(StreamClosedError);
  });
});

/** A stand-in for tickgate that records every attempt; `answer(n, body)` makes the n-th one's response (n from 1). */
function standIn(answer: (n: number, body: string) => Response | Promise<Response>) {
  const seen: { at: number; body: string; url: URL; key: string | null }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = await req.text();
      seen.push({ at: performance.now(), body, url: new URL(req.url), key: req.headers.get("x-api-key") });
      return answer(seen.length, body);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}

const error = (status: number, code: string, retryAfter?: number, message = `stand-in ${code}`) =>
  new Response(JSON.stringify({ error: message, code }), {
    status, headers: { "content-type": "application/json", ...(retryAfter ? { "retry-after": String(retryAfter) } : {}) },
  });

/** The body as the live tickgate answers it. */
async function forward(body: string) {
  const res = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body, headers: { "content-type": "application/json", "x-api-key": KEY } });
  return new Response(await res.text(), { status: res.status, headers: { "content-type": "application/json" } });
}

const answerOf = (accepted: number) => new Response(JSON.stringify({ accepted, rejected: 0, flagged: 0, rejects: [], flags: [] }));

describe("postTicks retries", () => {
  test("503 pipeline.busy: waits at least Retry-After, resends the same body, then returns the answer", async () => {
    const s = standIn((n, body) => (n <= 2 ? error(503, "pipeline.busy", 1) : forward(body)));
    const ticks = [trade("RETRY-USDT"), trade("RETRY-USDT"), trade("RETRY-USDT", { size: 0 })];
    const a = await postTicks(s.url, ticks, { apiKey: KEY }).finally(s.stop);
    expect(a).toMatchObject({ accepted: 2, rejected: 1, rejects: [{ index: 2, codes: ["size.nonpositive"] }], attempts: 3, retriedAfterUnknown: false });
    expect(s.seen.length).toBe(3);
    expect(JSON.parse(s.seen[0]!.body)).toEqual(ticks);
    for (const [i, attempt] of s.seen.entries()) {
      expect(attempt.body).toBe(s.seen[0]!.body);
      expect(attempt.key).toBe(KEY);
      if (i > 0) expect(attempt.at - s.seen[i - 1]!.at).toBeGreaterThanOrEqual(900); // Retry-After: 1
    }
  }, 15_000);

  test("gives up after maxAttempts, with the last answer's code", async () => {
    const s = standIn((n) => error(503, n === 1 ? "pipeline.busy" : "pipeline.behind", 1));
    const e = await failure(postTicks(s.url, [trade("RETRY-USDT")], { maxAttempts: 2 }).finally(s.stop));
    expect(e).toBeInstanceOf(TickgateError);
    expect(e).toMatchObject({ status: 503, code: "pipeline.behind", attempts: 2 });
    expect(s.seen.length).toBe(2);
  }, 15_000);

  test("gives up rather than wait past deadlineMs", async () => {
    const s = standIn(() => error(503, "pipeline.full", 1));
    const e = await failure(postTicks(s.url, [trade("RETRY-USDT")], { deadlineMs: 500 }).finally(s.stop));
    expect(e).toMatchObject({ status: 503, code: "pipeline.full", attempts: 1 });
    expect(s.seen.length).toBe(1);
  });

  test("a Retry-After over maxWaitMs waits maxWaitMs; ?ack=stored is in every attempt's query", async () => {
    // Were the cap ignored, the 30 s wait would outlast the test's timeout.
    const s = standIn((n) => (n === 1 ? error(503, "pipeline.shutting_down", 30) : answerOf(1)));
    const a = await postTicks(s.url, [trade("RETRY-USDT")], { ack: "stored", maxWaitMs: 100 }).finally(s.stop);
    expect(a).toMatchObject({ accepted: 1, attempts: 2 });
    expect(s.seen.map((x) => x.url.pathname + x.url.search)).toEqual(["/v1/ticks?ack=stored", "/v1/ticks?ack=stored"]);
  }, 5_000);

  test("503 pipeline.unavailable is retried; the retry's duplicates say the first attempt was delivered", async () => {
    // The first attempt reaches tickgate, but its answer is lost as a Kafka ack timeout would lose it.
    const s = standIn(async (n, body) => (n === 1 ? (await forward(body), error(503, "pipeline.unavailable", 1)) : forward(body)));
    const ticks = [trade("UNAVAIL-USDT"), trade("UNAVAIL-USDT")];
    const a = await postTicks(s.url, ticks, { apiKey: KEY }).finally(s.stop);
    expect(a).toMatchObject({ accepted: 0, rejected: 2, attempts: 2, retriedAfterUnknown: true });
    expect(a.rejects).toEqual([{ index: 0, codes: ["tradeId.duplicate"] }, { index: 1, codes: ["tradeId.duplicate"] }]);
  }, 15_000);

  test("a connection closed without an answer is retried, the outcome counted as unknown", async () => {
    const bodies: string[] = [];
    const answer = JSON.stringify({ accepted: 1, rejected: 0, flagged: 0, rejects: [], flags: [] });
    const server = Bun.listen<{ got: string }>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(sock) {
          sock.data = { got: "" };
        },
        data(sock, chunk) {
          const got = (sock.data.got += chunk.toString());
          const head = got.indexOf("\r\n\r\n");
          const length = Number(/content-length: *(\d+)/i.exec(got)?.[1] ?? 0);
          if (head < 0 || got.length < head + 4 + length) return; // the rest of the request is still coming
          bodies.push(got.slice(head + 4));
          // The first connection ends unanswered, as Bun ends one on a pipelined request.
          if (bodies.length === 1) sock.end();
          else sock.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${answer.length}\r\nconnection: close\r\n\r\n${answer}`);
        },
      },
    });
    const ticks = [trade("DROP-USDT")];
    const a = await postTicks(`http://127.0.0.1:${server.port}`, ticks).finally(() => server.stop(true));
    expect(a).toMatchObject({ accepted: 1, attempts: 2, retriedAfterUnknown: true });
    expect(bodies).toEqual([JSON.stringify(ticks), JSON.stringify(ticks)]);
  }, 15_000);

  test("a 400 is not retried: thrown at once with the server's code and message", async () => {
    const s = standIn(() => error(400, "body.malformed", undefined, "body is not valid JSON at line 1, column 2"));
    const e = await failure(postTicks(s.url, [trade("RETRY-USDT")]).finally(s.stop));
    expect(e).toMatchObject({ status: 400, code: "body.malformed", attempts: 1, body: { error: "body is not valid JSON at line 1, column 2" } });
    expect(e.message).toContain("body is not valid JSON at line 1, column 2");
    expect(s.seen.length).toBe(1);
  });
});
