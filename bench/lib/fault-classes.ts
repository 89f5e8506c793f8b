// The market fault classes of the quality benchmark (bench/quality.ts): bad prints, fat fingers,
// broken books, replays, clock faults, lost messages, a frozen quote feed and a delivered backlog.
// Each models something feeds really do; each names the codes that count as catching it. The
// malformed and stray messages are in fault-malformed.ts; FAULT_CLASSES lists them all.
import { F, R, WINDOW, simple, type FaultClass, type FaultCtx } from "./faults.ts";
import { MALFORMED_FAULTS, STRAY_FAULTS } from "./fault-malformed.ts";
import { KIND_QUOTE, KIND_TRADE, onGrid } from "./market.ts";

const scale = (v: unknown, f: number) => Number(((v as number) * f).toPrecision(12));

/** The last quote of the symbol before trade j (the generator sends one before every trade event), or null. */
const quoteBefore = (x: FaultCtx, j: number) => {
  const k = x.back(j, KIND_QUOTE, 1);
  return k < 0 ? null : x.raw(k);
};

/** Median of `value` over the last `n` ticks of `kind` before symbol index j (the clean stream), or NaN. */
function recentMedian(x: FaultCtx, j: number, kind: number, n: number, value: (raw: Record<string, unknown>) => number): number {
  const vals: number[] = [];
  for (let k = 1; k <= n; k++) {
    const i = x.back(j, kind, k);
    if (i < 0) break;
    vals.push(value(x.raw(i)));
  }
  if (vals.length === 0) return NaN;
  vals.sort((a, b) => a - b);
  return vals[vals.length >> 1]!;
}

