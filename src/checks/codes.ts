// Bit index of every check, equal to its position in CHECKS (registry.ts; a test pins the match).
// Plain numeric constants so the JIT folds `fire(c, PRICE_SPIKE)` into one OR on one word.
// 49 checks fit two 32-bit words: m0 holds indices 0-31, m1 holds 32-63.

export const SCHEMA_UNREADABLE = 0;
export const SCHEMA_NOT_OBJECT = 1;
export const SCHEMA_TOO_MANY_FIELDS = 2;
export const TICK_TOO_LARGE = 3;
export const SCHEMA_STRING_TOO_LONG = 4;
export const SCHEMA_MISSING_FIELD = 5;
export const TYPE_UNKNOWN = 6;
export const EXCHANGE_INVALID = 7;
export const EXCHANGE_NOT_ALLOWED = 8;
export const SYMBOL_INVALID = 9;
export const SYMBOL_NOT_ALLOWED = 10;
export const TS_INVALID = 11;
export const TS_FUTURE = 12;
export const TS_TOO_OLD = 13;
export const SEQ_INVALID = 14;
export const PRICE_NOT_FINITE = 15;
export const PRICE_NONPOSITIVE = 16;
export const PRICE_OUT_OF_BOUNDS = 17;
export const PRICE_OFF_TICK = 18;
export const SIZE_NOT_FINITE = 19;
export const SIZE_NONPOSITIVE = 20;
export const SIZE_OFF_LOT = 21;
export const SIZE_TOO_LARGE = 22;
export const NOTIONAL_TOO_LARGE = 23;
export const SIDE_INVALID = 24;
export const TRADE_ID_INVALID = 25;
export const BID_NOT_FINITE = 26;
export const BID_NONPOSITIVE = 27;
export const ASK_NOT_FINITE = 28;
export const ASK_NONPOSITIVE = 29;
export const BID_SIZE_NOT_FINITE = 30;
export const BID_SIZE_NEGATIVE = 31;
export const ASK_SIZE_NOT_FINITE = 32;
export const ASK_SIZE_NEGATIVE = 33;
export const QUOTE_CROSSED = 34;
export const QUOTE_LOCKED = 35;
export const SPREAD_TOO_WIDE = 36;
export const TS_BACKWARDS = 37;
export const SEQ_DUPLICATE = 38;
export const SEQ_OUT_OF_ORDER = 39;
export const SEQ_GAP = 40;
export const TRADE_ID_DUPLICATE = 41;
export const PRICE_SPIKE = 42;
export const PRICE_OUTLIER = 43;
export const SIZE_SPIKE = 44;
export const SPREAD_SPIKE = 45;
export const TRADE_OUTSIDE_QUOTE = 46;
export const QUOTE_STALE = 47;
export const RATE_BURST = 48;

export const CHECK_COUNT = 49;

/** Anything that carries the two fired-bit words (the per-validator Scratch). */
export interface Fired {
  m0: number;
  m1: number;
}

/** Marks check `i` as fired. With a constant `i` the branch folds away after inlining. */
export function fire(c: Fired, i: number): void {
  if (i < 32) c.m0 |= 1 << i;
  else c.m1 |= 1 << (i - 32);
}

/** Whether check `i` fired. */
export function fired(c: Fired, i: number): boolean {
  return i < 32 ? (c.m0 & (1 << i)) !== 0 : (c.m1 & (1 << (i - 32))) !== 0;
}
