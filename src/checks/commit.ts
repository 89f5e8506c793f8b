// Folds a validated tick into its symbol's state: carries out the state policy that every stateful
// check writes down in its entry (entries/sequence.ts, entries/history.ts; docs/checks.md). In short:
//   - a verdict from a check keeps the tick out of the reference that check measured it against:
//     a flagged outlier does not drag the median, a ts that jumped ahead does not become the latest;
//   - a rejected tick moves a reference only where ignoring it would cause a false verdict later,
//     and never further than that: it counts as received in its seq stream when it is the next
//     one, and it retires the book when it is a quote; nothing else, so bad ticks cannot poison;
//   - a run of such verdicts against one reference means the market itself moved: the reference
//     starts again (spikeReanchorAfter, sizeSpikeReanchorAfter, spreadSpikeReanchorAfter);
//   - the sequence reference never moves back (unless seqReanchorAfter out-of-order ticks say the
//     feed renumbered);
//   - an out-of-order tick is older than the state, so it moves no price, size, spread or book reference;
//   - a rejected or locked quote is no book: trades wait for the next usable quote;
//   - the dedupe window and the rate bucket count what reaches Kafka: accepted ticks only;
//   - a symbol gets state only from an accepted tick, so a flood of bad ticks cannot evict good state.
import type { Params } from "./define.ts";
import { dedupeAdd, T as DEDUPE_T } from "./dedupe.ts";
import { KIND_NONE, KIND_QUOTE, KIND_TRADE, type Scratch } from "./scratch.ts";
import {
  F_STRIDE, I_STRIDE, S_ASK, S_ASK_SIZE, S_BID, S_BID_SIZE, S_LAST_PRICE, S_LAST_TS, S_PRICE_STREAK, S_QUOTE_RUN,
  S_QUOTE_RUN_LAST, S_QUOTE_SEQ, S_QUOTE_TS, S_SAME_SINCE, S_SIZE_STREAK, S_SPREAD_STREAK, S_TOKENS, S_TOKENS_AT,
  S_TRADE_RUN, S_TRADE_RUN_LAST, S_TRADE_SEQ, S_QUOTE_SEQ_ACCEPTED, S_TRADE_SEQ_ACCEPTED, W_PRICE, W_SIZE, W_SPREAD, sameQuote, type SymbolStore,
} from "./state.ts";
import { winClear, winPush } from "./window.ts";

/** The checks measured against each reference: a verdict from one of them keeps the tick out of it. */
export const MEASURED_BY = {
  ts: ["ts.invalid", "ts.future", "ts.too_old", "ts.backwards"],
  price: ["price.spike", "price.outlier"],
  size: ["size.spike"],
  spread: ["spread.spike"],
  /** A quote flagged so is accepted but is no book to measure trades against (bid = ask cannot rest on one venue). */
  book: ["quote.locked"],
} as const;

/**
 * Folds tick `c` into slot `s` (-1: not tracked yet; an accepted tick then takes a slot with
 * thresholds `p`). `v0`/`v1` are the enabled checks that fired, `r0`/`r1` those of them that
 * reject (none: the tick is accepted).
 */
export type Commit = (c: Scratch, st: SymbolStore, s: number, p: Params, v0: number, v1: number, r0: number, r1: number) => void;

