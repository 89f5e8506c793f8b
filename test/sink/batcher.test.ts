// The Batcher's flush triggers (size, ready, time, drain), order, and the backoff policy.
import { describe, expect, test } from "bun:test";
import { Batcher } from "../../src/sink/batcher.ts";
import { backoffMs } from "../../src/sink/flush.ts";

const seq = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe("Batcher", () => {
  test("size: a full batch comes out at once, in push order, the rest stays", async () => {
    const b = new Batcher<number>({ maxRows: 100, maxMs: 10_000 });
    b.push(seq(0, 250));
    const t0 = performance.now();
    const x = await b.take();
    expect(x!.reason).toBe("size");
    expect(x!.items).toEqual(seq(0, 100));
    expect((await b.take())!.items).toEqual(seq(100, 100));
    expect(performance.now() - t0).toBeLessThan(50);
    expect(b.size).toBe(50);
  });
  test("time: a partial batch comes out after maxMs, not before", async () => {
    const b = new Batcher<number>({ maxRows: 100, maxMs: 60 });
    const t0 = performance.now();
    setTimeout(() => b.push([1, 2, 3]), 20);
    const x = await b.take();
    const dt = performance.now() - t0;
    expect(x!.reason).toBe("time");
    expect(x!.items).toEqual([1, 2, 3]);
    expect(dt).toBeGreaterThanOrEqual(20 + 60 - 5);
    expect(dt).toBeLessThan(20 + 60 + 60);
    expect(x!.waitedMs).toBeGreaterThanOrEqual(55);
  });
  test("size wins over time when items keep arriving", async () => {
    const b = new Batcher<number>({ maxRows: 10, maxMs: 1000 });
    const t = setInterval(() => b.push([0, 0, 0]), 5);
    const x = await b.take();
    clearInterval(t);
    expect(x!.reason).toBe("size");
    expect(x!.items.length).toBe(10);
  });
  test("drain hands out what waits at once; close ends take() with null", async () => {
    const b = new Batcher<number>({ maxRows: 100, maxMs: 10_000 });
    b.push([1, 2]);
    const p = b.take();
    b.drain();
    expect(await p).toMatchObject({ items: [1, 2], reason: "drain" });
    b.close();
    expect(await b.take()).toBeNull();
  });
  test("a take() waiting on an empty batcher arms the timer when the first item arrives", async () => {
    const b = new Batcher<number>({ maxRows: 100, maxMs: 30 });
    const p = b.take();
    await new Promise((r) => setTimeout(r, 50));
    b.push([7]);
    const t0 = performance.now();
    expect((await p)!.items).toEqual([7]);
    expect(performance.now() - t0).toBeLessThan(200);
  });
  test("ready (maxMs 0): a free writer takes what waits at once; what arrives meanwhile is the next batch", async () => {
    const b = new Batcher<number>({ maxRows: 100, maxMs: 0 });
    const p = b.take(); // a free writer, nothing waiting: it waits without a timer
    b.push([1]);
    expect(await p).toMatchObject({ items: [1], reason: "ready" });
    // While that batch is "written", ticks arrive: they come out together, not one by one.
    b.push([2, 3]);
    b.push([4]);
    expect(await b.take()).toMatchObject({ items: [2, 3, 4], reason: "ready" });
    // The size bound still holds.
    b.push(seq(0, 150));
    expect(await b.take()).toMatchObject({ items: seq(0, 100), reason: "size" });
    expect(await b.take()).toMatchObject({ items: seq(100, 50), reason: "ready" });
  });
  test("clear drops what waits (rebalance)", () => {
    const b = new Batcher<number>({ maxRows: 10, maxMs: 10 });
    b.push([1, 2, 3]);
    expect(b.clear()).toBe(3);
    expect(b.size).toBe(0);
  });
});

describe("backoffMs", () => {
  test("doubles from initial, capped, ±25 % jitter", () => {
    const p = { initialMs: 100, maxMs: 2000 };
    expect(backoffMs(0, p, () => 0.5)).toBe(100);
    expect(backoffMs(3, p, () => 0.5)).toBe(800);
    expect(backoffMs(10, p, () => 0.5)).toBe(2000);
    expect(backoffMs(1000, p, () => 0.5)).toBe(2000);
    expect(backoffMs(10, p, () => 0)).toBe(1500);
    expect(backoffMs(10, p, () => 0.999999)).toBe(2500);
  });
});
