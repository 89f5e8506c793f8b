// The options of `bun run validate` that change verdicts or what is listed: --config (and
// CHECKS_CONFIG), --clock, --max-symbols, --show.
import { describe, expect, test } from "bun:test";
import { cli, cliJson, file, ndjson } from "./cli-helpers.ts";

const AT = "2026-03-01T12:00:00Z";
const T = Date.parse(AT);
const trade = (extra: Record<string, unknown> = {}) => ({ type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: T, price: 100, size: 1, side: "buy", tradeId: 1, ...extra });
const locked = (extra: Record<string, unknown> = {}) => ({ type: "quote", exchange: "binance", symbol: "ETH-USDT", ts: T, bid: 10, bidSize: 1, ask: 10, askSize: 1, ...extra });
const codesOf = (report: any) => Object.fromEntries([...report.rejects, ...report.flags].map((l: any) => [l.index, l.codes]));

describe("--config", () => {
  const ticks = file("config.ndjson", ndjson([trade({ price: 100.05 }), locked()]));
  const strict = file("strict.json", JSON.stringify({ checks: { "quote.locked": "reject" }, symbols: { "binance:BTC-USDT": { tickSize: 0.1 } } }));

  test("the same ticks, other verdicts: a severity override and a per-symbol parameter", async () => {
    const plain = await cliJson(["--clock", AT, ticks]);
    expect(plain.code).toBe(0);
    expect(codesOf(plain.report)).toEqual({ 1: ["quote.locked"] });
    const judged = await cliJson(["--clock", AT, "--config", strict, ticks]);
    expect(judged.code).toBe(1);
    expect(judged.report.config).toBe(strict);
    expect(codesOf(judged.report)).toEqual({ 0: ["price.off_tick"], 1: ["quote.locked"] });
    expect(judged.report.rejected).toBe(2);
  });

  test("CHECKS_CONFIG applies without --config; --config wins over it", async () => {
    const viaEnv = await cliJson(["--clock", AT, ticks], { env: { CHECKS_CONFIG: strict } });
    expect(viaEnv.report).toMatchObject({ config: strict, rejected: 2 });
    const lenient = file("lenient.json", JSON.stringify({ checks: { "quote.locked": "off" } }));
    const flagOff = await cliJson(["--clock", AT, "--config", lenient, ticks], { env: { CHECKS_CONFIG: strict } });
    expect(flagOff.report).toMatchObject({ config: lenient, rejected: 0, flagged: 0 });
  });
});

describe("--clock", () => {
  // A backfill from 2020: judged now, every tick is too old.
  const old = Date.parse("2020-06-01T00:00:00Z");
  const backfill = file("backfill.ndjson", ndjson([0, 1, 2].map((i) => trade({ ts: old + i * 1000, tradeId: i }))));

  test("wall (the default) judges at today's time: the ts checks compare with now", async () => {
    const { code, report } = await cliJson([backfill]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ clock: "wall", rejected: 3, rejectsByCode: { "ts.too_old": 3 } });
  });

  test("tick judges each tick at its own ts: a backfill passes", async () => {
    const { code, report } = await cliJson(["--clock", "tick", backfill]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ clock: "tick", accepted: 3 });
  });

  test("a fixed time (ISO-8601 or epoch ms) judges every tick at that instant", async () => {
    const early = await cliJson(["--clock", String(old - 60_000), backfill]);
    expect(early.report).toMatchObject({ clock: "2020-05-31T23:59:00.000Z", rejectsByCode: { "ts.future": 3 } });
    const late = await cliJson(["--clock", "2020-06-01T00:30:00+00:00", backfill]);
    expect(late.report).toMatchObject({ accepted: 3 });
  });

  test("rate.burst refills by the receive time: by tick time ticks a second apart pass, at one instant they burst", async () => {
    const cfg = file("burst.json", JSON.stringify({ defaults: { burstMaxPerSec: 1, burstCapacity: 2 } }));
    const spread = file("spread.ndjson", ndjson([0, 1, 2, 3].map((i) => trade({ ts: T + i * 1000, tradeId: i }))));
    expect((await cliJson(["--config", cfg, "--clock", "tick", spread])).report.flagged).toBe(0);
    const atOnce = await cliJson(["--config", cfg, "--clock", new Date(T + 3000).toISOString(), spread]);
    expect(codesOf(atOnce.report)).toEqual({ 2: ["rate.burst"], 3: ["rate.burst"] });
  });
});

describe("--max-symbols", () => {
  test("past the bound the least recently accepted symbol's state is forgotten: a duplicate goes unseen, and the report says so", async () => {
    const ticks = file("symbols.ndjson", ndjson([trade(), trade({ symbol: "ETH-USDT" }), trade()]));
    const roomy = await cliJson(["--clock", AT, ticks]);
    expect(codesOf(roomy.report)).toEqual({ 2: ["tradeId.duplicate"] });
    expect(roomy.report.symbols).toEqual({ tracked: 2, max: 4096, evicted: 0 });
    const tight = await cliJson(["--clock", AT, "--max-symbols", "1", ticks]);
    expect(tight.code).toBe(0);
    expect(tight.report.symbols).toEqual({ tracked: 1, max: 1, evicted: 2 });
    const text = await cli(["--clock", AT, "--max-symbols", "1", ticks]);
    expect(text.stdout).toContain("symbols: 1 tracked (max 1), 2 evicted");
    expect(text.stdout).toContain("raise --max-symbols");
  });
});

describe("--show", () => {
  const many = file("many.ndjson", ndjson(Array.from({ length: 30 }, (_, i) => trade({ price: -i, tradeId: i }))));

  test("lists the first 20 rejects by default, counts them all", async () => {
    const { report } = await cliJson(["--clock", AT, many]);
    expect(report).toMatchObject({ rejected: 30, show: 20, rejectsTruncated: true, rejectsByCode: { "price.nonpositive": 30 } });
    expect(report.rejects.map((l: any) => l.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const text = await cli(["--clock", AT, many]);
    expect(text.stdout).toContain("first rejects (20 of 30; --show N for more)");
  });

  test("--show N bounds the list; 0 lists none", async () => {
    expect((await cliJson(["--clock", AT, "--show", "3", many])).report.rejects).toHaveLength(3);
    const none = await cliJson(["--clock", AT, "--show", "0", many]);
    expect(none.report).toMatchObject({ rejects: [], rejected: 30, rejectsTruncated: true });
    expect((await cliJson(["--clock", AT, "--show", "100", many])).report).toMatchObject({ rejectsTruncated: false });
  });
});