export const MARKET_FAULTS: FaultClass[] = [
  simple("price.jump", "a trade printed 20–40 % off the market (a bad print)", [R("price.spike")], KIND_TRADE, (x, j) => {
    const t = x.raw(j);
    x.replace(j, { ...t, price: onGrid((t.price as number) * (1 + (x.rng() < 0.5 ? -1 : 1) * x.between(0.2, 0.4)), x.spec.tick) });
  }),
  {
    // The band is median ± (8 robust σ + 25 bps): a few % is outside it in calm markets and in
    // volatility bursts, so recall is scored there; in a cascade or a thin market the band is as
    // wide as the moves themselves, so it is measured and reported, not claimed.
    ...simple("price.outlier", "a trade 3–6 % off the market: inside price.spike's 10 %", [F("price.outlier")], KIND_TRADE, (x, j) => {
      const t = x.raw(j);
      x.replace(j, { ...t, price: onGrid((t.price as number) * (1 + (x.rng() < 0.5 ? -1 : 1) * x.between(0.03, 0.06)), x.spec.tick) });
    }),
    claimed: ["calm", "burst"],
  },
  simple("price.decimal_shift", "a trade price ×100 or ÷100 (a misplaced decimal point)", [R("price.out_of_bounds"), R("price.spike")], KIND_TRADE, (x, j) => {
    const t = x.raw(j);
    x.replace(j, { ...t, price: scale(t.price, x.rng() < 0.5 ? 100 : 0.01) });
  }),
  simple("price.off_tick", "a trade price 0.2–0.8 tick off the symbol's grid", [R("price.off_tick")], KIND_TRADE, (x, j) => {
    const t = x.raw(j);
    x.replace(j, { ...t, price: Number(((t.price as number) + x.spec.tick * x.between(0.2, 0.8)).toPrecision(14)) });
  }),
  simple("trade.outside_quote", "a trade 4–6 % beyond the touch of the quote before it (within price.spike's range)", [F("trade.outside_quote")], KIND_TRADE, (x, j) => {
    const t = x.raw(j);
    const q = quoteBefore(x, j);
    if (q === null) return false;
    const buy = t.side === "buy";
    const px = buy ? (q.ask as number) * (1 + x.between(0.04, 0.06)) : (q.bid as number) * (1 - x.between(0.04, 0.06));
    x.replace(j, { ...t, price: onGrid(px, x.spec.tick) });
  }),
  // A fat finger: four zeros too many on a typical order. On a trade far smaller than the usual one
  // ×10,000 may be no anomaly at all, so the base is the larger of its size and the recent median.
  simple("size.huge", "a trade size ×10,000 of a typical trade (fat finger)", [F("size.spike"), R("size.too_large"), R("notional.too_large")], KIND_TRADE, (x, j) => {
    const t = x.raw(j);
    const typical = recentMedian(x, j, KIND_TRADE, 32, (r) => r.size as number);
    x.replace(j, { ...t, size: scale(Math.max(t.size as number, typical || 0), 1e4) });
  }),
  simple("size.units", "a trade size ×10⁸ (base units sent as whole coins, e.g. satoshis as BTC)", [R("size.too_large"), R("notional.too_large"), F("size.spike")], KIND_TRADE, (x, j) => {
    const t = x.raw(j);
    x.replace(j, { ...t, size: scale(t.size, 1e8) });
  }),
  simple("size.off_lot", "a trade size half a lot off the symbol's lot grid", [R("size.off_lot")], KIND_TRADE, (x, j) => {
    const t = x.raw(j);
    x.replace(j, { ...t, size: Number(((t.size as number) + x.spec.lot / 2).toPrecision(14)) });
  }),
  simple("trade.replay", "a trade 1–10 trades back re-sent, an exact copy", [R("tradeId.duplicate"), R("seq.duplicate")], KIND_TRADE, (x, j) => {
    const src = x.back(j + 1, KIND_TRADE, 1 + Math.floor(10 * x.rng()));
    if (src < 0) return false;
    x.declare(src === j ? "the trade just received" : "an older trade");
    x.insertAfter(j, { ...x.raw(src) });
  }),
  simple("quote.crossed", "a quote with bid > ask (sides swapped, or the bid above the ask)", [R("quote.crossed")], KIND_QUOTE, (x, j) => {
    const q = x.raw(j);
    const swap = x.rng() < 0.5;
    x.declare(swap ? "sides swapped" : "bid above the ask");
    x.replace(j, swap ? { ...q, bid: q.ask, bidSize: q.askSize, ask: q.bid, askSize: q.bidSize }
      : { ...q, bid: onGrid((q.ask as number) + x.spec.tick * (1 + Math.floor(5 * x.rng())), x.spec.tick) });
  }),
  simple("quote.locked", "a quote with bid = ask", [F("quote.locked")], KIND_QUOTE, (x, j) => {
    const q = x.raw(j);
    x.replace(j, x.rng() < 0.5 ? { ...q, bid: q.ask } : { ...q, ask: q.bid });
  }),
  simple("spread.too_wide", "a quote 55–90 % wide (a placeholder price on one side)", [R("spread.too_wide")], KIND_QUOTE, (x, j) => {
    const q = x.raw(j);
    const mid = ((q.bid as number) + (q.ask as number)) / 2;
    const w = x.between(0.275, 0.45);
    x.replace(j, { ...q, bid: onGrid(mid * (1 - w), x.spec.tick), ask: onGrid(mid * (1 + w), x.spec.tick) });
  }),
  // 50× the symbol's recent median spread (spread.spike claims 20×), kept under spread.too_wide:
  // where that cap would leave it below 30× (a book already wide), the class does not apply.
  simple("spread.spike", "a quote whose spread is ×50 the recent median (under spread.too_wide's 5,000 bps)", [F("spread.spike")], KIND_QUOTE, (x, j) => {
    const q = x.raw(j);
    const bid = q.bid as number, ask = q.ask as number, mid = (bid + ask) / 2;
    const med = recentMedian(x, j, KIND_QUOTE, 32, (r) => (r.ask as number) - (r.bid as number));
    if (!(med > 0)) return false;
    const half = Math.min((med * 50) / 2, mid * 0.225);
    if (2 * half < 30 * med) return false;
    x.replace(j, { ...q, bid: onGrid(mid - half, x.spec.tick), ask: onGrid(mid + half, x.spec.tick) });
  }),
  simple("quote.replay", "the quote just received re-sent (same seq)", [R("seq.duplicate")], KIND_QUOTE, (x, j) => {
    x.insertAfter(j, { ...x.raw(j) });
  }),
  simple("quote.seq_regression", "an older quote (2–10 quotes back) re-sent: its seq is below the stream's", [F("seq.out_of_order"), R("ts.backwards")], KIND_QUOTE, (x, j) => {
    const src = x.back(j + 1, KIND_QUOTE, 2 + Math.floor(9 * x.rng()));
    if (src < 0) return false;
    x.insertAfter(j, { ...x.raw(src) });
  }),
  simple("ts.hour_back", "a tick stamped 1 h + 1–120 s before it was received", [R("ts.too_old")], null, (x, j) => {
    const t = x.raw(j);
    x.replace(j, { ...t, ts: (t.ts as number) - 3_600_000_000 - Math.round(x.between(1e6, 120e6)) });
  }),
  simple("ts.future", "a tick stamped 30–35 s after it was received (a clock ahead)", [R("ts.future")], null, (x, j) => {
    x.replace(j, { ...x.raw(j), ts: x.tick(j).recv + Math.round(x.between(30e6, 35e6)) });
  }),
  simple("ts.backwards", "a tick stamped 2–5 s before the symbol's latest tick", [R("ts.backwards")], null, (x, j) => {
    if (j === 0) return false;
    const latest = x.raw(j - 1).ts as number; // a symbol's ts only grow in a clean stream
    x.replace(j, { ...x.raw(j), ts: latest - Math.round(x.between(2e6, 5e6)) });
  }),
  simple("seq.gap", "1–10 ticks of one stream lost upstream; the next tick of that stream is the fault tick", [F("seq.gap")], null, (x, j) => {
    const kind = x.tick(j).kind;
    const lost = [j];
    let next = x.find(j + 1, kind);
    for (let n = Math.floor(10 * x.rng()); n > 0 && next >= 0; n--) {
      lost.push(next);
      next = x.find(next + 1, kind);
    }
    if (next < 0) return false;
    x.declare(kind === KIND_TRADE ? "trades lost" : "quotes lost");
    for (const k of lost) x.drop(k);
    x.mark(next, true);
  }),
];

