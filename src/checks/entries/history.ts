// Checks against the history of the tick's exchange:symbol, held in the SymbolStore of the one worker
// that owns the symbol. They run only for ticks that passed every value reject, and read state that
// only accepted ticks update (commit.ts). `s` is the symbol's slot, -1 for a symbol with no
// state yet: then only rate.burst and tradeId.duplicate's hashing run.
import { history, none } from "../define.ts";
import { dedupeHas, hashId, T as DEDUPE_T } from "../dedupe.ts";
import { KIND_TRADE, type Scratch } from "../scratch.ts";
import {
  F_STRIDE, I_STRIDE, S_ASK, S_BID, S_LAST_PRICE, S_LAST_TS, S_QUOTE_SEQ, S_QUOTE_TS, S_SAME_SINCE, S_TOKENS,
  S_TOKENS_AT, S_TRADE_SEQ, W_PRICE, W_SIZE, W_SPREAD, sameQuote, type SymbolStore,
} from "../state.ts";
import { winCount, winMad, winMedian } from "../window.ts";

const hash = new Int32Array(2);

/** The last accepted seq of the tick's stream (trades and quotes are separate streams), NaN = none. */
const lastSeq = (c: Scratch, st: SymbolStore, s: number) => st.values[s * F_STRIDE + (c.kind === KIND_TRADE ? S_TRADE_SEQ : S_QUOTE_SEQ)]!;

