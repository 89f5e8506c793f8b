// Folds a tick into its symbol's history after the checks ran. Policy: state is updated only by
// ACCEPTED ticks (flagged ones included), so a rejected spike never becomes the reference price and a
// rejected duplicate never refreshes the dedupe window. The one exception is S_PRICE_STREAK, the
// count of consecutive price-rejected trades: after `spikeReanchorAfter` of them the price reference
// and median window are dropped, so a genuine level shift is accepted after a few ticks, not never.
import type { Params } from "./define.ts";
import { dedupeAdd, T as DEDUPE_T } from "./dedupe.ts";
import { KIND_TRADE, type Scratch } from "./scratch.ts";
import {
  F_STRIDE, I_STRIDE, S_ASK, S_ASK_SIZE, S_BID, S_BID_SIZE, S_LAST_PRICE, S_LAST_TS, S_PRICE_STREAK, S_QUOTE_SEQ,
  S_QUOTE_TS, S_SAME_SINCE, S_TOKENS, S_TOKENS_AT, S_TRADE_SEQ, W_PRICE, W_SIZE, W_SPREAD, sameQuote, type SymbolStore,
} from "./state.ts";
import { winClear, winPush } from "./window.ts";

/** The checks whose reject counts toward the re-anchoring streak (priceRejected). */
export const REANCHOR_ON = ["price.spike", "price.outlier"] as const;

/** Folds an accepted tick into its symbol's state: slot `s`, or a new slot with thresholds `p` when s < 0. */
export function commit(c: Scratch, st: SymbolStore, s: number, p: Params): void {
  if (s < 0) s = st.acquire(c.exchange, c.symbol, p);
  else st.touch(s);
  const f = st.values;
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
    dedupeAdd(st.idRing, s * I_STRIDE, st.idIndex, s * DEDUPE_T, c.idHash1, c.idHash2);
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
  const f = st.values;
  const b = s * F_STRIDE;
  const streak = f[b + S_PRICE_STREAK]! + 1;
  if ((p.spikeReanchorAfter as number) > 0 && streak >= (p.spikeReanchorAfter as number)) {
    f[b + S_LAST_PRICE] = NaN;
    winClear(f, b + W_PRICE);
    f[b + S_PRICE_STREAK] = 0;
  } else {
    f[b + S_PRICE_STREAK] = streak;
  }
}