/** Classes that span many ticks: a frozen quote feed, a backlog delivered at once. */
export const SPAN_FAULTS: FaultClass[] = [
  {
    id: "quote.stale", catches: [F("quote.stale")],
    about: "the quote feed freezes for 61–90 s of tick time: every quote repeats the last book (own ts and seq) while trades go on",
    apply(x, i) {
      const j = x.find(i, KIND_QUOTE);
      if (j < 0) return false;
      const q = x.raw(j);
      const t0 = q.ts as number;
      const until = t0 + x.between(61e6, 90e6);
      const late = (k: number) => (x.raw(k).ts as number) - t0 > 60_001_000; // past maxStaleMs, with 1 ms to spare
      let end = j + 1;
      while (end < x.L.length && (x.raw(end).ts as number) <= until) end++;
      if (end >= x.L.length - WINDOW) return false;
      let quotes = 0;
      for (let k = j + 1; k < end; k++) if (x.tick(k).kind === KIND_QUOTE && late(k)) quotes++;
      if (quotes === 0) return false;
      x.begin(this.id, this.catches);
      for (let k = j + 1; k < end; k++) {
        const r = x.raw(k);
        if (x.tick(k).kind === KIND_QUOTE) x.replace(k, { ...r, bid: q.bid, bidSize: q.bidSize, ask: q.ask, askSize: q.askSize }, late(k));
        else x.mark(k, false); // a trade during the freeze: part of the fault's span, not scored
      }
      return true;
    },
  },
  {
    id: "rate.backlog", catches: [F("rate.burst")],
    about: "the symbol's connection stalls (≤ 10 min), then its backlog of 3,500 ticks arrives within ≤ 0.5 s (faster than burstMaxPerSec, beyond burstCapacity); only where a symbol has that many ticks in 10 min",
    apply(x, i) {
      const K = 3_500;
      if (i + K >= x.L.length || x.tick(i + K - 1).recv - x.tick(i).recv > 600e6) return false;
      x.begin(this.id, this.catches);
      const resume = x.tick(i + K - 1).recv;
      const d = Math.min(500_000, x.tick(i + K).recv - resume);
      // Tokens: burstCapacity (2,000) + burstMaxPerSec (1,000/s) × d are spent first; the ticks past
      // that, with a margin of 200, must be flagged.
      const firstFlagged = 2_000 + (1_000 * d) / 1e6 + 200;
      for (let m = 0; m < K; m++) x.replace(i + m, x.raw(i + m), m >= firstFlagged, Math.round(resume + (m * d) / K));
      x.reorders = true;
      return true;
    },
  },
];

/** Every fault class, in the order the report lists them. */
export const FAULT_CLASSES: readonly FaultClass[] = [...MARKET_FAULTS, ...SPAN_FAULTS, ...MALFORMED_FAULTS, ...STRAY_FAULTS];