export const HISTORY = [
  history({ id: "ts.backwards", severity: "reject", overridable: true, reads: ["ts"],
    params: { maxBackwardsMs: { default: 1_000, type: "number", min: 0, derived: { maxBackwardsUs: (ms) => ms * 1000 }, description: "How far ts may fall behind the latest accepted ts of the symbol." } },
    description: "ts is earlier than the symbol's latest accepted ts minus maxBackwardsMs.",
    fires: (c, p, st, s) => s >= 0 && c.ts < st.values[s * F_STRIDE + S_LAST_TS]! - p.maxBackwardsUs }),
  // The three seq checks exclude each other; a tick without seq (NaN) fires none of them.
  history({ id: "seq.duplicate", severity: "reject", overridable: true, params: none, reads: ["seq"],
    description: "seq equals the last accepted seq of the symbol's stream (trades and quotes are separate streams).",
    fires: (c, _p, st, s) => s >= 0 && c.seq === lastSeq(c, st, s) }),
  history({ id: "seq.out_of_order", severity: "flag", overridable: true, params: none, reads: ["seq"],
    description: "seq is below the last accepted seq (a replay or a feed reset; it becomes the new reference).",
    fires: (c, _p, st, s) => s >= 0 && c.seq < lastSeq(c, st, s) }),
  history({ id: "seq.gap", severity: "flag", overridable: true, params: none, reads: ["seq"],
    description: "seq skips ahead of the last accepted seq + 1 (messages were lost upstream).",
    fires: (c, _p, st, s) => s >= 0 && c.seq > lastSeq(c, st, s) + 1 }),
  history({ id: "tradeId.duplicate", severity: "reject", overridable: true, params: none, reads: ["tradeId"], on: "trade",
    description: "tradeId was seen in the symbol's last 64 accepted trades (a fixed, bounded window).",
    fires: (c, _p, st, s) => {
      // The hash is kept in the Scratch for the commit that follows, so it is computed once.
      hashId(c.tradeId, hash);
      c.idHash1 = hash[0]!;
      c.idHash2 = hash[1]!;
      return s >= 0 && dedupeHas(st.idRing, s * I_STRIDE, st.idIndex, s * DEDUPE_T, c.idHash1, c.idHash2);
    } }),
  history({ id: "price.spike", severity: "reject", overridable: true, reads: ["price"], on: "trade",
    params: {
      maxJumpPct: { default: 10, type: "number", min: 0, derived: { maxJump: (pct) => pct / 100 }, description: "Largest move from the last accepted trade price, in percent." },
      spikeReanchorAfter: { default: 5, type: "integer", min: 0, description: "After this many consecutive price rejects the reference and median window are dropped, so a real level shift is accepted; 0 = never." },
    },
    description: "The trade price moved more than maxJumpPct from the last accepted trade price.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const last = st.values[s * F_STRIDE + S_LAST_PRICE]!;
      return Math.abs(c.price - last) > p.maxJump * last; // NaN last: false
    } }),
  history({ id: "price.outlier", severity: "flag", overridable: true, reads: ["price"], on: "trade",
    params: {
      outlierK: { default: 10, type: "number", min: 0, derived: { outlierSigmas: (k) => k * 1.4826 /* MAD → σ of a normal */ }, description: "Band half-width in robust standard deviations (1.4826 × MAD)." },
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
  history({ id: "size.spike", severity: "flag", overridable: true, reads: ["size"], on: "trade",
    params: {
      sizeSpikeK: { default: 500, type: "number", min: 0, description: "Multiple of the rolling median size that flags." },
      sizeSpikeMinSamples: { default: 16, type: "integer", min: 8, max: 32, description: "Accepted trades in the window (of 32) before the check runs." },
    },
    description: "The trade size is more than sizeSpikeK × the rolling median size of the last 32 accepted trades.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const b = s * F_STRIDE + W_SIZE;
      return winCount(st.values, b) >= p.sizeSpikeMinSamples && c.size > p.sizeSpikeK * winMedian(st.values, b);
    } }),
  history({ id: "spread.spike", severity: "flag", overridable: true, reads: ["bid", "ask"], on: "quote",
    params: {
      spreadSpikeK: { default: 20, type: "number", min: 0, description: "Multiple of the rolling median spread that flags." },
      spreadSpikeMinSamples: { default: 16, type: "integer", min: 8, max: 32, description: "Accepted quotes in the window (of 32) before the check runs." },
    },
    description: "The quote's spread is more than spreadSpikeK × the rolling median spread of the last 32 accepted quotes.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const b = s * F_STRIDE + W_SPREAD;
      const med = winMedian(st.values, b);
      // A median spread of 0 (a locked book) gives no scale: skip rather than flag every quote.
      return med > 0 && winCount(st.values, b) >= p.spreadSpikeMinSamples && c.ask - c.bid > p.spreadSpikeK * med;
    } }),
  history({ id: "trade.outside_quote", severity: "flag", overridable: true, reads: ["price", "ts"], on: "trade",
    params: { maxQuoteAgeMs: { default: 5_000, type: "number", min: 0, derived: { maxQuoteAgeUs: (ms) => ms * 1000 }, description: "The last quote is used only when its ts is within this of the trade's ts." } },
    description: "The trade price is outside [bid − spread, ask + spread] of the symbol's last accepted quote.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const f = st.values;
      const b = s * F_STRIDE;
      if (!(Math.abs(c.ts - f[b + S_QUOTE_TS]!) <= p.maxQuoteAgeUs)) return false; // also: no quote yet (NaN)
      const bid = f[b + S_BID]!;
      const ask = f[b + S_ASK]!;
      const spread = ask - bid;
      return c.price < bid - spread || c.price > ask + spread;
    } }),
  history({ id: "quote.stale", severity: "flag", overridable: true, reads: ["bid", "bidSize", "ask", "askSize", "ts"], on: "quote",
    params: { maxStaleMs: { default: 60_000, type: "number", min: 0, derived: { maxStaleUs: (ms) => ms * 1000 }, description: "How long an identical quote may repeat." } },
    description: "The identical quote (bid, bidSize, ask, askSize) has repeated for longer than maxStaleMs of tick time.",
    fires: (c, p, st, s) => {
      if (s < 0) return false;
      const b = s * F_STRIDE;
      return sameQuote(c, st.values, b) && c.ts - st.values[b + S_SAME_SINCE]! > p.maxStaleUs;
    } }),
  history({ id: "rate.burst", severity: "flag", overridable: true, reads: [],
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
