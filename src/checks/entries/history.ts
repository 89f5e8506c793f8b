// Checks against the history of the tick's exchange:symbol, held in the SymbolStore of the one worker
// that owns the symbol. They run only for ticks that passed every value reject. Each says in `state`
// what updates the state it reads (commit.ts carries it out). `s` is the symbol's slot, -1 for a
// symbol with no state yet: then only rate.burst and tradeId.duplicate's hashing run.
import { history, none } from "../define.ts";
import { dedupeHas, hashId, T as DEDUPE_T } from "../dedupe.ts";
import {
  F_STRIDE, I_STRIDE, S_ASK, S_BID, S_LAST_PRICE, S_LAST_TS, S_QUOTE_TS, S_SAME_SINCE, S_TOKENS, S_TOKENS_AT, W_PRICE,
  W_SIZE, W_SPREAD, sameQuote,
} from "../state.ts";
import { winCount, winMad, winMedian } from "../window.ts";

const hash = new Int32Array(2);

// The state policies. Shared by the checks that read the same state.
const PRICE_STATE =
  "Reference: the last accepted trade price, and a window of the last 32, each without a price.spike or price.outlier verdict. " +
  "A trade those checks reject or flag stays out of both: an outlier must not become what the next trade is measured against " +
  "(Brownlees & Gallo (2006) likewise measure each price against a neighbourhood whose outliers are trimmed away). Such a trade counts " +
  "toward a streak instead; spikeReanchorAfter of them in a row mean the level really moved, so the price and the window are dropped and " +
  "the next trade starts them again. Trades rejected for other reasons, and out-of-order trades (older than the reference), leave them alone.";
const QUOTE_STATE =
  "Reference: the last accepted quote in seq order, flagged ones included (an unusually wide book is still the book). " +
  "A rejected quote newer than the book (no seq, or a seq above the stream's) or a locked one (bid = ask cannot rest on one venue's " +
  "book) is no book to measure trades against, but it says the book moved: trade.outside_quote waits for the next usable quote " +
  "rather than use the older one. Out-of-order and duplicate quotes (not newer than the book) leave it.";