/** The commit of a registry: the MEASURED_BY groups as bit masks of its checks (a group it lacks is empty). */
export function createCommit(index: ReadonlyMap<string, number>): Commit {
  const mask = (ids: readonly string[]): [number, number] => {
    let lo = 0, hi = 0;
    for (const id of ids) {
      const bit = index.get(id);
      if (bit === undefined) continue;
      if (bit < 32) lo |= 1 << bit;
      else hi |= 1 << (bit - 32);
    }
    return [lo, hi];
  };
  const [ts0, ts1] = mask(MEASURED_BY.ts);
  const [price0, price1] = mask(MEASURED_BY.price);
  const [size0, size1] = mask(MEASURED_BY.size);
  const [spread0, spread1] = mask(MEASURED_BY.spread);
  const [book0, book1] = mask(MEASURED_BY.book);

  return function commit(c, st, s, p, v0, v1, r0, r1) {
    const rejected = (r0 | r1) !== 0;
    if (rejected) {
      if (s < 0) return;
    } else if (s < 0) s = st.acquire(c.exchange, c.symbol, p);
    else st.touch(s);
    const f = st.values;
    const b = s * F_STRIDE;
    const inOrder = trackSeq(c, f, b, p, !rejected);
    if (rejected) {
      // A rejected quote is no book, but (when it is newer than the book) the book moved:
      // trade.outside_quote waits for the next accepted one.
      if (c.kind === KIND_QUOTE && inOrder) f[b + S_QUOTE_TS] = NaN;
      // Only a price reject counts toward re-anchoring: a trade rejected as a replay says nothing of the level.
      if (c.kind === KIND_TRADE && ((r0 & price0) | (r1 & price1)) !== 0 && streak(f, b, S_PRICE_STREAK, W_PRICE, p.spikeReanchorAfter as number)) f[b + S_LAST_PRICE] = NaN;
      return;
    }
    // The latest accepted ts (a maximum), unless a ts check has a verdict on it. Rejected ticks never
    // raise it: one within maxClockSkewMs of the future would make every good tick after it "backwards".
    if (((v0 & ts0) | (v1 & ts1)) === 0 && !(c.ts <= f[b + S_LAST_TS]!)) f[b + S_LAST_TS] = c.ts; // NaN last: take ts
    f[b + S_TOKENS] = Math.max(0, c.tokens - 1);
    f[b + S_TOKENS_AT] = c.now;
    if (c.kind === KIND_TRADE) {
      dedupeAdd(st.idRing, s * I_STRIDE, st.idIndex, s * DEDUPE_T, c.idHash1, c.idHash2);
      if (!inOrder) return;
      if (((v0 & price0) | (v1 & price1)) !== 0) {
        if (streak(f, b, S_PRICE_STREAK, W_PRICE, p.spikeReanchorAfter as number)) f[b + S_LAST_PRICE] = NaN;
      } else {
        f[b + S_LAST_PRICE] = c.price;
        f[b + S_PRICE_STREAK] = 0;
        winPush(f, b + W_PRICE, c.price);
      }
      if (((v0 & size0) | (v1 & size1)) !== 0) streak(f, b, S_SIZE_STREAK, W_SIZE, p.sizeSpikeReanchorAfter as number);
      else {
        f[b + S_SIZE_STREAK] = 0;
        winPush(f, b + W_SIZE, c.size);
      }
    } else {
      if (!inOrder) return;
      if (!sameQuote(c, f, b)) f[b + S_SAME_SINCE] = c.ts;
      f[b + S_BID] = c.bid;
      f[b + S_ASK] = c.ask;
      f[b + S_BID_SIZE] = c.bidSize;
      f[b + S_ASK_SIZE] = c.askSize;
      f[b + S_QUOTE_TS] = ((v0 & book0) | (v1 & book1)) === 0 ? c.ts : NaN;
      if (((v0 & spread0) | (v1 & spread1)) !== 0) streak(f, b, S_SPREAD_STREAK, W_SPREAD, p.spreadSpikeReanchorAfter as number);
      else {
        f[b + S_SPREAD_STREAK] = 0;
        winPush(f, b + W_SPREAD, c.ask - c.bid);
      }
    }
  };
}

/**
 * Moves the stream's seq references (entries/sequence.ts has the policy) and tells whether the tick
 * is in order: it has no seq, is at or above the reference (a rejected one: above it), or
 * re-anchors a renumbered feed. Accepted out-of-order ticks count a run: each above the one before,
 * `seqReanchorAfter` of them make the last one the reference.
 */
function trackSeq(c: Scratch, f: Float64Array, b: number, p: Params, accepted: boolean): boolean {
  const seq = c.seq;
  if (seq !== seq || c.kind === KIND_NONE) return true;
  const trade = c.kind === KIND_TRADE;
  const at = b + (trade ? S_TRADE_SEQ : S_QUOTE_SEQ);
  const run = b + (trade ? S_TRADE_RUN : S_QUOTE_RUN);
  const runLast = b + (trade ? S_TRADE_RUN_LAST : S_QUOTE_RUN_LAST);
  const delivered = b + (trade ? S_TRADE_SEQ_ACCEPTED : S_QUOTE_SEQ_ACCEPTED);
  const ref = f[at]!;
  if (!accepted) {
    // Received, not delivered: the next seq counts (the tick after it is no gap); nothing further.
    if (seq === ref + 1) {
      f[at] = seq;
      f[run] = 0;
    }
    return !(seq <= ref); // newer than anything received (or no reference yet)
  }
  if (!(seq < ref)) {
    if (!(seq <= ref)) f[at] = seq; // ahead, or the first seq (NaN reference)
    f[run] = 0;
    f[delivered] = seq;
    return true;
  }
  const n = f[run]! > 0 && seq > f[runLast]! ? f[run]! + 1 : 1;
  f[runLast] = seq;
  const after = p.seqReanchorAfter as number;
  if (after > 0 && n >= after) {
    f[at] = seq;
    f[run] = 0;
    f[delivered] = seq;
    return true;
  }
  f[run] = n;
  return false;
}

/** Counts one more verdict in a row against a window; at `after` (0 = never) the window starts again. True when it did. */
function streak(f: Float64Array, b: number, counter: number, window: number, after: number): boolean {
  const n = f[b + counter]! + 1;
  if (after > 0 && n >= after) {
    winClear(f, b + window);
    f[b + counter] = 0;
    return true;
  }
  f[b + counter] = n;
  return false;
}
