// Verdicts (src/validate/verdict.ts) equal the server's path tick by tick: pack as the pool does,
// unpack as the worker does, validate with the record's size. Its shortcut for flat ticks (no
// round trip, a size bound instead of the size) must never change a verdict: seeded sequences of ticks with hostile values (-0, lone
// surrogates, NaN, huge numbers, __proto__ and constructor keys, nesting, undefined) go through both,
// one Validator each, in lockstep, so stateful checks see the same history.
import { describe, expect, test } from "bun:test";
import { Packr, Unpackr } from "msgpackr";
import { prng } from "../../bench/lib/prng.ts";
import { loadChecksConfig, Validator } from "../../src/checks/index.ts";
import { parseClock } from "../../src/validate/clock.ts";
import { flatSizeBound, Verdicts } from "../../src/validate/verdict.ts";

const NOW_US = Date.parse("2026-03-01T12:00:00Z") * 1000;

/** The server's path, spelled out: the pool's Packr, the worker's Unpackr and Collector rules. */
function serverPath() {
  const validator = new Validator(loadChecksConfig({}));
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false, int64AsType: "number" });
  return (value: unknown) => {
    const payload = packr.pack(value);
    if (payload.length > validator.maxTickBytes) return copy(validator.validate(null, NOW_US, payload.length));
    const tick = unpackr.unpack(payload);
    if (tick === undefined) return { ok: false, rejects: ["schema.unreadable"], flags: [], tick: null };
    return copy(validator.validate(tick, NOW_US, payload.length));
  };
}
const copy = (r: { ok: boolean; rejects: string[]; flags: string[]; tick: unknown }) => ({ ok: r.ok, rejects: [...r.rejects], flags: [...r.flags], tick: r.tick === null ? null : { ...(r.tick as object) } });

const ODD_VALUES: unknown[] = [
  -0, 0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 1e300, -1, 0.1, "\ud800", "a\udc00b", "😀", "", "-0", true, false, null, undefined,
  [1], { a: 1 }, new Uint8Array([1, 2]), new Date(NOW_US / 1000), "100.5", "1e3",
  // Around maxTickBytes (16 KiB): a bound over it but a size under it, a size over it.
  "x".repeat(6_000), "é".repeat(6_000), "😀".repeat(3_000), "x".repeat(17_000),
];

function randomTick(rng: () => number): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  const good: Record<string, unknown> = rng() < 0.5
    ? { type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: NOW_US / 1000 - Math.floor(rng() * 1000), price: 100 + Math.floor(rng() * 3), size: 1, side: "buy", tradeId: Math.floor(rng() * 20), seq: Math.floor(rng() * 30) }
    : { type: "quote", exchange: "binance", symbol: "BTC-USDT", ts: NOW_US / 1000, bid: 99, bidSize: 1, ask: 100, askSize: 1, seq: Math.floor(rng() * 30) };
  const keys = [...Object.keys(good), "__proto__", "constructor", "extra", "\ud800key"];
  for (let n = Math.floor(rng() * 3); n > 0; n--) {
    const key = pick(keys);
    if (key === "__proto__") Object.defineProperty(good, key, { value: pick(ODD_VALUES), enumerable: true, configurable: true, writable: true });
    else good[key] = pick(ODD_VALUES);
  }
  return rng() < 0.03 ? pick(ODD_VALUES) : good;
}

describe("Verdicts", () => {
  test("the shortcut is taken only for flat ticks of plain values", () => {
    expect(flatSizeBound({ type: "trade", price: 1.5, tradeId: "x", ok: true, none: null, big: 2 ** 60 })).toBeGreaterThan(0);
    for (const odd of [-0, "\ud800", undefined, [1], { a: 1 }, new Date(0), new Uint8Array(1)]) expect(flatSizeBound({ type: "trade", v: odd })).toBe(-1);
    expect(flatSizeBound(JSON.parse('{"__proto__": 1}'))).toBe(-1);
    expect(flatSizeBound({ constructor: "x" })).toBe(-1);
    expect(flatSizeBound([{}])).toBe(-1);
    expect(flatSizeBound(Object.create(null))).toBe(-1);
  });

  test("equal to the server's path on 20,000 seeded ticks with hostile values, state included", () => {
    for (const seed of [1, 2, 3, 4]) {
      const rng = prng(seed);
      const server = serverPath();
      const offline = new Verdicts(loadChecksConfig({}), 4096, parseClock("2026-03-01T12:00:00Z")!);
      const packr = new Packr({ useRecords: false });
      let shortcut = 0;
      for (let i = 0; i < 5_000; i++) {
        const tick = randomTick(rng);
        const bound = flatSizeBound(tick);
        if (bound >= 0) {
          shortcut++;
          expect(bound).toBeGreaterThanOrEqual(packr.pack(tick).length);
        }
        const want = server(tick);
        const got = copy(offline.of(tick));
        // deepEquals tells -0 from 0, as the checks and the stored tick can.
        if (!Bun.deepEquals(got, want)) expect({ seed, i, tick: String(JSON.stringify(tick)), got }).toEqual({ seed, i, tick: String(JSON.stringify(tick)), got: want });
      }
      // Both paths were exercised: most ticks are flat, a good share are not.
      expect(shortcut).toBeGreaterThan(1_000);
      expect(shortcut).toBeLessThan(4_900);
    }
  });

  test("a tick over maxTickBytes is rejected from its size, an undefined one as unreadable", () => {
    const v = new Verdicts(loadChecksConfig({}), 16, parseClock("wall")!);
    expect(v.of({ type: "trade", memo: "x".repeat(20_000) }).rejects).toEqual(["tick.too_large"]);
    expect(v.of(undefined).rejects).toEqual(["schema.unreadable"]);
  });
});
