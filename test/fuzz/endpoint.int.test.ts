// A short, fixed-seed run of the endpoint fuzzer (bench/fuzz.ts) against a tickgate it starts on the
// local stack: ~3,000 bodies of mutated JSON / MessagePack / NDJSON, WebSocket frames, odd content
// types and a couple of raw sockets, every answer judged by the contract. Then the oracle itself is
// checked on answers it must flag, so a broken oracle cannot pass silently.
//   bun test test/fuzz/endpoint.int.test.ts --timeout 120000
import { beforeAll, describe, expect, test } from "bun:test";
import { runFuzz, type FuzzRun } from "../../bench/fuzz.ts";
import type { Expect } from "../../bench/fuzz/case.ts";
import { judgeAnswer, judgeRaw, judgeWs, type FailureKind, type Judged } from "../../bench/fuzz/oracle.ts";

const SEED = 1;
const BODIES = 3000;
const RSS_GROWTH_LIMIT_MB = 300;

describe("endpoint fuzz run", () => {
  let run: FuzzRun;
  beforeAll(async () => {
    run = await runFuzz(["--bodies", String(BODIES), "--seed", String(SEED), "--progress", "false"], { quiet: true });
  }, 110_000);

  test("every body was sent and judged, across every generator kind", () => {
    expect(run.report.cases).toBe(BODIES);
    expect(run.report.answers).toBeGreaterThanOrEqual(BODIES);
    expect(Object.keys(run.report.byKind).length).toBeGreaterThanOrEqual(20);
    expect(run.report.ticksCounted).toBeGreaterThan(0);
    expect(run.report.good.ticks).toBeGreaterThan(0);
  });

  test("no failures (each listed with its replay command)", () => {
    const shown = run.report.failures.slice(0, 20).map((f) => `${f.failure} ${f.kind} #${f.index}${f.frame ? ` frame ${f.frame}` : ""}: ${f.reason}\n    ${f.text.slice(0, 100)}\n    ${f.replay}`);
    expect(shown).toEqual([]);
    expect(run.report.failuresTotal).toBe(0);
  });

  test("no 5xx for malformed input (503 pipeline.* is load, counted apart)", () => {
    const fiveHundreds = Object.entries(run.report.byStatus).filter(([k]) => k.startsWith("5") && !k.startsWith("503 pipeline.") && !k.startsWith("505"));
    expect(fiveHundreds).toEqual([]);
  });

  test("afterwards a good batch is accepted whole and /readyz is 200", () => {
    expect(run.report.final).not.toBeNull();
    expect(run.report.final!.batch).toMatchObject({ status: 200, accepted: run.report.final!.batch.ticks });
    expect(run.report.final!.readyz.status).toBe(200);
  });

  test(`RSS after the run stays below RSS before + ${RSS_GROWTH_LIMIT_MB} MB, and the server stopped cleanly`, () => {
    const { beforeMb, settledMb } = run.report.rss;
    expect(beforeMb).not.toBeNull();
    expect(settledMb).not.toBeNull();
    expect(settledMb!).toBeLessThan(beforeMb! + RSS_GROWTH_LIMIT_MB);
    expect(run.report.server.exitCode).toBe(0);
  });
});

// The oracle must flag what it is there to flag: each answer below is wrong in one way.
describe("the fuzz oracle", () => {
  const json = { contentType: "application/json", retryAfter: null };
  const ticks3: Expect = { ticks: 3 };
  const refuse: Expect = { refuse: true, codes: ["body.malformed"] };
  const result = (accepted: number, rejected: number, rejects: unknown[] = []) => ({ accepted, rejected, flagged: 0, rejects });

  test("passes well-formed answers", () => {
    expect(judgeAnswer(ticks3, 200, result(2, 1, [{ index: 1, codes: ["price.nonpositive"] }]), json).failure).toBeUndefined();
    expect(judgeAnswer(refuse, 400, { error: "bad", code: "body.malformed" }, json).failure).toBeUndefined();
    expect(judgeAnswer(refuse, 503, { error: "full", code: "pipeline.full" }, { ...json, retryAfter: "1" })).toMatchObject({ pipeline: true });
  });

  const wrong: [string, Judged, FailureKind][] = [
    ["a 500", judgeAnswer(refuse, 500, { error: "internal error", code: "internal" }, json), "5xx"],
    ["a miscount", judgeAnswer(ticks3, 200, result(2, 0), json), "count"],
    ["a 200 for a malformed body", judgeAnswer(refuse, 200, result(1, 0), json), "accepted-malformed"],
    ["a 4xx for a good request", judgeAnswer(ticks3, 400, { error: "bad", code: "body.malformed" }, json), "refused-valid"],
    ["another code than the contract's", judgeAnswer(refuse, 400, { error: "empty", code: "body.empty" }, json), "code"],
    ["a 4xx without a code", judgeAnswer(refuse, 400, { error: "bad" }, json), "shape"],
    ["a 4xx answered as text", judgeAnswer(refuse, 400, { error: "bad", code: "body.malformed" }, { contentType: "text/plain", retryAfter: null }), "shape"],
    ["a 503 without Retry-After", judgeAnswer(refuse, 503, { error: "full", code: "pipeline.full" }, json), "shape"],
    ["a bad tick accepted", judgeAnswer({ ticks: 3, bad: { 2: "quote.crossed" } }, 200, result(3, 0), json), "bad-tick"],
  ];
  for (const [name, judged, kind] of wrong) {
    test(`flags ${name}`, () => expect(judged.failure?.kind).toBe(kind));
  }

  test("flags WebSocket answers out of order, missing, or late", () => {
    const c = { index: 0, kind: "ws", note: "", transport: "ws" as const, frames: [{ data: "[]", expect: { ticks: 0 } }, { data: "[]", expect: { ticks: 0 } }] };
    const a = (frame: number) => JSON.stringify({ ...result(0, 0), frame });
    expect(judgeWs(c, { answers: [a(1), a(2)], timedOut: false, ms: 1 }).map((j) => j.failure)).toEqual([undefined, undefined]);
    expect(judgeWs(c, { answers: [a(2), a(1)], timedOut: false, ms: 1 })[0].failure?.kind).toBe("ws-order");
    expect(judgeWs(c, { answers: [a(1)], closed: { code: 1006, reason: "" }, timedOut: false, ms: 1 })[1].failure?.kind).toBe("ws-order");
    expect(judgeWs(c, { answers: [a(1)], timedOut: true, ms: 15000 })[1].failure?.kind).toBe("timeout");
  });

  test("flags a raw socket left open, or answered 2xx/5xx for broken framing", () => {
    const c = { index: 0, kind: "raw", note: "", transport: "raw" as const, bytes: new Uint8Array(), then: "hold" as const };
    expect(judgeRaw(c, { answers: [], closed: true, timedOut: false, ms: 1 }).failure).toBeUndefined();
    expect(judgeRaw(c, { answers: [], closed: false, timedOut: true, ms: 45000 }).failure?.kind).toBe("raw");
    expect(judgeRaw(c, { answers: [{ status: 200, headers: {}, body: "" }], closed: false, timedOut: false, ms: 1 }).failure?.kind).toBe("raw");
    expect(judgeRaw(c, { answers: [{ status: 502, headers: {}, body: "" }], closed: false, timedOut: false, ms: 1 }).failure?.kind).toBe("5xx");
  });
});
