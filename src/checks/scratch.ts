// Per-validator scratch: the fields of the tick being validated, parsed once by the field checks and
// read by every check. One instance is reused for every tick (no allocation per tick); a field that
// is absent or failed to parse holds NaN / "" so later checks skip it without extra branches.
import type { Side } from "../tick.ts";

export const KIND_NONE = 0;
export const KIND_TRADE = 1;
export const KIND_QUOTE = 2;

export class Scratch {
  /** Fired-check bits, by registry position: m0 holds 0-31, m1 32-63. */
  m0 = 0;
  m1 = 0;
  /** Receive time, µs: "now" for the clock checks. */
  now = 0;
  kind = KIND_NONE;
  exchange = "";
  symbol = "";
  ts = NaN;
  price = NaN;
  size = NaN;
  side: Side = "buy";
  tradeId = "";
  bid = NaN;
  bidSize = NaN;
  ask = NaN;
  askSize = NaN;
  /** NaN when absent. */
  seq = NaN;
  // Set by the stateful checks and reused by the commit that follows (avoids computing twice).
  idHash1 = 0;
  idHash2 = 0;
  tokens = 0;

  reset(now: number): void {
    this.m0 = 0;
    this.m1 = 0;
    this.now = now;
    this.kind = KIND_NONE;
    this.exchange = "";
    this.symbol = "";
    this.ts = NaN;
    this.price = NaN;
    this.size = NaN;
    this.tradeId = "";
    this.bid = NaN;
    this.bidSize = NaN;
    this.ask = NaN;
    this.askSize = NaN;
    this.seq = NaN;
  }
}

/** Marks the check at registry position `bit` as fired (the compiled stages write the same OR inline). */
export function fireBit(c: Scratch, bit: number): void {
  if (bit < 32) c.m0 |= 1 << bit;
  else c.m1 |= 1 << (bit - 32);
}
