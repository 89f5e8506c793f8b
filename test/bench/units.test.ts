// The load tool's pure parts: option parsing, the rate schedule, percentiles, the exact timestamp
// literal the end-to-end probe matches PostgreSQL rows with, and the tick source's samples.
import { describe, expect, test } from "bun:test";
import { Samples } from "../../bench/load/hist.ts";
import { parseArgs } from "../../bench/load/options.ts";
import { usToTimestamp } from "../../bench/load/probe.ts";
import { burst, constant, Schedule } from "../../bench/load/rate.ts";
import { exchangesOf, runId, TickSource } from "../../bench/load/ticks.ts";

describe("options", () => {
  test("scenario defaults and explicit flags", () => {
    const o = parseArgs(["--", "--scenario", "steady"]);
    expect(o.rate).toBe(20_000);
    expect(o.duration).toBe(20);
    expect(o.mode).toBe("http");
    const p = parseArgs(["--scenario=peak", "--rate", "5000", "--env", "SINK_FLUSH_MS=10", "--progress", "false", "--scaling", "1,3"]);
    expect(p.rate).toBe(5000);
    expect(p.env).toEqual({ SINK_FLUSH_MS: "10" });
    expect(p.progress).toBe(false);
    expect(p.scaling).toEqual([1, 3]);
    expect(parseArgs(["--scenario", "capacity"]).step).toBe(5);
  });
  test("bad input is refused with the flag's name", () => {
    expect(() => parseArgs(["--mode", "carrier-pigeon"])).toThrow(/--mode/);
    expect(() => parseArgs(["--bad", "2"])).toThrow(/--bad/);
    expect(() => parseArgs(["--nope"])).toThrow(/unknown argument/);
    expect(() => parseArgs(["--target", "baseline", "--mode", "ws"])).toThrow(/HTTP only/);
  });
});

describe("schedule", () => {
  test("a constant rate hands out slots batch/rate apart", () => {
    const start = performance.now() + 10_000; // in the future: nothing is behind
    const s = new Schedule(constant(20_000), 500, start, 1);
    const a = s.claim()!;
    const b = s.claim()!;
    expect(a.count).toBe(500);
    expect(b.at - a.at).toBeCloseTo(25, 6); // 500 / 20k/s
  });
  test("low rates send smaller batches at least every 100 ms; burst alternates", () => {
    const start = performance.now() + 10_000;
    const s = new Schedule(constant(1000), 500, start, 1);
    const a = s.claim()!;
    expect(a.count).toBe(100);
    expect(s.claim()!.at - a.at).toBeCloseTo(100, 6);
    const p = burst(5000, 100, 2);
    expect([p.rate(0), p.rate(1.9), p.rate(2), p.rate(4.5)]).toEqual([5000, 5000, 100, 5000]);
  });
  test("rate 0 is closed loop and the schedule ends", async () => {
    const s = new Schedule(constant(0), 500, performance.now(), 0.05);
    expect(s.claim()!.count).toBe(500);
    await Bun.sleep(60);
    expect(s.claim()).toBeNull();
  });
});

test("percentiles are nearest-rank over every sample", () => {
  const s = new Samples();
  for (let i = 100; i >= 1; i--) s.add(i);
  expect([s.pct(50), s.pct(95), s.pct(99), s.pct(100)]).toEqual([50, 95, 99, 100]);
  expect(s.summary()).toEqual({ n: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  expect(new Samples().summary().p50).toBeNull();
});

test("µs timestamps become exact timestamptz literals", () => {
  expect(usToTimestamp(1_764_000_000_123_456)).toBe("2025-11-24T16:00:00.123456Z");
  expect(usToTimestamp(1_764_000_000_000_007)).toBe("2025-11-24T16:00:00.000007Z");
});

test("tick source: run-unique exchanges, one sample per N good ticks, bodies per mode", () => {
  const id = runId();
  expect(id).toMatch(/^l[0-9a-z]{8}$/);
  const ex = exchangesOf(id, 3);
  for (const e of ex) expect(e).toMatch(/^[a-z0-9.-]{1,32}$/);
  const src = new TickSource(ex, 16, 1, 0.1, 10);
  const b = src.batch(500, "http", "json");
  const ticks = JSON.parse(b.body as string);
  expect(ticks).toHaveLength(500);
  expect(b.bad).toBeGreaterThan(20);
  expect(b.samples.length).toBe(Math.floor((500 - b.bad) / 10));
  for (const s of b.samples) {
    const t = ticks[s.index];
    expect(t.ts).toBe(s.ts);
    expect(s.zkey).toBe(`ticks:{${String(t.exchange).toLowerCase()}:${s.symbol}}`);
    expect(s.symbol).toMatch(/^[A-Z0-9]+-[A-Z]+$/);
    expect(ex).toContain(s.exchange);
  }
  const nd = src.batch(3, "ndjson", "json").body as string;
  expect(nd.trim().split("\n").map((l) => JSON.parse(l))).toHaveLength(3);
  expect(src.batch(3, "ws", "msgpack").body).toBeInstanceOf(Uint8Array);
});
