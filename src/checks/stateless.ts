// Value checks on one tick alone, after normalise.ts parsed it into the Scratch. Each check is a
// small pure function of (scratch, thresholds) that may fire its one code; a field that failed to
// parse is NaN and every comparison with NaN is false, so no check fires on top of a parse failure.
import * as C from "./codes.ts";
import { fire } from "./codes.ts";
import type { GlobalParams, Params } from "./params.ts";
import { KIND_QUOTE, KIND_TRADE, type Scratch } from "./scratch.ts";

export type StatelessCheck = (c: Scratch, p: Params, g: GlobalParams) => void;

/** Relative tolerance for "is a multiple of": absorbs binary rounding of decimal prices. */
const STEP_EPS = 1e-6;

const offStep = (x: number, step: number): boolean => {
  const r = x / step;
  return Math.abs(r - Math.round(r)) > STEP_EPS;
};

export const exchangeNotAllowed: StatelessCheck = (c, _p, g) => {
  if (g.allowedExchanges !== null && c.exchange !== "" && !g.allowedExchanges.has(c.exchange)) fire(c, C.EXCHANGE_NOT_ALLOWED);
};
export const symbolNotAllowed: StatelessCheck = (c, _p, g) => {
  if (g.allowedSymbols !== null && c.symbol !== "" && !g.allowedSymbols.has(c.symbol)) fire(c, C.SYMBOL_NOT_ALLOWED);
};
export const tsFuture: StatelessCheck = (c, p) => {
  if (c.ts > c.now + p.maxClockSkewUs) fire(c, C.TS_FUTURE);
};
export const tsTooOld: StatelessCheck = (c, p) => {
  if (c.ts < c.now - p.maxAgeUs) fire(c, C.TS_TOO_OLD);
};
export const priceNonpositive: StatelessCheck = (c) => {
  if (c.price <= 0) fire(c, C.PRICE_NONPOSITIVE); // -0 <= 0 too
};
export const priceOutOfBounds: StatelessCheck = (c, p) => {
  if (c.price > 0 && (c.price < p.minPrice || c.price > p.maxPrice)) fire(c, C.PRICE_OUT_OF_BOUNDS);
};
export const priceOffTick: StatelessCheck = (c, p) => {
  if (p.tickSize > 0 && c.price > 0 && offStep(c.price, p.tickSize)) fire(c, C.PRICE_OFF_TICK);
};
export const sizeNonpositive: StatelessCheck = (c) => {
  if (c.size <= 0) fire(c, C.SIZE_NONPOSITIVE);
};
export const sizeOffLot: StatelessCheck = (c, p) => {
  if (p.lotSize > 0 && c.size > 0 && offStep(c.size, p.lotSize)) fire(c, C.SIZE_OFF_LOT);
};
export const sizeTooLarge: StatelessCheck = (c, p) => {
  if (c.size > p.maxSize) fire(c, C.SIZE_TOO_LARGE);
};
export const notionalTooLarge: StatelessCheck = (c, p) => {
  if (c.price > 0 && c.size > 0 && c.price * c.size > p.maxNotional) fire(c, C.NOTIONAL_TOO_LARGE);
};
export const bidNonpositive: StatelessCheck = (c) => {
  if (c.bid <= 0) fire(c, C.BID_NONPOSITIVE);
};
export const askNonpositive: StatelessCheck = (c) => {
  if (c.ask <= 0) fire(c, C.ASK_NONPOSITIVE);
};
export const bidSizeNegative: StatelessCheck = (c) => {
  if (c.bidSize < 0) fire(c, C.BID_SIZE_NEGATIVE); // -0 is not < 0: an empty side
};
export const askSizeNegative: StatelessCheck = (c) => {
  if (c.askSize < 0) fire(c, C.ASK_SIZE_NEGATIVE);
};
export const quoteCrossed: StatelessCheck = (c) => {
  if (c.bid > 0 && c.bid > c.ask) fire(c, C.QUOTE_CROSSED);
};
export const quoteLocked: StatelessCheck = (c) => {
  if (c.bid > 0 && c.bid === c.ask) fire(c, C.QUOTE_LOCKED);
};
export const spreadTooWide: StatelessCheck = (c, p) => {
  // (ask - bid) / mid in bps, without dividing: 2(ask - bid)·1e4 > maxBps·(ask + bid)
  if (c.bid > 0 && c.ask > c.bid && (c.ask - c.bid) * 2e4 > p.maxSpreadBps * (c.ask + c.bid)) fire(c, C.SPREAD_TOO_WIDE);
};

/** Runs every stateless check in registry order; calls are direct so the JIT can inline them. */
export function runStateless(c: Scratch, p: Params, g: GlobalParams): void {
  exchangeNotAllowed(c, p, g);
  symbolNotAllowed(c, p, g);
  tsFuture(c, p, g);
  tsTooOld(c, p, g);
  if (c.kind === KIND_TRADE) {
    priceNonpositive(c, p, g);
    priceOutOfBounds(c, p, g);
    priceOffTick(c, p, g);
    sizeNonpositive(c, p, g);
    sizeOffLot(c, p, g);
    sizeTooLarge(c, p, g);
    notionalTooLarge(c, p, g);
  } else if (c.kind === KIND_QUOTE) {
    bidNonpositive(c, p, g);
    askNonpositive(c, p, g);
    bidSizeNegative(c, p, g);
    askSizeNegative(c, p, g);
    quoteCrossed(c, p, g);
    quoteLocked(c, p, g);
    spreadTooWide(c, p, g);
  }
}

/** Check id → function, for the per-check benchmark and tests. */
export const STATELESS: Readonly<Record<string, StatelessCheck>> = {
  "exchange.not_allowed": exchangeNotAllowed,
  "symbol.not_allowed": symbolNotAllowed,
  "ts.future": tsFuture,
  "ts.too_old": tsTooOld,
  "price.nonpositive": priceNonpositive,
  "price.out_of_bounds": priceOutOfBounds,
  "price.off_tick": priceOffTick,
  "size.nonpositive": sizeNonpositive,
  "size.off_lot": sizeOffLot,
  "size.too_large": sizeTooLarge,
  "notional.too_large": notionalTooLarge,
  "bid.nonpositive": bidNonpositive,
  "ask.nonpositive": askNonpositive,
  "bidSize.negative": bidSizeNegative,
  "askSize.negative": askSizeNegative,
  "quote.crossed": quoteCrossed,
  "quote.locked": quoteLocked,
  "spread.too_wide": spreadTooWide,
};
