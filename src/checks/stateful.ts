// Checks against the symbol's history, and the commit that updates it. Run only for ticks that
// passed every stateless reject. Policy: state is updated only by ACCEPTED ticks (flagged ones
// included), so a rejected spike never becomes the reference price and a rejected duplicate never
// refreshes the dedupe window. The one exception is S_PRICE_STREAK, the count of consecutive
// price-rejected trades: after `spikeReanchorAfter` of them the price reference and median window
// are dropped, so a genuine level shift is accepted after a few ticks instead of never.
import * as C from "./codes.ts";
import { fire } from "./codes.ts";
import { dedupeAdd, dedupeHas, hashId } from "./dedupe.ts";
import type { Params } from "./params.ts";
import { KIND_QUOTE, KIND_TRADE, type Scratch } from "./scratch.ts";
import {
  F_STRIDE, I_STRIDE, S_ASK, S_ASK_SIZE, S_BID, S_BID_SIZE, S_LAST_PRICE, S_LAST_TS, S_PRICE_STREAK, S_QUOTE_SEQ,
  S_QUOTE_TS, S_SAME_SINCE, S_TOKENS, S_TOKENS_AT, S_TRADE_SEQ, W_PRICE, W_SIZE, W_SPREAD, type SymbolStore,
} from "./state.ts";
import { T as DEDUPE_T } from "./dedupe.ts";
import { winClear, winCount, winMad, winMedian, winPush } from "./window.ts";

/** `s` is the symbol's slot, or -1 for a symbol with no state yet (then only rate.burst and the tradeId hash run). */
export type StatefulCheck = (c: Scratch, p: Params, st: SymbolStore, s: number) => void;

const hash = new Int32Array(2);

export const tsBackwards: StatefulCheck = (c, p, st, s) => {
  if (s >= 0 && c.ts < st.f[s * F_STRIDE + S_LAST_TS]! - p.maxBackwardsUs) fire(c, C.TS_BACKWARDS);
};

/** seq.duplicate, seq.out_of_order and seq.gap share one comparison. */
export const seqOrder: StatefulCheck = (c, _p, st, s) => {
  if (s < 0 || c.seq !== c.seq) return;
  const last = st.f[s * F_STRIDE + (c.kind === KIND_TRADE ? S_TRADE_SEQ : S_QUOTE_SEQ)]!;
  if (c.seq === last) fire(c, C.SEQ_DUPLICATE);
  else if (c.seq < last) fire(c, C.SEQ_OUT_OF_ORDER);
  else if (c.seq > last + 1) fire(c, C.SEQ_GAP);
};

export const tradeIdDuplicate: StatefulCheck = (c, _p, st, s) => {
  if (c.kind !== KIND_TRADE) return;
  hashId(c.tradeId, hash);
  c.idHash1 = hash[0]!;
  c.idHash2 = hash[1]!;
  if (s >= 0 && dedupeHas(st.i, s * I_STRIDE, st.tbl, s * DEDUPE_T, c.idHash1, c.idHash2)) fire(c, C.TRADE_ID_DUPLICATE);
};

export const priceSpike: StatefulCheck = (c, p, st, s) => {
  if (s < 0 || c.kind !== KIND_TRADE) return;
  const last = st.f[s * F_STRIDE + S_LAST_PRICE]!;
  if (Math.abs(c.price - last) > p.maxJump * last) fire(c, C.PRICE_SPIKE); // NaN last: false
};

export const priceOutlier: StatefulCheck = (c, p, st, s) => {
  if (s < 0 || c.kind !== KIND_TRADE) return;
  const b = s * F_STRIDE + W_PRICE;
  if (winCount(st.f, b) < p.outlierMinSamples) return;
  const med = winMedian(st.f, b);
  const dev = Math.abs(c.price - med);
  // The band is k·σ + γ·med ≥ γ·med: inside γ there is no need for MAD (the common case, so the
  // O(W) MAD is computed only for the few prices that might be outliers).
  if (dev > p.outlierGamma * med && dev > p.outlierK * winMad(st.f, b, med) + p.outlierGamma * med) fire(c, C.PRICE_OUTLIER);
};

export const sizeSpike: StatefulCheck = (c, p, st, s) => {
  if (s < 0 || c.kind !== KIND_TRADE) return;
  const b = s * F_STRIDE;
  if (winCount(st.f, b + W_SIZE) >= p.sizeSpikeMinSamples && c.size > p.sizeSpikeK * winMedian(st.f, b + W_SIZE)) fire(c, C.SIZE_SPIKE);
};

export const spreadSpike: StatefulCheck = (c, p, st, s) => {
  if (s < 0 || c.kind !== KIND_QUOTE) return;
  const b = s * F_STRIDE;
  const med = winMedian(st.f, b + W_SPREAD);
  // A median spread of 0 (a locked book) gives no scale: skip rather than flag every quote.
  if (med > 0 && winCount(st.f, b + W_SPREAD) >= p.spreadSpikeMinSamples && c.ask - c.bid > p.spreadSpikeK * med) fire(c, C.SPREAD_SPIKE);
};

