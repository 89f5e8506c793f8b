// Seeded fuzz: ≥100k garbage and near-valid ticks. Nothing throws; every tick is accepted (with a
// normalised tick) or rejected with at least one code; codes are known ids in registry order;
// routingKey never throws and agrees with validate on accepted ticks.
import { expect, test } from "bun:test";
import { CHECKS, CHECK_INDEX, routingKey } from "../../src/checks/index.ts";
import { rng } from "../../bench/lib/corpus.ts";
import { NOW, quote, trade, validator } from "./helpers.ts";

const N = 120_000;
const FIELDS = ["type", "exchange", "symbol", "ts", "price", "size", "side", "tradeId", "bid", "bidSize", "ask", "askSize", "seq"];

function fuzzTicks(seed: number) {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const huge = "x".repeat(1 << 20);
  const nested = () => ({ a: [1, { b: [2, { c: "d" }] }], price: { value: 1 } });
  const deep = () => {
    let o: unknown = 1;
    for (let i = 0; i < 1000; i++) o = [o];
    return o;
  };
  const values: (() => unknown)[] = [
    () => NaN, () => Infinity, () => -Infinity, () => 1e308, () => -1e308, () => -0, () => 0, () => 5e-324,
    () => Number.MAX_SAFE_INTEGER + 2, () => -1, () => r() * 1e6, () => Math.floor(r() * 1e15),
    () => "", () => " ", () => "NaN", () => "Infinity", () => "1e400", () => "-0", () => "0x1f", () => "１２３", () => "1".repeat(300),
    () => huge, () => "\u0000", () => "\ud800", () => "buy", () => "SELL", () => "trade", () => "quote", () => "BTC/USDT", () => "Binance",
    () => "2026-01-01T00:00:00Z", () => "2026-01-01T00:00:00.123456789+14:00", () => "9999-12-31T23:59:60Z", () => String(NOW), () => `${NOW}000`,
    () => true, () => false, () => null, () => undefined, () => [], () => [1, 2], () => ({}), nested, deep,
    () => Symbol("s"), () => 10n, () => () => 1, () => new Date(), () => new Uint8Array(3), () => new Map(),
    () => JSON.parse('{"__proto__": {"price": 1}}'), () => ({ constructor: "x", toString: 1 }),
  ];
  const out: unknown[] = [];
  for (let i = 0; i < N; i++) {
    const mode = r();
    if (mode < 0.05) {
      out.push(pick(values)()); // not an object at all, or an odd one
    } else if (mode < 0.1) {
      // Hostile keys through JSON.parse (own __proto__ / constructor / prototype properties).
      out.push(JSON.parse(`{"__proto__": {"type": "trade"}, "constructor": {"prototype": 1}, "type": "trade", "exchange": "x", "symbol": "A-B", "ts": ${NOW}, "price": 1, "size": 1, "side": "buy", "tradeId": "p${i}", "prototype": null}`));
    } else if (mode < 0.15) {
      const t: Record<string, unknown> = {};
      const n = Math.floor(r() * 80);
      for (let k = 0; k < n; k++) t[r() < 0.5 ? pick(FIELDS) : `k${k}`] = pick(values)();
      out.push(t);
    } else {
      // Near-valid: a real tick with 0-3 fields mutated, removed or added.
      const t: Record<string, unknown> = r() < 0.5
        ? trade({ tradeId: `f${i}`, ts: NOW - Math.floor(r() * 1e9), price: 100 + r(), seq: i })
        : quote({ ts: NOW - Math.floor(r() * 1e9), seq: i });
      const m = Math.floor(r() * 4);
      for (let k = 0; k < m; k++) {
        const f = pick(FIELDS);
        const op = r();
        if (op < 0.7) t[f] = pick(values)();
        else if (op < 0.85) delete t[f];
        // Own properties, as JSON.parse and msgpack decoders create them (an assignment to __proto__ would set the prototype).
        else Object.defineProperty(t, pick(["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]), { value: pick(values)(), enumerable: true, writable: true, configurable: true });
      }
      out.push(t);
    }
  }
  return out;
}

test(`fuzz: ${N} garbage and near-valid ticks never throw and always get a verdict`, () => {
  const v = validator({}, 256);
  const ticks = fuzzTicks(20260101);
  let accepted = 0;
  for (let i = 0; i < ticks.length; i++) {
    const raw = ticks[i];
    const r = v.validate(raw, NOW + i);
    if (r.ok) {
      accepted++;
      expect(r.rejects.length).toBe(0);
      const t = r.tick!;
      expect(t).not.toBeNull();
      expect(Number.isSafeInteger(t.ts)).toBe(true);
      if (t.type === "trade") expect(t.price! > 0 && Number.isFinite(t.price!) && t.size! > 0 && Number.isFinite(t.size!)).toBe(true);
      else expect(t.bid! > 0 && t.ask! >= t.bid! && t.bidSize! >= 0 && t.askSize! >= 0).toBe(true);
      expect(routingKey(raw)).toBe(`${t.exchange}:${t.symbol}`);
    } else {
      expect(r.rejects.length).toBeGreaterThanOrEqual(1);
      expect(r.tick).toBeNull();
      expect(() => routingKey(raw)).not.toThrow();
    }
    const all = [...r.rejects, ...r.flags].map((c) => CHECK_INDEX.get(c)!);
    for (const idx of all) expect(idx).toBeGreaterThanOrEqual(0);
    for (let k = 1; k < r.rejects.length; k++) expect(CHECK_INDEX.get(r.rejects[k]!)!).toBeGreaterThan(CHECK_INDEX.get(r.rejects[k - 1]!)!);
  }
  // The mix is meant to exercise both outcomes.
  expect(accepted).toBeGreaterThan(N * 0.05);
  expect(ticks.length - accepted).toBeGreaterThan(N * 0.5);
  expect(v.stats().symbols).toBeLessThanOrEqual(256);
  expect(CHECKS.length).toBeGreaterThan(0);
}, 120_000);
