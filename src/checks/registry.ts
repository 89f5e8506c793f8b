// The check registry: one literal table, the single source of truth for `GET /v1/checks`,
// docs/checks.md (scripts/render-checks.ts) and config validation (config.ts). Modelled on spectral's
// ruleset table: id, severity, description, parameters with defaults.
//
// The order is stable and meaningful: codes in a result are listed in this order, and the position
// of an entry is its bit index (codes.ts pins each index; a test checks they agree). Append new
// checks at the end of their group and update codes.ts; never reuse or rename an id.

export type Severity = "reject" | "flag";
export type ParamType = "integer" | "number" | "number|null" | "string[]";

export interface ParamSpec {
  readonly default: number | null | readonly string[];
  readonly description: string;
  readonly type: ParamType;
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
  /** Only settable under `defaults` (it is read before the tick's exchange/symbol is known). */
  readonly global?: boolean;
}

export interface CheckSpec {
  readonly id: string;
  readonly severity: Severity;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly stateful: boolean;
  /** false for checks whose failure leaves no usable tick: their severity cannot be changed or turned off. */
  readonly overridable: boolean;
}

const none = {} as const;

export const CHECKS: readonly CheckSpec[] = [
  // --- schema / hostile input -------------------------------------------------------------------
  { id: "schema.unreadable", severity: "reject", stateful: false, overridable: false, params: none,
    description: "Reading the tick threw (a getter or proxy from an exotic decoder); never fires for JSON or MessagePack input." },
  { id: "schema.not_object", severity: "reject", stateful: false, overridable: false, params: none,
    description: "The tick is not a plain object (null, a primitive, an array, a Map, a Date, bytes)." },
  { id: "schema.too_many_fields", severity: "reject", stateful: false, overridable: false,
    params: { maxFields: { default: 32, type: "integer", min: 1, global: true, description: "Most own enumerable keys a tick may have; counting stops at the limit." } },
    description: "The tick has more keys than maxFields (hostile input); nothing else is read." },
  { id: "tick.too_large", severity: "reject", stateful: false, overridable: false,
    params: { maxTickBytes: { default: 16384, type: "integer", min: 256, max: 262144, global: true, description: "Largest tick, in bytes of its MessagePack encoding (as it crosses to the validator); bounds every Kafka record tickgate writes." } },
    description: "The tick's encoding is larger than maxTickBytes (a tick is a few hundred bytes; unknown fields count too); nothing else is read, and its reject record keeps a digest of it instead of the tick." },
  { id: "schema.string_too_long", severity: "reject", stateful: false, overridable: false,
    params: { maxStringLength: { default: 256, type: "integer", min: 8, global: true, description: "Longest string accepted in any field that is read." } },
    description: "A string field is longer than maxStringLength; that field is not parsed further." },
  { id: "schema.missing_field", severity: "reject", stateful: false, overridable: false, params: none,
    description: "A field required for the tick's type is absent or null (common: type, exchange, symbol, ts; trade: price, size, side, tradeId; quote: bid, bidSize, ask, askSize)." },
  { id: "type.unknown", severity: "reject", stateful: false, overridable: false, params: none,
    description: "type is not \"trade\" or \"quote\" (case-insensitive)." },
  { id: "exchange.invalid", severity: "reject", stateful: false, overridable: false, params: none,
    description: "exchange is not 1-32 characters of [A-Za-z0-9._-] starting with a letter or digit." },
  { id: "exchange.not_allowed", severity: "reject", stateful: false, overridable: true,
    params: { allowedExchanges: { default: [], type: "string[]", global: true, description: "Exchanges accepted (normalised, lower case); empty = any." } },
    description: "exchange is not in allowedExchanges." },
  { id: "symbol.invalid", severity: "reject", stateful: false, overridable: false, params: none,
    description: "symbol is not BASE-QUOTE, BASE/QUOTE or BASE_QUOTE with each side 1-24 characters of [A-Za-z0-9]." },
  { id: "symbol.not_allowed", severity: "reject", stateful: false, overridable: true,
    params: { allowedSymbols: { default: [], type: "string[]", global: true, description: "Symbols accepted (normalised BASE-QUOTE); empty = any." } },
    description: "symbol is not in allowedSymbols." },
  { id: "ts.invalid", severity: "reject", stateful: false, overridable: false, params: none,
    description: "ts is not a positive epoch ms/µs/ns number (told apart by magnitude), a string of digits, or an ISO-8601 date-time with a time zone." },
  { id: "ts.future", severity: "reject", stateful: false, overridable: true,
    params: { maxClockSkewMs: { default: 5_000, type: "number", min: 0, description: "How far ts may be ahead of the receive time." } },
    description: "ts is later than the receive time plus maxClockSkewMs." },
  { id: "ts.too_old", severity: "reject", stateful: false, overridable: true,
    params: { maxAgeMs: { default: 3_600_000, type: "number", min: 0, description: "How far ts may be behind the receive time." } },
    description: "ts is earlier than the receive time minus maxAgeMs." },
  { id: "seq.invalid", severity: "reject", stateful: false, overridable: true, params: none,
    description: "seq is present but not a non-negative safe integer (number or digit string)." },
  // --- trade fields --------------------------------------------------------------------------------
  { id: "price.not_finite", severity: "reject", stateful: false, overridable: false, params: none,
    description: "price is not a finite number or decimal string (NaN, Infinity, 1e400, wrong type)." },
  { id: "price.nonpositive", severity: "reject", stateful: false, overridable: true, params: none,
    description: "price is zero, negative or -0." },
  { id: "price.out_of_bounds", severity: "reject", stateful: false, overridable: true,
    params: {
      minPrice: { default: null, type: "number|null", min: 0, description: "Lowest price accepted; null = no bound." },
      maxPrice: { default: null, type: "number|null", min: 0, description: "Highest price accepted; null = no bound." },
    },
    description: "price is outside [minPrice, maxPrice] (set per symbol)." },
  { id: "price.off_tick", severity: "reject", stateful: false, overridable: true,
    params: { tickSize: { default: null, type: "number|null", min: 0, description: "Price increment; null = not checked." } },
    description: "price is not a multiple of tickSize (relative tolerance 1e-6 of a tick)." },
  { id: "size.not_finite", severity: "reject", stateful: false, overridable: false, params: none,
    description: "size is not a finite number or decimal string." },
  { id: "size.nonpositive", severity: "reject", stateful: false, overridable: true, params: none,
    description: "size is zero, negative or -0." },
  { id: "size.off_lot", severity: "reject", stateful: false, overridable: true,
    params: { lotSize: { default: null, type: "number|null", min: 0, description: "Size increment; null = not checked." } },
    description: "size is not a multiple of lotSize (relative tolerance 1e-6 of a lot)." },
  { id: "size.too_large", severity: "reject", stateful: false, overridable: true,
    params: { maxSize: { default: null, type: "number|null", min: 0, description: "Largest trade size; null = no bound." } },
    description: "size is larger than maxSize." },
  { id: "notional.too_large", severity: "reject", stateful: false, overridable: true,
    params: { maxNotional: { default: 1e11, type: "number", min: 0, description: "Largest price × size, in quote currency (fat-finger guard)." } },
    description: "price × size is larger than maxNotional." },
  { id: "side.invalid", severity: "reject", stateful: false, overridable: false, params: none,
    description: "side is not \"buy\" or \"sell\" (case-insensitive)." },
  { id: "tradeId.invalid", severity: "reject", stateful: false, overridable: false,
    params: { maxTradeIdLength: { default: 64, type: "integer", min: 1, global: true, description: "Longest tradeId string." } },
    description: "tradeId is not a non-negative safe integer or a string of 1..maxTradeIdLength printable ASCII characters." },
  // --- quote fields --------------------------------------------------------------------------------
  { id: "bid.not_finite", severity: "reject", stateful: false, overridable: false, params: none,
    description: "bid is not a finite number or decimal string." },
  { id: "bid.nonpositive", severity: "reject", stateful: false, overridable: true, params: none,
    description: "bid is zero, negative or -0." },
  { id: "ask.not_finite", severity: "reject", stateful: false, overridable: false, params: none,
    description: "ask is not a finite number or decimal string." },
  { id: "ask.nonpositive", severity: "reject", stateful: false, overridable: true, params: none,
    description: "ask is zero, negative or -0." },
  { id: "bidSize.not_finite", severity: "reject", stateful: false, overridable: false, params: none,
    description: "bidSize is not a finite number or decimal string." },
  { id: "bidSize.negative", severity: "reject", stateful: false, overridable: true, params: none,
    description: "bidSize is negative (0 is allowed: an empty side)." },
  { id: "askSize.not_finite", severity: "reject", stateful: false, overridable: false, params: none,
    description: "askSize is not a finite number or decimal string." },
  { id: "askSize.negative", severity: "reject", stateful: false, overridable: true, params: none,
    description: "askSize is negative (0 is allowed: an empty side)." },
  { id: "quote.crossed", severity: "reject", stateful: false, overridable: true, params: none,
    description: "bid > ask." },
  { id: "quote.locked", severity: "flag", stateful: false, overridable: true, params: none,
    description: "bid = ask." },
  { id: "spread.too_wide", severity: "reject", stateful: false, overridable: true,
    params: { maxSpreadBps: { default: 5_000, type: "number", min: 0, description: "Widest (ask − bid) / mid, in basis points." } },
    description: "The quote's spread is wider than maxSpreadBps of the mid price." },
  // --- stateful, per exchange:symbol (only ticks that passed every stateless reject) ---------------
  { id: "ts.backwards", severity: "reject", stateful: true, overridable: true,
    params: { maxBackwardsMs: { default: 1_000, type: "number", min: 0, description: "How far ts may fall behind the latest accepted ts of the symbol." } },
    description: "ts is earlier than the symbol's latest accepted ts minus maxBackwardsMs." },
  { id: "seq.duplicate", severity: "reject", stateful: true, overridable: true, params: none,
    description: "seq equals the last accepted seq of the symbol's stream (trades and quotes are separate streams)." },
  { id: "seq.out_of_order", severity: "flag", stateful: true, overridable: true, params: none,
    description: "seq is below the last accepted seq (a replay or a feed reset; it becomes the new reference)." },
  { id: "seq.gap", severity: "flag", stateful: true, overridable: true, params: none,
    description: "seq skips ahead of the last accepted seq + 1 (messages were lost upstream)." },
  { id: "tradeId.duplicate", severity: "reject", stateful: true, overridable: true, params: none,
    description: "tradeId was seen in the symbol's last 64 accepted trades (a fixed, bounded window)." },
  { id: "price.spike", severity: "reject", stateful: true, overridable: true,
    params: {
      maxJumpPct: { default: 10, type: "number", min: 0, description: "Largest move from the last accepted trade price, in percent." },
      spikeReanchorAfter: { default: 5, type: "integer", min: 0, description: "After this many consecutive price rejects the reference and median window are dropped, so a real level shift is accepted; 0 = never." },
    },
    description: "The trade price moved more than maxJumpPct from the last accepted trade price." },
  { id: "price.outlier", severity: "flag", stateful: true, overridable: true,
    params: {
      outlierK: { default: 10, type: "number", min: 0, description: "Band half-width in robust standard deviations (1.4826 × MAD)." },
      outlierGammaBps: { default: 25, type: "number", min: 0, description: "Granularity term added to the band, in bps of the median (Brownlees–Gallo γ; keeps the band open when MAD = 0)." },
      outlierMinSamples: { default: 16, type: "integer", min: 8, max: 32, description: "Accepted trades in the window (of 32) before the check runs." },
    },
    description: "The trade price lies outside median ± (outlierK · 1.4826 · MAD + γ) of the last 32 accepted trade prices (median as a remedian of 4 blocks of 8; Brownlees–Gallo; Barndorff-Nielsen et al.)." },
  { id: "size.spike", severity: "flag", stateful: true, overridable: true,
    params: {
      sizeSpikeK: { default: 500, type: "number", min: 0, description: "Multiple of the rolling median size that flags." },
      sizeSpikeMinSamples: { default: 16, type: "integer", min: 8, max: 32, description: "Accepted trades in the window (of 32) before the check runs." },
    },
    description: "The trade size is more than sizeSpikeK × the rolling median size of the last 32 accepted trades." },
  { id: "spread.spike", severity: "flag", stateful: true, overridable: true,
    params: {
      spreadSpikeK: { default: 20, type: "number", min: 0, description: "Multiple of the rolling median spread that flags." },
      spreadSpikeMinSamples: { default: 16, type: "integer", min: 8, max: 32, description: "Accepted quotes in the window (of 32) before the check runs." },
    },
    description: "The quote's spread is more than spreadSpikeK × the rolling median spread of the last 32 accepted quotes." },
  { id: "trade.outside_quote", severity: "flag", stateful: true, overridable: true,
    params: { maxQuoteAgeMs: { default: 5_000, type: "number", min: 0, description: "The last quote is used only when its ts is within this of the trade's ts." } },
    description: "The trade price is outside [bid − spread, ask + spread] of the symbol's last accepted quote." },
  { id: "quote.stale", severity: "flag", stateful: true, overridable: true,
    params: { maxStaleMs: { default: 60_000, type: "number", min: 0, description: "How long an identical quote may repeat." } },
    description: "The identical quote (bid, bidSize, ask, askSize) has repeated for longer than maxStaleMs of tick time." },
  { id: "rate.burst", severity: "flag", stateful: true, overridable: true,
    params: {
      burstMaxPerSec: { default: 1_000, type: "number", min: 0, description: "Sustained accepted ticks per second per symbol (token refill rate, by receive time)." },
      burstCapacity: { default: 2_000, type: "number", min: 1, description: "Token bucket size: the burst allowed above the rate." },
    },
    description: "The symbol's accepted tick rate is above its token bucket (burstMaxPerSec, burstCapacity)." },
];

/** Index of each check id in CHECKS (its bit). Built once at load. */
export const CHECK_INDEX: ReadonlyMap<string, number> = new Map(CHECKS.map((c, i) => [c.id, i]));
