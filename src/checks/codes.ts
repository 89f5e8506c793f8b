// Bit index of every check, equal to its position in CHECKS (registry.ts; a test pins the match).
// Plain numeric constants so the JIT folds `fire(c, PRICE_SPIKE)` into one OR on one word.
// 48 checks fit two 32-bit words: m0 holds indices 0-31, m1 holds 32-63.

export const SCHEMA_UNREADABLE = 0;
export const SCHEMA_NOT_OBJECT = 1;
export const SCHEMA_TOO_MANY_FIELDS = 2;
export const SCHEMA_STRING_TOO_LONG = 3;
export const SCHEMA_MISSING_FIELD = 4;
export const TYPE_UNKNOWN = 5;
export const EXCHANGE_INVALID = 6;
export const EXCHANGE_NOT_ALLOWED = 7;
export const SYMBOL_INVALID = 8;
export const SYMBOL_NOT_ALLOWED = 9;
export const TS_INVALID = 10;
export const TS_FUTURE = 11;
export const TS_TOO_OLD = 12;
export const SEQ_INVALID = 13;
export const PRICE_NOT_FINITE = 14;
export const PRICE_NONPOSITIVE = 15;
export const PRICE_OUT_OF_BOUNDS = 16;
export const PRICE_OFF_TICK = 17;
export const SIZE_NOT_FINITE = 18;
export const SIZE_NONPOSITIVE = 19;
export const SIZE_OFF_LOT = 20;
export const SIZE_TOO_LARGE = 21;
export const NOTIONAL_TOO_LARGE = 22;
export const SIDE_INVALID = 23;
export const TRADE_ID_INVALID = 24;
export const BID_NOT_FINITE = 25;
export const BID_NONPOSITIVE = 26;
export const ASK_NOT_FINITE = 27;
export const ASK_NONPOSITIVE = 28;
export const BID_SIZE_NOT_FINITE = 29;
export const BID_SIZE_NEGATIVE = 30;
export const ASK_SIZE_NOT_FINITE = 31;
export const ASK_SIZE_NEGATIVE = 32;
export const QUOTE_CROSSED = 33;
export const QUOTE_LOCKED = 34;
export const SPREAD_TOO_WIDE = 35;
export const TS_BACKWARDS = 36;
export const SEQ_DUPLICATE = 37;
export const SEQ_OUT_OF_ORDER = 38;
export const SEQ_GAP = 39;
export const TRADE_ID_DUPLICATE = 40;
export const PRICE_SPIKE = 41;
export const PRICE_OUTLIER = 42;
export const SIZE_SPIKE = 43;
export const SPREAD_SPIKE = 44;
export const TRADE_OUTSIDE_QUOTE = 45;
export const QUOTE_STALE = 46;
export const RATE_BURST = 47;

export const CHECK_COUNT = 48;

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