export const HISTORY = [
  history({ id: "ts.backwards", severity: "reject", overridable: true, state: "Reference: the latest accepted ts of the symbol, trades and quotes alike (a maximum), flagged ticks included, unless a ts check (ts.future, ts.too_old, ts.backwards) has a verdict on it: a clock that jumped ahead must not become the reference, or every correct tick after it would be rejected. Rejected ticks never raise it, for the same reason (one a few seconds ahead, inside maxClockSkewMs, would do that damage); leaving them out costs nothing, as a lower reference can only reject less.", reads: ["ts"],
    params: { maxBackwardsMs: { default: 1_000, type: "number", min: 0, derived: { maxBackwardsUs: (ms) => ms * 1000 }, description: "How far ts may fall behind the latest accepted ts of the symbol." } },
    description: "ts is earlier than the symbol's latest accepted ts minus maxBackwardsMs.",
    fires: (c, p, st, s) => s >= 0 && c.ts < st.values[s * F_STRIDE + S_LAST_TS]! - p.maxBackwardsUs }),
  history({ id: "tradeId.duplicate", severity: "reject", overridable: true, params: none, state: "Window: the tradeIds of the symbol's last 64 accepted trades, flagged ones included. Only accepted trades enter it: it exists so that no trade reaches Kafka twice, and a rejected trade never did — a re-send of it is judged on its own.", reads: ["tradeId"], on: "trade",
    description: "tradeId was seen in the symbol's last 64 accepted trades (a fixed, bounded window).",
    fires: (c, _p, st, s) => {
      // The hash is kept in the Scratch for the commit that follows, so it is computed once.
      hashId(c.tradeId, hash);
      c.idHash1 = hash[0]!;
      c.idHash2 = hash[1]!;
      return s >= 0 && dedupeHas(st.idRing, s * I_STRIDE, st.idIndex, s * DEDUPE_T, c.idHash1, c.idHash2);
    } }),
  history({ id: "price.spike", severity: "reject", overridable: true, state: PRICE_STATE, reads: ["price"], on: "trade",
    params: {
      maxJumpPct: { default: 10, type: "number", min: 0, derived: { maxJump: (pct) => pct / 100 }, description: "Largest move from the last accepted trade price, in percent." },
      spikeReanchorAfter: { default: 5, type: "integer", min: 0, description: "After this many trades in a row with a price.spike or price.outlier verdict the reference and the window are dropped, so a real level shift is accepted; 0 = never." },
    },
    description: "The trade price moved more than maxJumpPct from the last accepted trade price.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const last = st.values[s * F_STRIDE + S_LAST_PRICE]!;
      return Math.abs(c.price - last) > p.maxJump * last; // NaN last: false
    } }),
  history({ id: "price.outlier", severity: "flag", overridable: true, state: PRICE_STATE, reads: ["price"], on: "trade",
    params: {
      outlierK: { default: 8, type: "number", min: 0, derived: { outlierSigmas: (k) => k * 1.4826 /* MAD → σ of a normal */ }, description: "Band half-width in robust standard deviations (1.4826 × MAD)." },
      outlierGammaBps: { default: 25, type: "number", min: 0, derived: { outlierGamma: (bps) => bps / 1e4 }, description: "Granularity term added to the band, in bps of the median (Brownlees–Gallo γ; keeps the band open when MAD = 0)." },
      outlierMinSamples: { default: 16, type: "integer", min: 8, max: 32, description: "Accepted trades in the window (of 32) before the check runs." },
    },
    description: "The trade price lies outside median ± (outlierK · 1.4826 · MAD + γ) of the last 32 accepted trade prices (median as a remedian of 4 blocks of 8; Brownlees–Gallo; Barndorff-Nielsen et al.).",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const b = s * F_STRIDE + W_PRICE;
      if (winCount(st.values, b) < p.outlierMinSamples) return false;
      const med = winMedian(st.values, b);
      const dev = Math.abs(c.price - med);
      const gamma = p.outlierGamma * med;
      // The band is k·σ + γ·med ≥ γ·med: inside γ there is no need for MAD (the common case, so the
      // O(W) MAD is computed only for the few prices that might be outliers).
      return dev > gamma && dev > p.outlierSigmas * winMad(st.values, b, med) + gamma;
    } }),
  history({ id: "size.spike", severity: "flag", overridable: true, state: "Window: the sizes of the last 32 accepted in-order trades without a size.spike verdict: a flagged size stays out of the median it was measured against. sizeSpikeReanchorAfter flagged trades in a row mean sizes really moved, and the window starts again.", reads: ["size"], on: "trade",
    params: {
      sizeSpikeK: { default: 500, type: "number", min: 0, description: "Multiple of the rolling median size that flags." },
      sizeSpikeMinSamples: { default: 16, type: "integer", min: 8, max: 32, description: "Accepted trades in the window (of 32) before the check runs." },
      sizeSpikeReanchorAfter: { default: 8, type: "integer", min: 0, description: "After this many flagged trades in a row the size window starts again (sizes moved for real); 0 = never." },
    },
    description: "The trade size is more than sizeSpikeK × the rolling median size of the last 32 accepted trades.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const b = s * F_STRIDE + W_SIZE;
      return winCount(st.values, b) >= p.sizeSpikeMinSamples && c.size > p.sizeSpikeK * winMedian(st.values, b);
    } }),
  history({ id: "spread.spike", severity: "flag", overridable: true, state: "Window: the spreads of the last 32 accepted in-order quotes without a spread.spike verdict. spreadSpikeReanchorAfter flagged quotes in a row mean the book really widened, and the window starts again.", reads: ["bid", "ask"], on: "quote",
    params: {
      spreadSpikeK: { default: 20, type: "number", min: 0, description: "Multiple of the rolling median spread that flags." },
      spreadSpikeMinSamples: { default: 16, type: "integer", min: 8, max: 32, description: "Accepted quotes in the window (of 32) before the check runs." },
      spreadSpikeReanchorAfter: { default: 8, type: "integer", min: 0, description: "After this many flagged quotes in a row the spread window starts again (the book widened for real); 0 = never." },
    },
    description: "The quote's spread is more than spreadSpikeK × the rolling median spread of the last 32 accepted quotes.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const b = s * F_STRIDE + W_SPREAD;
      const med = winMedian(st.values, b);
      // A median spread of 0 (a locked book) gives no scale: skip rather than flag every quote.
      return med > 0 && winCount(st.values, b) >= p.spreadSpikeMinSamples && c.ask - c.bid > p.spreadSpikeK * med;
    } }),
  history({ id: "trade.outside_quote", severity: "flag", overridable: true, state: QUOTE_STATE, reads: ["price", "ts"], on: "trade",
    params: {
      maxQuoteAgeMs: { default: 5_000, type: "number", min: 0, derived: { maxQuoteAgeUs: (ms) => ms * 1000 }, description: "The last quote is used only when its ts is within this of the trade's ts." },
      outsideQuoteMinBps: { default: 50, type: "number", min: 0, derived: { outsideQuoteMin: (bps) => bps / 1e4 }, description: "Least room beyond the touch, in bps of the ask: a sweep walks several levels past a book one tick wide." },
    },
    description: "The trade price is outside [bid − w, ask + w] of the symbol's last accepted quote, w = the widest of its spread, the rolling median spread and outsideQuoteMinBps of the ask.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const f = st.values;
      const b = s * F_STRIDE;
      if (!(Math.abs(c.ts - f[b + S_QUOTE_TS]!) <= p.maxQuoteAgeUs)) return false; // also: no usable quote (NaN)
      const bid = f[b + S_BID]!;
      const ask = f[b + S_ASK]!;
      // An unusually tight book, or one a tick wide that a sweep walks through, would leave no room
      // for the prints around it: the rolling median spread (NaN until 8 quotes) and a floor in bps widen it.
      const med = winMedian(f, b + W_SPREAD);
      let w = ask - bid;
      if (med > w) w = med;
      if (p.outsideQuoteMin * ask > w) w = p.outsideQuoteMin * ask;
      // ask + w in binary floating point lands a hair off a print exactly on the band's edge.
      const tol = ask * 1e-9;
      return c.price < bid - w - tol || c.price > ask + w + tol;
    } }),
  history({ id: "quote.stale", severity: "flag", overridable: true, state: QUOTE_STATE, reads: ["bid", "bidSize", "ask", "askSize", "ts"], on: "quote",
    params: { maxStaleMs: { default: 60_000, type: "number", min: 0, derived: { maxStaleUs: (ms) => ms * 1000 }, description: "How long an identical quote may repeat." } },
    description: "The identical quote (bid, bidSize, ask, askSize) has repeated for longer than maxStaleMs of tick time.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const b = s * F_STRIDE;
      return sameQuote(c, st.values, b) && c.ts - st.values[b + S_SAME_SINCE]! > p.maxStaleUs;
    } }),
  history({ id: "rate.burst", severity: "flag", overridable: true, state: "Bucket: one token per accepted tick (flagged included), refilled by receive time. Rejected ticks take none: the bucket bounds the rate that reaches Kafka.", reads: [],
    params: {
      burstMaxPerSec: { default: 1_000, type: "number", min: 0, derived: { burstPerUs: (perSec) => perSec / 1e6 }, description: "Sustained accepted ticks per second per symbol (token refill rate, by receive time)." },
      burstCapacity: { default: 2_000, type: "number", min: 1, description: "Token bucket size: the burst allowed above the rate." },
    },
    description: "The symbol's accepted tick rate is above its token bucket (burstMaxPerSec, burstCapacity).",
    fires: (c, p, st, s) => {
      let avail = p.burstCapacity;
      if (s >= 0) {
        const b = s * F_STRIDE;
        const elapsed = c.now - st.values[b + S_TOKENS_AT]!;
        if (elapsed === elapsed) avail = Math.min(p.burstCapacity, st.values[b + S_TOKENS]! + Math.max(0, elapsed) * p.burstPerUs);
      }
      c.tokens = avail; // kept for the commit, which takes one token
      return avail < 1;
    } }),
];