export const tradeOutsideQuote: StatefulCheck = (c, p, st, s) => {
  if (s < 0 || c.kind !== KIND_TRADE) return;
  const f = st.f;
  const b = s * F_STRIDE;
  if (!(Math.abs(c.ts - f[b + S_QUOTE_TS]!) <= p.maxQuoteAgeUs)) return; // also: no quote yet (NaN)
  const bid = f[b + S_BID]!;
  const ask = f[b + S_ASK]!;
  const spread = ask - bid;
  if (c.price < bid - spread || c.price > ask + spread) fire(c, C.TRADE_OUTSIDE_QUOTE);
};

export const quoteStale: StatefulCheck = (c, p, st, s) => {
  if (s < 0 || c.kind !== KIND_QUOTE) return;
  const f = st.f;
  const b = s * F_STRIDE;
  if (sameQuote(c, f, b) && c.ts - f[b + S_SAME_SINCE]! > p.maxStaleUs) fire(c, C.QUOTE_STALE);
};

export const rateBurst: StatefulCheck = (c, p, st, s) => {
  let avail = p.burstCapacity;
  if (s >= 0) {
    const b = s * F_STRIDE;
    const elapsed = c.now - st.f[b + S_TOKENS_AT]!;
    if (elapsed === elapsed) avail = Math.min(p.burstCapacity, st.f[b + S_TOKENS]! + Math.max(0, elapsed) * p.burstRate);
  }
  c.tokens = avail;
  if (avail < 1) fire(c, C.RATE_BURST);
};

function sameQuote(c: Scratch, f: Float64Array, b: number): boolean {
  return c.bid === f[b + S_BID] && c.ask === f[b + S_ASK] && c.bidSize === f[b + S_BID_SIZE] && c.askSize === f[b + S_ASK_SIZE];
}

/** Runs every stateful check (registry order does not matter: codes are emitted by bit index). */
export function runStateful(c: Scratch, p: Params, st: SymbolStore, s: number): void {
  tsBackwards(c, p, st, s);
  seqOrder(c, p, st, s);
  tradeIdDuplicate(c, p, st, s);
  priceSpike(c, p, st, s);
  priceOutlier(c, p, st, s);
  sizeSpike(c, p, st, s);
  spreadSpike(c, p, st, s);
  tradeOutsideQuote(c, p, st, s);
  quoteStale(c, p, st, s);
  rateBurst(c, p, st, s);
}

/** Folds an accepted tick into its symbol's state: slot `s`, or a new slot with thresholds `p` when s < 0. */
export function commit(c: Scratch, st: SymbolStore, s: number, p: Params): void {
  if (s < 0) s = st.acquire(c.exchange, c.symbol, p);
  else st.touch(s);
  const f = st.f;
  const b = s * F_STRIDE;
  if (!(c.ts <= f[b + S_LAST_TS]!)) f[b + S_LAST_TS] = c.ts; // max; NaN last: take ts
  f[b + S_TOKENS] = Math.max(0, c.tokens - 1);
  f[b + S_TOKENS_AT] = c.now;
  if (c.kind === KIND_TRADE) {
    if (c.seq === c.seq) f[b + S_TRADE_SEQ] = c.seq;
    f[b + S_LAST_PRICE] = c.price;
    f[b + S_PRICE_STREAK] = 0;
    winPush(f, b + W_PRICE, c.price);
    winPush(f, b + W_SIZE, c.size);
    dedupeAdd(st.i, s * I_STRIDE, st.tbl, s * DEDUPE_T, c.idHash1, c.idHash2);
  } else {
    if (c.seq === c.seq) f[b + S_QUOTE_SEQ] = c.seq;
    if (!sameQuote(c, f, b)) f[b + S_SAME_SINCE] = c.ts;
    f[b + S_BID] = c.bid;
    f[b + S_ASK] = c.ask;
    f[b + S_BID_SIZE] = c.bidSize;
    f[b + S_ASK_SIZE] = c.askSize;
    f[b + S_QUOTE_TS] = c.ts;
    winPush(f, b + W_SPREAD, c.ask - c.bid);
  }
}

/** A trade was rejected by a price check: count the streak and re-anchor after enough of them. */
export function priceRejected(st: SymbolStore, s: number, p: Params): void {
  const f = st.f;
  const b = s * F_STRIDE;
  const streak = f[b + S_PRICE_STREAK]! + 1;
  if (p.spikeReanchorAfter > 0 && streak >= p.spikeReanchorAfter) {
    f[b + S_LAST_PRICE] = NaN;
    winClear(f, b + W_PRICE);
    f[b + S_PRICE_STREAK] = 0;
  } else {
    f[b + S_PRICE_STREAK] = streak;
  }
}

/** Check id → function, for the per-check benchmark and tests (seqOrder serves three ids). */
export const STATEFUL: Readonly<Record<string, StatefulCheck>> = {
  "ts.backwards": tsBackwards,
  "seq.duplicate": seqOrder,
  "seq.out_of_order": seqOrder,
  "seq.gap": seqOrder,
  "tradeId.duplicate": tradeIdDuplicate,
  "price.spike": priceSpike,
  "price.outlier": priceOutlier,
  "size.spike": sizeSpike,
  "spread.spike": spreadSpike,
  "trade.outside_quote": tradeOutsideQuote,
  "quote.stale": quoteStale,
  "rate.burst": rateBurst,
};
